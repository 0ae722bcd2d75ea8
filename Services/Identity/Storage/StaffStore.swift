import Database
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Staff roles, scoped by organisation, and their log. Identity knows organisations from `catalogue.organisation.*`.
struct StaffStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    enum Role: String, Sendable, CaseIterable {
        case staff
        case admin
    }

    /// The organisations an account is staff of, with every organisation below them (a school service centre's
    /// staff act on its schools), each with the kind granted: what goes into the access token.
    func roles(account: UUID) async throws -> [OrganisationRole] {
        let rows = try await client.query(
            """
            WITH RECURSIVE scope(id, role) AS (
                SELECT organisation_id, role FROM staff_grants WHERE account_id = \(account)
                UNION
                SELECT o.id, scope.role FROM organisations o JOIN scope ON o.parent_id = scope.id
            )
            SELECT DISTINCT id, role FROM scope ORDER BY id, role
            """, logger: logger)
        var roles: [OrganisationRole] = []
        for try await (id, role) in rows.decode((UUID, String).self) { roles.append(OrganisationRole(organisationId: id, role: role)) }
        return roles
    }

    /// The organisations an account was granted (without those below), with the kind, for its profile.
    func grants(account: UUID) async throws -> [(organisation: UUID, role: Role)] {
        var found: [(UUID, Role)] = []
        for try await (id, role) in try await client.query(
            "SELECT organisation_id, role FROM staff_grants WHERE account_id = \(account) ORDER BY organisation_id", logger: logger
        ).decode((UUID, String).self) {
            found.append((id, Role(rawValue: role) ?? .staff))
        }
        return found
    }

    func organisationExists(_ id: UUID) async throws -> Bool {
        try await client.query("SELECT 1 FROM organisations WHERE id = \(id)", logger: logger).collect().count == 1
    }

    /// Grants `role`, or changes the kind of a grant the account holds there; logs what changed (nothing if the
    /// account already held that role).
    func grant(account: UUID, organisation: UUID, role: Role, by admin: UUID, at: Date) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            var previous: String?
            for try await held in try await connection.query(
                "SELECT role FROM staff_grants WHERE account_id = \(account) AND organisation_id = \(organisation) FOR UPDATE",
                logger: logger
            ).decode(String.self) {
                previous = held
            }
            guard previous != role.rawValue else { return }
            try await connection.query(
                """
                INSERT INTO staff_grants (account_id, organisation_id, granted_by, granted_at, role)
                VALUES (\(account), \(organisation), \(admin), \(at), \(role.rawValue))
                ON CONFLICT (account_id, organisation_id) DO UPDATE SET role = EXCLUDED.role, granted_by = EXCLUDED.granted_by,
                    granted_at = EXCLUDED.granted_at
                """, logger: logger)
            try await Self.log(
                previous == nil ? "granted" : "role-changed", role: role.rawValue, account: account, organisation: organisation, by: admin,
                at: at, on: connection, logger: logger)
            try await SecurityEventLog.record(.staffRoleGranted, account: account, at: at, client: .current, on: connection, logger: logger)
        }
    }

    func revoke(account: UUID, organisation: UUID, by admin: UUID, at: Date) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            let deleted = try await connection.query(
                "DELETE FROM staff_grants WHERE account_id = \(account) AND organisation_id = \(organisation) RETURNING role",
                logger: logger
            ).collect()
            if let role = try deleted.first?.decode(String.self) {
                try await Self.log(
                    "revoked", role: role, account: account, organisation: organisation, by: admin, at: at, on: connection, logger: logger)
                try await SecurityEventLog.record(.staffRoleRevoked, account: account, at: at, client: .current, on: connection, logger: logger)
            }
        }
    }

    private static func log(
        _ change: String, role: String, account: UUID, organisation: UUID, by admin: UUID, at: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO staff_changes (id, organisation_id, account_id, change, role, changed_by, changed_at)
            VALUES (\(UUID()), \(organisation), \(account), \(change), \(role), \(admin), \(at))
            """, logger: logger)
    }

    struct Member: Sendable {
        var account: Account
        var role: Role
        var grantedAt: Date
    }

    /// The staff of an organisation (granted there, not above).
    func staff(of organisation: UUID) async throws -> [Member] {
        let grants = try await client.query(
            "SELECT account_id, role, granted_at FROM staff_grants WHERE organisation_id = \(organisation)", logger: logger)
        var granted: [UUID: (Role, Date)] = [:]
        for try await (account, role, at) in grants.decode((UUID, String, Date).self) { granted[account] = (Role(rawValue: role) ?? .staff, at) }
        let accounts = try await AccountStore.decode(
            client.query(
                """
                SELECT \(unescaped: AccountStore.columns) FROM accounts
                WHERE status = 'active' AND id IN (SELECT account_id FROM staff_grants WHERE organisation_id = \(organisation))
                ORDER BY last_name, first_name, id
                """, logger: logger))
        return accounts.compactMap { account in granted[account.id].map { Member(account: account, role: $0.0, grantedAt: $0.1) } }
    }

    struct Change: Sendable {
        var id: UUID
        var account: UUID
        var accountName: String?
        var change: String
        var role: String
        var changedBy: UUID
        var changedByName: String?
        var changedAt: Date
    }

    /// An organisation's log of grants and revocations, newest first; the names of accounts still open.
    func changes(of organisation: UUID, request: PageRequest) async throws -> (items: [Change], nextCursor: String?) {
        let after = try request.afterTimeAndID()
        let (afterMicros, afterID) = (after?.micros, after?.id)
        let rows = try await client.query(
            """
            SELECT c.id, c.account_id, a.first_name || ' ' || a.last_name, c.change, c.role, c.changed_by,
                   b.first_name || ' ' || b.last_name, c.changed_at
            FROM staff_changes c
            LEFT JOIN accounts a ON a.id = c.account_id AND a.status = 'active'
            LEFT JOIN accounts b ON b.id = c.changed_by AND b.status = 'active'
            WHERE c.organisation_id = \(organisation)
              AND (\(afterMicros)::bigint IS NULL
                   OR (c.changed_at, c.id) < (timestamptz 'epoch' + \(afterMicros)::bigint * interval '1 microsecond', \(afterID)::uuid))
            ORDER BY c.changed_at DESC, c.id DESC LIMIT \(request.fetchLimit)
            """, logger: logger)
        var items: [Change] = []
        for try await (id, account, name, change, role, by, byName, at) in rows.decode(
            (UUID, UUID, String?, String, String, UUID, String?, Date).self)
        {
            items.append(
                Change(id: id, account: account, accountName: name, change: change, role: role, changedBy: by, changedByName: byName, changedAt: at))
        }
        return request.page(items) { PageRequest.timeAndIDKey($0.changedAt, id: $0.id) }
    }
}
