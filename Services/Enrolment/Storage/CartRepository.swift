import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// A line of a guardian's cart: who, which session, from which organisation, which items.
struct CartLine: Sendable {
    var id: UUID
    var participantId: UUID
    var participantName: String
    var birthDate: String
    var residency: String?
    var offering: OfferingEvent
    var sessionId: UUID
    var organisationOfOriginId: UUID?
    var items: [ItemQuantity]
    var contractVersion: Int?
    var contractAcceptedAt: Date?
    var createdAt: Date
    /// The participant fields (the catalogue's names) the participant's profile or record fills.
    var filledFields: Set<String> = []

    /// The line as a checkout asks for it.
    var request: CheckoutRequestLine {
        CheckoutRequestLine(
            participant: .existing(participantId), offeringId: offering.offeringId, sessionId: sessionId,
            organisationOfOriginId: organisationOfOriginId, items: items, contractVersion: contractVersion,
            contractAcceptedAt: contractAcceptedAt, cartLineId: id)
    }
}

/// Carts are kept per account, so a guardian finds theirs on another device; only the owner reads or changes them.
struct CartRepository: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    func add(
        account: UUID, participantId: UUID, offeringId: UUID, sessionId: UUID, origin: UUID?, items: [ItemQuantity], now: Date
    ) async throws -> CartLine {
        do {
            return try await client.transaction(logger: logger) { connection in
                guard
                    let participant = try await CheckoutStore.participants([participantId], guardian: account, on: connection, logger: logger)[
                        participantId]
                else {
                    throw Problem.validation([.unknownParticipant("participantId")])
                }
                guard let offering = try await CheckoutStore.offerings([offeringId], on: connection, logger: logger)[offeringId] else {
                    throw Problem.validation([
                        .init(field: "offeringId", code: "unknown", message: .init(fr: "Offre inconnue.", en: "Unknown offering."))
                    ])
                }
                // Window, session and age now (the contract comes later); prices and item quantities checked too.
                let errors =
                    Eligibility.errors(
                        offering: offering, sessionId: sessionId, birthDate: participant.birthDate, contractVersion: offering.contract?.version,
                        now: now)
                    + Eligibility.membershipErrors(offering: offering, requestedOrigin: origin, participant: participant)
                guard errors.isEmpty else { throw Problem.validation(errors) }
                // The origin is the participant's record's, never the request's.
                let origin = participant.origin
                _ = try Pricing.price(offering, origin: origin, residency: participant.residency, quantities: items)
                let id = UUID()
                try await connection.query(
                    """
                    INSERT INTO cart_lines (id, account_id, participant_id, offering_id, session_id, organisation_of_origin_id, item_quantities, created_at)
                    VALUES (\(id), \(account), \(participantId), \(offeringId), \(sessionId), \(origin),
                        \(String(decoding: try JSONEncoder().encode(items.filter { $0.quantity > 0 }), as: UTF8.self))::jsonb, \(now))
                    """, logger: logger)
                return try await Self.lines(account: account, id: id, on: connection, logger: logger)[0]
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.alreadyInCart
        }
    }

    func list(account: UUID) async throws -> [CartLine] {
        try await client.withConnection { connection in
            try await Self.lines(account: account, id: nil, on: connection, logger: logger)
        }
    }

    func remove(account: UUID, id: UUID) async throws -> Bool {
        try await client.query(
            "DELETE FROM cart_lines WHERE id = \(id) AND account_id = \(account) RETURNING 1", logger: logger
        ).collect().count == 1
    }

    /// Records that the guardian accepted `version` of the line's contract; it must be the offering's current version.
    func acceptContract(account: UUID, id: UUID, version: Int, now: Date) async throws -> CartLine? {
        return try await client.transaction(logger: logger) { connection in
            guard let line = try await Self.lines(account: account, id: id, on: connection, logger: logger).first else { return nil }
            guard let contract = line.offering.contract, contract.version == version else {
                throw Problem.validation([
                    .init(
                        field: "version", code: "notCurrent",
                        message: .init(
                            fr: "Ce n'est pas la version actuelle du contrat ; rechargez la page pour lire la nouvelle.",
                            en: "This is not the contract's current version; reload the page to read the new one."))
                ])
            }
            try await connection.query(
                "UPDATE cart_lines SET contract_version = \(version), contract_accepted_at = \(now) WHERE id = \(id)", logger: logger)
            return try await Self.lines(account: account, id: id, on: connection, logger: logger).first
        }
    }

    /// The account's lines (or one of them), oldest first, with the offering as enrolment knows it.
    static func lines(account: UUID, id: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> [CartLine] {
        var lines: [CartLine] = []
        let rows = try await connection.query(
            """
            SELECT c.id, c.participant_id, p.first_name || ' ' || p.last_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.residency,
                   o.document::text, c.session_id, c.organisation_of_origin_id, c.item_quantities::text, c.contract_version,
                   c.contract_accepted_at, c.created_at,
                   \(unescaped: PostgresParticipantRepository.filledFields)
            FROM cart_lines c JOIN participants p ON p.id = c.participant_id JOIN offerings o ON o.id = c.offering_id
            WHERE c.account_id = \(account) AND (\(id)::uuid IS NULL OR c.id = \(id))
            ORDER BY c.created_at, c.id
            """, logger: logger
        ).decode((UUID, UUID, String, String, String?, String, UUID, UUID?, String, Int?, Date?, Date, [String]).self)
        for try await (lineId, participant, name, birth, residency, document, session, origin, items, contractVersion, acceptedAt, created, filled)
            in rows
        {
            guard let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(document.utf8)) else { continue }
            lines.append(
                CartLine(
                    id: lineId, participantId: participant, participantName: name, birthDate: birth, residency: residency, offering: offering,
                    sessionId: session, organisationOfOriginId: origin,
                    items: (try? JSONDecoder().decode([ItemQuantity].self, from: Data(items.utf8))) ?? [], contractVersion: contractVersion,
                    contractAcceptedAt: acceptedAt, createdAt: created, filledFields: Set(filled)))
        }
        return lines
    }
}
