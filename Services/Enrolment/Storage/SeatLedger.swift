import Contracts
import Foundation
import Logging
import Outbox
import PostgresNIO
import ServiceKit

/// Seat counts per session. Every change is one conditional `UPDATE` of the session's row, taken in session-id
/// order inside the caller's transaction: the row lock serialises claims on a session across all instances,
/// and the fixed order means two checkouts over the same sessions never deadlock.
enum SeatLedger {
    /// How a hold is claimed. `unlockedReadThenWrite` exists only so a test can show the race that the
    /// conditional update prevents; nothing in the service uses it.
    enum ClaimMode: Sendable {
        case conditionalUpdate
        case unlockedReadThenWrite
    }

    /// Holds `count` seats in each session, all or none: nil when one has too few left (the caller rolls back).
    static func hold(
        _ counts: [UUID: Int], mode: ClaimMode = .conditionalUpdate, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent]? {
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            let row: SessionSeatsEvent?
            switch mode {
            case .conditionalUpdate:
                row = try await update(
                    session, set: "held = held + \(count)", when: "held + confirmed + \(count) <= capacity", on: connection, logger: logger)
            case .unlockedReadThenWrite:
                row = try await unlockedHold(session, count: count, on: connection, logger: logger)
            }
            guard let row else { return nil }
            changed.append(row)
        }
        return changed
    }

    /// Held seats become confirmed (the payment succeeded in time).
    static func confirmHeld(_ counts: [UUID: Int], on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0), confirmed = confirmed + \($0)" }, on: connection, logger: logger)
    }

    /// Held seats return to the session (expiry, failed payment).
    static func releaseHeld(_ counts: [UUID: Int], on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0)" }, on: connection, logger: logger)
    }

    /// Confirmed seats return to the session (a cancelled registration).
    static func releaseConfirmed(_ counts: [UUID: Int], on connection: PostgresConnection, logger: Logger) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "confirmed = confirmed - \($0)" }, on: connection, logger: logger)
    }

    /// One seat confirmed directly if one is free (a payment that succeeded after its hold expired); nil if full.
    static func confirmIfFree(_ session: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SessionSeatsEvent? {
        try await update(session, set: "confirmed = confirmed + 1", when: "held + confirmed + 1 <= capacity", on: connection, logger: logger)
    }

    /// Records what changed, so the catalogue shows seats left (`enrolment.session.seats_changed`).
    static func record(_ changes: [SessionSeatsEvent], at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for change in changes {
            try await Outbox.enqueue(
                PendingEvent(routingKey: EventName.sessionSeatsChanged, subject: change.sessionId.uuidString.lowercased(), occurredAt: at, payload: change),
                on: connection, logger: logger)
        }
    }

    static func counts(_ sessions: [UUID]) -> [UUID: Int] {
        sessions.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func apply(
        _ counts: [UUID: Int], set: (Int) -> String, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            if let row = try await update(session, set: set(count), when: "true", on: connection, logger: logger) { changed.append(row) }
        }
        return changed
    }

    /// `set` and `when` are built here from integers only, never from input.
    private static func update(
        _ session: UUID, set: String, when: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> SessionSeatsEvent? {
        let rows = try await connection.query(
            """
            UPDATE session_seats SET \(unescaped: set), version = version + 1
            WHERE session_id = \(session) AND \(unescaped: when)
            RETURNING version, capacity, held, confirmed
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
