import Contracts
import Foundation
import Logging
import Outbox
import PostgresNIO
import ServiceKit

protocol OfferingRepository: Sendable {
    func create(_ offering: Offering, at: Date) async throws
    func find(id: UUID) async throws -> Offering?
    /// Moves a draft to published and records `catalogue.offering.published` in the same transaction.
    func publish(id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void) async throws -> Offering?
    /// Records the current state of every published offering again (projection rebuilds).
    func republishAll(at: Date) async throws -> Int
}

struct PostgresOfferingRepository: OfferingRepository {
    let client: PostgresClient

    func create(_ offering: Offering, at: Date) async throws {
        let logger = RequestScope.logger
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO offerings (id, selling_organisation_id, code, title_fr, title_en, base_price_cents,
                        registration_opens_at, registration_closes_at, status, version, created_at, updated_at)
                    VALUES (\(offering.id), \(offering.sellingOrganisationId), \(offering.code), \(offering.title.fr),
                        \(offering.title.en), \(offering.basePriceCents), \(offering.registrationOpensAt),
                        \(offering.registrationClosesAt), \(offering.status.rawValue), \(offering.version), \(at), \(at))
                    """, logger: logger)
                for session in offering.sessions {
                    try await connection.query(
                        """
                        INSERT INTO sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size)
                        VALUES (\(session.id), \(offering.id), \(session.name.fr), \(session.name.en), \(session.startsOn)::date,
                            \(session.endsOn)::date, \(session.capacity), \(session.waitlistSize))
                        """, logger: logger)
                }
            }
        } catch let error as PostgresTransactionError {
            if let psql = error.closureError as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
                throw Problem.duplicateOfferingCode
            }
            throw error
        }
    }

    func find(id: UUID) async throws -> Offering? {
        try await client.withConnection { connection in
            try await Self.load(id: id, lock: false, on: connection, logger: RequestScope.logger)
        }
    }

    func publish(id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void) async throws -> Offering? {
        let logger = RequestScope.logger
        do {
            return try await client.withTransaction(logger: logger) { connection -> Offering? in
                guard var offering = try await Self.load(id: id, lock: true, on: connection, logger: logger) else { return nil }
                try authorize(offering)
                guard offering.status == .draft else { throw Problem.offeringNotDraft }
                offering.status = .published
                offering.version += 1
                try await connection.query(
                    "UPDATE offerings SET status = 'published', version = \(offering.version), updated_at = \(at) WHERE id = \(id)",
                    logger: logger)
                try await Outbox.enqueue(
                    PendingEvent(routingKey: EventName.offeringPublished, subject: id.uuidString.lowercased(), occurredAt: at, payload: offering.event),
                    on: connection, logger: logger)
                return offering
            }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    func republishAll(at: Date) async throws -> Int {
        let logger = Logger(label: "guichet.catalogue.republish")
        return try await client.withTransaction(logger: logger) { connection in
            var ids: [UUID] = []
            for try await id in try await connection.query(
                "SELECT id FROM offerings WHERE status <> 'draft' ORDER BY id", logger: logger
            ).decode(UUID.self) {
                ids.append(id)
            }
            for id in ids {
                guard let offering = try await Self.load(id: id, lock: false, on: connection, logger: logger) else { continue }
                let name = switch offering.status {
                case .closed: EventName.offeringClosed
                case .cancelled: EventName.offeringCancelled
                default: EventName.offeringPublished
                }
                try await Outbox.enqueue(
                    PendingEvent(routingKey: name, subject: id.uuidString.lowercased(), occurredAt: at, payload: offering.event),
                    on: connection, logger: logger)
            }
            return ids.count
        }
    }

    private static func load(id: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Offering? {
        let rows = try await connection.query(
            """
            SELECT selling_organisation_id, code, title_fr, title_en, base_price_cents, registration_opens_at,
                   registration_closes_at, status, version
            FROM offerings WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)
        var found: Offering?
        for try await (organisation, code, titleFr, titleEn, price, opens, closes, status, version)
            in rows.decode((UUID, String, String, String, Int64, Date?, Date?, String, Int64).self)
        {
            found = Offering(
                id: id, sellingOrganisationId: organisation, code: code, title: .init(fr: titleFr, en: titleEn),
                basePriceCents: price, registrationOpensAt: opens, registrationClosesAt: closes,
                status: Offering.Status(rawValue: status) ?? .draft, version: version, sessions: [])
        }
        guard var offering = found else { return nil }
        let sessions = try await connection.query(
            """
            SELECT id, name_fr, name_en, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'), capacity, waitlist_size
            FROM sessions WHERE offering_id = \(id) ORDER BY starts_on, id
            """, logger: logger)
        for try await (sessionId, nameFr, nameEn, startsOn, endsOn, capacity, waitlist)
            in sessions.decode((UUID, String, String, String, String, Int, Int).self)
        {
            offering.sessions.append(.init(
                id: sessionId, name: .init(fr: nameFr, en: nameEn), startsOn: startsOn, endsOn: endsOn, capacity: capacity,
                waitlistSize: waitlist))
        }
        return offering
    }
}
