import Database
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Staff roles, scoped by organisation. Identity knows organisations from `catalogue.organisation.*`.
struct StaffStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// The organisations an account is staff of, with every organisation below them (a school service centre's
    /// staff act on its schools): what goes into the access token.
    func roles(account: UUID) async throws -> [OrganisationRole] {
        let rows = try await client.query(
            """
            WITH RECURSIVE scope(id) AS (
                SELECT organisation_id FROM staff_grants WHERE account_id = \(account)
                UNION
                SELECT o.id FROM organisations o JOIN scope ON o.parent_id = scope.id
            )
            SELECT id FROM scope ORDER BY id
            """, logger: logger)
        var roles: [OrganisationRole] = []
        for try await id in rows.decode(UUID.self) { roles.append(OrganisationRole(organisationId: id, role: "staff")) }
        return roles
    }

    /// The organisations an account was granted (without those below), for its profile.
    func grants(account: UUID) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await id in try await client.query(
            "SELECT organisation_id FROM staff_grants WHERE account_id = \(account) ORDER BY organisation_id", logger: logger
        ).decode(UUID.self) {
            ids.append(id)
        }
        return ids
    }

    func organisationExists(_ id: UUID) async throws -> Bool {
        try await client.query("SELECT 1 FROM organisations WHERE id = \(id)", logger: logger).collect().count == 1
    }

    func grant(account: UUID, organisation: UUID, by admin: UUID, at: Date) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO staff_grants (account_id, organisation_id, granted_by, granted_at)
                VALUES (\(account), \(organisation), \(admin), \(at)) ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count
            if inserted > 0 {
                try await SecurityEventLog.record(.staffRoleGranted, account: account, at: at, client: .current, on: connection, logger: logger)
            }
        }
    }

    func revoke(account: UUID, organisation: UUID, at: Date) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            let deleted = try await connection.query(
                "DELETE FROM staff_grants WHERE account_id = \(account) AND organisation_id = \(organisation) RETURNING 1",
                logger: logger
            ).collect().count
            if deleted > 0 {
                try await SecurityEventLog.record(.staffRoleRevoked, account: account, at: at, client: .current, on: connection, logger: logger)
            }
        }
    }

    /// The staff of an organisation (granted there, not above).
    func staff(of organisation: UUID) async throws -> [Account] {
        try await AccountStore.decode(
            client.query(
                """
                SELECT \(unescaped: AccountStore.columns) FROM accounts
                WHERE status = 'active' AND id IN (SELECT account_id FROM staff_grants WHERE organisation_id = \(organisation))
                ORDER BY last_name, first_name, id
                """, logger: logger))
    }
}
