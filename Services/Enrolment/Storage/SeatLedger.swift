import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// Seat counts per session. Every change is one conditional `UPDATE` of the session's row, taken in session-id
/// order inside the caller's transaction: the row lock serialises claims on a session across all instances,
/// and the fixed order means two checkouts over the same sessions never deadlock. The same statement records
/// `enrolment.session.seats_changed` in the outbox, so the row stays locked for one round trip and the commit,
/// as little as a bare claim (the caller's other events wake the relay).
enum SeatLedger {
    /// How a hold is claimed. `unlockedReadThenWrite` exists only so a test can show the race that the
    /// conditional update prevents; nothing in the service uses it.
    enum ClaimMode: Sendable {
        case conditionalUpdate
        case unlockedReadThenWrite
    }

    /// Holds `count` seats in each session (or, for a checkout with nothing to pay, confirms them at once), all or
    /// none: nil when one has too few left (the caller rolls back).
    /// While anyone waits for a session, its freed seats go to the waitlist first (`forWaitlist` is the
    /// waitlist's own claim).
    static func hold(
        _ counts: [UUID: Int], confirmed: Bool = false, forWaitlist: Bool = false, mode: ClaimMode = .conditionalUpdate, at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent]? {
        let column = confirmed ? "confirmed" : "held"
        let waitlistFirst = forWaitlist
            ? "" : " AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.session_id = session_seats.session_id AND w.status = 'waiting')"
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let row: SessionSeatsEvent?
            switch mode {
            case .conditionalUpdate:
                row = try await update(
                    session, set: "\(column) = \(column) + \(count)", when: "held + confirmed + \(count) <= capacity" + waitlistFirst, at: now, on: connection, logger: logger)
            case .unlockedReadThenWrite:
                row = try await unlockedHold(session, count: count, on: connection, logger: logger)
            }
            guard let row else { return nil }
            changed.append(row)
        }
        return changed
    }

    /// Held seats become confirmed (the payment succeeded in time).
    @discardableResult
    static func confirmHeld(_ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0), confirmed = confirmed + \($0)" }, at: now, on: connection, logger: logger)
    }

    /// Held seats return to the session (expiry, failed payment).
    @discardableResult
    static func releaseHeld(_ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0)" }, at: now, on: connection, logger: logger)
    }

    /// Confirmed seats return to the session (a cancelled registration).
    @discardableResult
    static func releaseConfirmed(_ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "confirmed = confirmed - \($0)" }, at: now, on: connection, logger: logger)
    }

    /// One seat confirmed directly if one is free (a payment that succeeded after its hold expired); nil if full.
    static func confirmIfFree(_ session: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> SessionSeatsEvent? {
        try await update(session, set: "confirmed = confirmed + 1", when: "held + confirmed + 1 <= capacity", at: now, on: connection, logger: logger)
    }

    static func counts(_ sessions: [UUID]) -> [UUID: Int] {
        sessions.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func apply(
        _ counts: [UUID: Int], set: (Int) -> String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            if let row = try await update(session, set: set(count), when: "true", at: now, on: connection, logger: logger) { changed.append(row) }
        }
        return changed
    }

    /// `set` and `when` are built here from integers only, never from input.
    private static func update(
        _ session: UUID, set: String, when: String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> SessionSeatsEvent? {
        let rows = try await connection.query(
            """
            WITH changed AS (
                UPDATE session_seats SET \(unescaped: set), version = version + 1
                WHERE session_id = \(session) AND \(unescaped: when)
                RETURNING session_id, version, capacity, held, confirmed
            ), recorded AS (
                INSERT INTO outbox (event_id, routing_key, type, subject, occurred_at, traceparent, payload)
                SELECT gen_random_uuid(), \(EventName.sessionSeatsChanged), \(CloudEvent.type(routingKey: EventName.sessionSeatsChanged)),
                    session_id::text, \(now), \(TraceContext.current?.child().traceparent),
                    convert_to(json_build_object(
                        'capacity', capacity, 'confirmed', confirmed, 'held', held, 'sessionId', session_id, 'version', version)::text, 'UTF8')
                FROM changed
                RETURNING 1
            )
            SELECT version, capacity, held, confirmed FROM changed
            """, logger: logger
        ).decode((Int64, Int, Int, Int).self)
        for try await (version, capacity, held, confirmed) in rows {
            return SessionSeatsEvent(sessionId: session, version: version, capacity: capacity, held: held, confirmed: confirmed)
        }
        return nil
    }

    private static func unlockedHold(_ session: UUID, count: Int, on connection: PostgresConnection, logger: Logger) async throws -> SessionSeatsEvent? {
        let rows = try await connection.query(
            "SELECT version, capacity, held, confirmed FROM session_seats WHERE session_id = \(session)", logger: logger
        ).decode((Int64, Int, Int, Int).self)
        var read: (Int64, Int, Int, Int)?
        for try await row in rows { read = row }
        guard let (version, capacity, held, confirmed) = read, held + confirmed + count <= capacity else { return nil }
        // Widen the window between read and write, as a busy server would.
        try await connection.query("SELECT pg_sleep(0.01)", logger: logger)
        try await connection.query(
            "UPDATE session_seats SET held = \(held + count), version = \(version + 1) WHERE session_id = \(session)", logger: logger)
        return SessionSeatsEvent(sessionId: session, version: version + 1, capacity: capacity, held: held + count, confirmed: confirmed)
    }
}
