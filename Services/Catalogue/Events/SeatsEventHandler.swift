import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// Keeps how many seats of each session enrolment holds and has confirmed (`enrolment.session.seats_changed`),
/// so the catalogue shows seats left and refuses a capacity below what is confirmed without reading enrolment's
/// tables. An older version changes nothing.
enum SeatsEventHandler {
    static let handler = EventHandler { event, connection, logger in
        let seats = try EventJSON.decoder.decode(SessionSeatsEvent.self, from: Data(event.data))
        try await connection.query(
            """
            INSERT INTO session_seats (session_id, version, held, confirmed)
            VALUES (\(seats.sessionId), \(seats.version), \(seats.held), \(seats.confirmed))
            ON CONFLICT (session_id) DO UPDATE SET version = EXCLUDED.version, held = EXCLUDED.held, confirmed = EXCLUDED.confirmed
            WHERE session_seats.version < EXCLUDED.version
            """, logger: logger)
    }
}
