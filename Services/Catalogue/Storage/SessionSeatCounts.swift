import Contracts
import Foundation
import Logging
import Outbox
import PostgresNIO

/// The catalogue's copy of enrolment's seat counts per session.
enum SessionSeatCounts {
    static func keep(_ seats: SessionSeatsEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO session_seats (session_id, version, held, confirmed)
            VALUES (\(seats.sessionId), \(seats.version), \(seats.held), \(seats.confirmed))
            ON CONFLICT (session_id) DO UPDATE SET version = EXCLUDED.version, held = EXCLUDED.held, confirmed = EXCLUDED.confirmed
            WHERE session_seats.version < EXCLUDED.version
            """, logger: logger)
    }
}
