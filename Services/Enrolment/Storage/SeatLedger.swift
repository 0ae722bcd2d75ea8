import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// Seat counts per session. Every change is one conditional `UPDATE` of the session's row, taken in session-id
/// order inside the caller's transaction: the row lock serialises claims on a session across all instances,
/// and the fixed order means two checkouts over the same sessions never deadlock. Each call then records its
/// `enrolment.session.seats_changed` events through `Outbox.enqueue`, all in one statement.
enum SeatLedger {
    /// How a checkout claims its seats: `SeatLedger.hold` (a test swaps in a racy claim to show what it prevents).
    /// `recording` are the caller's own events, written with the seat counts' in one statement.
    typealias Claim =
        @Sendable (
            _ counts: [UUID: Int], _ confirmed: Bool, _ recording: [PendingEvent], _ now: Date, _ connection: PostgresConnection,
            _ logger: Logger
        ) async throws -> [SessionSeatsEvent]?

    static let conditionalClaim: Claim = { counts, confirmed, recording, now, connection, logger in
        try await hold(counts, confirmed: confirmed, recording: recording, at: now, on: connection, logger: logger)
    }

    /// Holds `count` seats in each session (or, for a checkout with nothing to pay, confirms them at once), all or
    /// none: nil when one has too few left (the caller rolls back).
    /// While anyone waits for a session, its freed seats go to the waitlist first (`forWaitlist` is the
    /// waitlist's own claim).
    static func hold(
        _ counts: [UUID: Int], confirmed: Bool = false, forWaitlist: Bool = false, recording: [PendingEvent] = [], at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent]? {
        let column = confirmed ? "confirmed" : "held"
        let waitlistFirst =
            forWaitlist
            ? "" : " AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.session_id = session_seats.session_id AND w.status = 'waiting')"
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            guard
                let row = try await update(
                    session, set: "\(column) = \(column) + \(count)", when: "held + confirmed + \(count) <= capacity" + waitlistFirst,
                    on: connection, logger: logger)
            else { return nil }
            changed.append(row)
        }
        try await record(changed, with: recording, at: now, on: connection, logger: logger)
        return changed
    }

    /// Held seats become confirmed (the payment succeeded in time).
    @discardableResult
    static func confirmHeld(
        _ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0), confirmed = confirmed + \($0)" }, at: now, on: connection, logger: logger)
    }

    /// Held seats return to the session (expiry, failed payment).
    @discardableResult
    static func releaseHeld(
        _ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "held = held - \($0)" }, at: now, on: connection, logger: logger)
    }

    /// Confirmed seats return to the session (a cancelled registration).
    @discardableResult
    static func releaseConfirmed(
        _ counts: [UUID: Int], at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        try await apply(counts, set: { "confirmed = confirmed - \($0)" }, at: now, on: connection, logger: logger)
    }

    /// One seat confirmed directly if one is free (a payment that succeeded after its hold expired); nil if full.
    static func confirmIfFree(_ session: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> SessionSeatsEvent? {
        guard
            let row = try await update(
                session, set: "confirmed = confirmed + 1", when: "held + confirmed + 1 <= capacity", on: connection, logger: logger)
        else { return nil }
        try await record([row], at: now, on: connection, logger: logger)
        return row
    }

    static func counts(_ sessions: [UUID]) -> [UUID: Int] {
        sessions.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func apply(
        _ counts: [UUID: Int], set: (Int) -> String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [SessionSeatsEvent] {
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            if let row = try await update(session, set: set(count), when: "true", on: connection, logger: logger) { changed.append(row) }
        }
        try await record(changed, at: now, on: connection, logger: logger)
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

    /// The new counts, as the catalogue reads them: one outbox statement for all of a call's sessions.
    private static func record(
        _ changed: [SessionSeatsEvent], with others: [PendingEvent] = [], at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await Outbox.enqueue(
            others
                + changed.map {
                    try PendingEvent(
                        routingKey: EventName.sessionSeatsChanged, subject: $0.sessionId.uuidString.lowercased(), occurredAt: now, payload: $0)
                }, on: connection, logger: logger)
    }
}
