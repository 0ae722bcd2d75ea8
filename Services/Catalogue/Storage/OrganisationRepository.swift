import Contracts
import Database
import Foundation
import Logging
import Outbox
import PostgresNIO
import ServiceKit

/// Organisations, each change recorded as `catalogue.organisation.created|updated` in the same transaction.
struct OrganisationRepository: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    private static let columns = "id, kind, short_code, name_fr, name_en, parent_id, version, details::text"

    private static func decode(_ rows: PostgresRowSequence) async throws -> [Organisation] {
        var organisations: [Organisation] = []
        for try await (id, kind, code, fr, en, parent, version, details)
            in rows.decode((UUID, String, String, String, String, UUID?, Int64, String).self)
        {
            organisations.append(
                Organisation(
                    id: id, kind: Organisation.Kind(rawValue: kind) ?? .school, shortCode: code, name: .init(fr: fr, en: en),
                    parentId: parent, version: version, details: try JSONDecoder().decode(Organisation.Details.self, from: Data(details.utf8))))
        }
        return organisations
    }

    func find(id: UUID) async throws -> Organisation? {
        try await Self.decode(client.query("SELECT \(unescaped: Self.columns) FROM organisations WHERE id = \(id)", logger: logger)).first
    }

    /// By short code, then id; `after` is the last (short code, id) of the previous page.
    func list(kind: String?, parentId: UUID?, after: (String, UUID)?, limit: Int) async throws -> [Organisation] {
        try await Self.decode(
            client.query(
                """
                SELECT \(unescaped: Self.columns) FROM organisations
                WHERE (\(kind)::text IS NULL OR kind = \(kind))
                  AND (\(parentId)::uuid IS NULL OR parent_id = \(parentId))
                  AND (\(after?.0)::text IS NULL OR (short_code, id) > (\(after?.0)::text, \(after?.1)::uuid))
                ORDER BY short_code, id LIMIT \(limit)
                """, logger: logger))
    }

    func create(_ organisation: Organisation, at: Date) async throws {
        let logger = self.logger
        do {
            try await client.transaction(logger: logger) { connection in
                if let parent = organisation.parentId,
                    try await connection.query("SELECT 1 FROM organisations WHERE id = \(parent)", logger: logger).collect().isEmpty
                {
                    throw Problem.unknownParent
                }
                try await connection.query(
                    """
                    INSERT INTO organisations (id, kind, short_code, name_fr, name_en, parent_id, version, created_at, updated_at)
                    VALUES (\(organisation.id), \(organisation.kind.rawValue), \(organisation.shortCode), \(organisation.name.fr),
                        \(organisation.name.en), \(organisation.parentId), \(organisation.version), \(at), \(at))
                    """, logger: logger)
                try await Outbox.enqueue(
                    PendingEvent(
                        routingKey: EventName.organisationCreated, subject: organisation.id.uuidString.lowercased(), occurredAt: at,
                        payload: organisation.event),
                    on: connection, logger: logger)
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.duplicateShortCode
        }
    }

    /// Lets `change` edit the organisation as stored, locked (it may throw: who may, what is valid), then saves its
    /// name and details and records the change when there is one.
    func update(id: UUID, at: Date, change: @Sendable (inout Organisation) throws -> Void) async throws -> Organisation? {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            guard
                var organisation = try await Self.decode(
                    connection.query("SELECT \(unescaped: Self.columns) FROM organisations WHERE id = \(id) FOR UPDATE", logger: logger)
                ).first
            else { return nil }
            let before = organisation
            try change(&organisation)
            guard organisation != before else { return organisation }
            organisation.version += 1
            let details = String(decoding: try JSONEncoder().encode(organisation.details), as: UTF8.self)
            try await connection.query(
                """
                UPDATE organisations SET name_fr = \(organisation.name.fr), name_en = \(organisation.name.en), details = \(details)::jsonb,
                    version = \(organisation.version), updated_at = \(at)
                WHERE id = \(id)
                """, logger: logger)
            try await Outbox.enqueue(
                PendingEvent(
                    routingKey: EventName.organisationUpdated, subject: id.uuidString.lowercased(), occurredAt: at,
                    payload: organisation.event),
                on: connection, logger: logger)
            return organisation
        }
    }

    func programmes(of organisation: UUID) async throws -> [Programme] {
        var programmes: [Programme] = []
        for try await (id, code, fr, en) in try await client.query(
            "SELECT id, code, name_fr, name_en FROM programmes WHERE organisation_id = \(organisation) ORDER BY code", logger: logger
        ).decode((UUID, String, String, String).self) {
            programmes.append(Programme(id: id, organisationId: organisation, code: code, name: .init(fr: fr, en: en)))
        }
        return programmes
    }

    func create(_ programme: Programme) async throws {
        do {
            try await client.query(
                """
                INSERT INTO programmes (id, organisation_id, code, name_fr, name_en)
                VALUES (\(programme.id), \(programme.organisationId), \(programme.code), \(programme.name.fr), \(programme.name.en))
                """, logger: logger)
        } catch  where error.sqlState == "23505" {
            throw Problem.duplicateShortCode
        }
    }
}
