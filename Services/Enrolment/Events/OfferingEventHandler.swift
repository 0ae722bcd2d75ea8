import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// Keeps enrolment's copy of an offering from `catalogue.offering.*`. Events can arrive out of order
/// (several relays, out-of-order confirms): one older than the stored version changes nothing.
enum OfferingEventHandler {
    static let handler = EventHandler { event, connection, logger in
        let offering = try EventJSON.decoder.decode(OfferingEvent.self, from: Data(event.data))
        let applied = try await connection.query(
            """
            INSERT INTO offerings (id, version, status, selling_organisation_id, code, title_fr, title_en, base_price_cents,
                registration_opens_at, registration_closes_at, document, received_at)
            VALUES (\(offering.offeringId), \(offering.version), \(offering.status), \(offering.sellingOrganisationId),
                \(offering.code), \(offering.title.fr), \(offering.title.en), \(offering.basePrice.amountCents),
                \(offering.registrationOpensAt), \(offering.registrationClosesAt), \(String(decoding: event.data, as: UTF8.self))::jsonb, now())
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
            return
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
    }
}
