import Contracts
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Enrolment's copy of an offering, as last received from the catalogue.
struct OfferingView: Sendable {
    struct Session: Sendable {
        var id: UUID
        var startsOn: String
        var endsOn: String
        var capacity: Int
    }

    var id: UUID
    var version: Int64
    var status: String
    var sellingOrganisationId: UUID
    var code: String
    var title: LocalizedText
    var basePriceCents: Int64
    var sessions: [Session]
}

struct OfferingProjection: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    func find(id: UUID) async throws -> OfferingView? {
        var view: OfferingView?
        for try await (version, status, organisation, code, titleFr, titleEn, price) in try await client.query(
            "SELECT version, status, selling_organisation_id, code, title_fr, title_en, base_price_cents FROM offerings WHERE id = \(id)",
            logger: logger
        ).decode((Int64, String, UUID, String, String, String, Int64).self) {
            view = OfferingView(
                id: id, version: version, status: status, sellingOrganisationId: organisation, code: code,
                title: .init(fr: titleFr, en: titleEn), basePriceCents: price, sessions: [])
        }
        guard var found = view else { return nil }
        for try await (sessionId, startsOn, endsOn, capacity) in try await client.query(
            """
            SELECT id, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'), capacity
            FROM offering_sessions WHERE offering_id = \(id) ORDER BY starts_on, name_fr, id
            """, logger: logger
        ).decode((UUID, String, String, Int).self) {
            found.sessions.append(.init(id: sessionId, startsOn: startsOn, endsOn: endsOn, capacity: capacity))
        }
        return found
    }
}

extension OfferingProjection {
    /// Stores an offering's newer version (its event's JSON kept as the document) with its sessions' capacity;
    /// false when the stored version is as new (a redelivered or older event).
    @discardableResult
    static func keep(_ offering: OfferingEvent, document: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let applied =
            try await connection.query(
                """
                INSERT INTO offerings (id, version, status, selling_organisation_id, code, title_fr, title_en, base_price_cents,
                    registration_opens_at, registration_closes_at, document, received_at)
                VALUES (\(offering.offeringId), \(offering.version), \(offering.status), \(offering.sellingOrganisationId),
                    \(offering.code), \(offering.title.fr), \(offering.title.en), \(offering.basePrice.amountCents),
                    \(offering.registrationOpensAt), \(offering.registrationClosesAt), \(document)::jsonb, now())
                ON CONFLICT (id) DO UPDATE SET
                    version = EXCLUDED.version, status = EXCLUDED.status,
                    selling_organisation_id = EXCLUDED.selling_organisation_id, code = EXCLUDED.code,
                    title_fr = EXCLUDED.title_fr, title_en = EXCLUDED.title_en, base_price_cents = EXCLUDED.base_price_cents,
                    registration_opens_at = EXCLUDED.registration_opens_at,
                    registration_closes_at = EXCLUDED.registration_closes_at, document = EXCLUDED.document, received_at = now()
                WHERE offerings.version < EXCLUDED.version
                RETURNING 1
                """, logger: logger
            ).collect().count == 1
        guard applied else {
            logger.debug("older offering event ignored", metadata: ["offering": "\(offering.offeringId)", "version": "\(offering.version)"])
            return false
        }
        // A published session whose dates moved: its families are told (`EnrolmentMailer`); a draft has none.
        if offering.status == "published" || offering.status == "closed" {
            let sessions = try await connection.query(
                """
                SELECT id, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD') FROM offering_sessions
                WHERE offering_id = \(offering.offeringId)
                """, logger: logger
            ).decode((UUID, String, String).self)
            var before: [UUID: (String, String)] = [:]
            for try await (id, startsOn, endsOn) in sessions { before[id] = (startsOn, endsOn) }
            for session in offering.sessions {
                guard let (startsOn, endsOn) = before[session.sessionId], (startsOn, endsOn) != (session.startsOn, session.endsOn) else { continue }
                // A change not mailed yet (a typo corrected at once) becomes this one, from the dates families last
                // heard of; moved back to them, there is nothing to tell.
                let merged =
                    try await connection.query(
                        """
                        UPDATE session_date_changes SET starts_on = \(session.startsOn)::date, ends_on = \(session.endsOn)::date, changed_at = now()
                        WHERE session_id = \(session.sessionId) AND mailed_at IS NULL RETURNING 1
                        """, logger: logger
                    ).collect().count > 0
                if merged {
                    try await connection.query(
                        """
                        DELETE FROM session_date_changes WHERE session_id = \(session.sessionId) AND mailed_at IS NULL
                            AND starts_on = starts_on_before AND ends_on = ends_on_before
                        """, logger: logger)
                    continue
                }
                try await connection.query(
                    """
                    INSERT INTO session_date_changes (session_id, offering_id, starts_on_before, ends_on_before, starts_on, ends_on, changed_at)
                    VALUES (\(session.sessionId), \(offering.offeringId), \(startsOn)::date, \(endsOn)::date, \(session.startsOn)::date,
                        \(session.endsOn)::date, now())
                    """, logger: logger)
            }
        }
        let kept = offering.sessions.map(\.sessionId)
        try await connection.query(
            "DELETE FROM offering_sessions WHERE offering_id = \(offering.offeringId) AND NOT (id = ANY(\(kept)))", logger: logger)
        for session in offering.sessions {
            try await connection.query(
                """
                INSERT INTO offering_sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size)
                VALUES (\(session.sessionId), \(offering.offeringId), \(session.name.fr), \(session.name.en),
                    \(session.startsOn)::date, \(session.endsOn)::date, \(session.capacity), \(session.waitlistSize))
                ON CONFLICT (id) DO UPDATE SET name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en,
                    starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on, capacity = EXCLUDED.capacity,
                    waitlist_size = EXCLUDED.waitlist_size
                """, logger: logger)
            // Capacity is the catalogue's; holds and confirmations are enrolment's own and stay.
            try await connection.query(
                """
                INSERT INTO session_seats (session_id, offering_id, capacity) VALUES (\(session.sessionId), \(offering.offeringId), \(session.capacity))
                ON CONFLICT (session_id) DO UPDATE SET capacity = EXCLUDED.capacity, version = session_seats.version + 1
                WHERE session_seats.capacity <> EXCLUDED.capacity
                """, logger: logger)
        }
        return true
    }
}
