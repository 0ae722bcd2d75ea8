import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// A place on a full session's waitlist.
struct WaitlistEntry: Sendable, Equatable {
    enum Status: String, Sendable {
        case waiting, offered, claimed, expired, withdrawn
    }

    var id: UUID
    var sessionId: UUID
    var offeringId: UUID
    var participantId: UUID
    var status: Status
    /// 1 for the next in line; nil once no longer waiting.
    var position: Int?
    var offerExpiresAt: Date?
    var createdAt: Date
}

/// Waitlists: a full session's list with visible positions; a freed seat is held for the next in line, who has
/// `offerDuration` to check it out; an unclaimed offer passes on.
struct WaitlistStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    static let columns = """
        w.id, w.session_id, w.offering_id, w.participant_id, w.status, w.offer_expires_at, w.created_at,
        CASE WHEN w.status = 'waiting' THEN (SELECT count(*) FROM waitlist_entries a
            WHERE a.session_id = w.session_id AND a.status = 'waiting' AND a.position <= w.position) END
        """

    func join(account: UUID, participantId: UUID, sessionId: UUID, at now: Date) async throws -> WaitlistEntry {
        do {
            return try await client.transaction(logger: logger) { connection in
                guard try await !CheckoutStore.participants([participantId], guardian: account, on: connection, logger: logger).isEmpty else {
                    throw Problem.validation([.unknownParticipant("participantId")])
                }
                var session: (offering: UUID, free: Int, waitlistSize: Int, waiting: Int)?
                for try await row in try await connection.query(
                    """
                    SELECT s.offering_id, s.capacity - s.held - s.confirmed, os.waitlist_size,
                        (SELECT count(*) FROM waitlist_entries w WHERE w.session_id = s.session_id AND w.status IN ('waiting', 'offered'))::integer
                    FROM session_seats s JOIN offering_sessions os ON os.id = s.session_id
                    WHERE s.session_id = \(sessionId) FOR UPDATE OF s
                    """, logger: logger
                ).decode((UUID, Int, Int, Int).self) {
                    session = row
                }
                guard let session else { throw Problem.notFound }
                if session.free > 0 && session.waiting == 0 { throw Problem.seatsAvailable }
                if session.waiting >= session.waitlistSize { throw Problem.waitlistFull }
                let active = try await CheckoutStore.activeRegistrations(participants: [participantId], on: connection, logger: logger)
                if active.contains("\(participantId) \(sessionId)") {
                    throw Problem.validation([.alreadyRegistered("participantId")])
                }
                let id = UUID()
                try await connection.query(
                    """
                    INSERT INTO waitlist_entries (id, session_id, offering_id, participant_id, account_id, status, created_at)
                    VALUES (\(id), \(sessionId), \(session.offering), \(participantId), \(account), 'waiting', \(now))
                    """, logger: logger)
                return try await Self.entries(account: account, id: id, on: connection, logger: logger)[0]
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.alreadyWaiting
        }
    }

    func list(account: UUID) async throws -> [WaitlistEntry] {
        try await client.withConnection { connection in
            try await Self.entries(account: account, id: nil, on: connection, logger: logger)
        }
    }

    /// Leaves the list; an offered seat goes to the next in line at the next sweep.
    func withdraw(account: UUID, id: UUID, at now: Date) async throws -> Bool {
        return try await client.transaction(logger: logger) { connection in
            var session: UUID?
            var wasOffered = false
            for try await (sessionId, status) in try await connection.query(
                """
                UPDATE waitlist_entries w SET status = 'withdrawn' FROM waitlist_entries old
                WHERE w.id = old.id AND w.id = \(id) AND w.account_id = \(account) AND w.status IN ('waiting', 'offered')
                RETURNING w.session_id, old.status
                """, logger: logger
            ).decode((UUID, String).self) {
                session = sessionId
                wasOffered = status == "offered"
            }
            guard let session else { return false }
            if wasOffered { try await SeatLedger.releaseHeld([session: 1], at: now, on: connection, logger: logger) }
            return true
        }
    }

    static func entries(account: UUID, id: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> [WaitlistEntry] {
        var found: [WaitlistEntry] = []
        for try await (entryId, session, offering, participant, status, expires, created, position) in try await connection.query(
            """
            SELECT \(unescaped: columns) FROM waitlist_entries w
            WHERE w.account_id = \(account) AND (\(id)::uuid IS NULL OR w.id = \(id)) ORDER BY w.created_at DESC
            """, logger: logger
        ).decode((UUID, UUID, UUID, UUID, String, Date?, Date, Int?).self) {
            found.append(
                .init(
                    id: entryId, sessionId: session, offeringId: offering, participantId: participant, status: .init(rawValue: status) ?? .expired,
                    position: position, offerExpiresAt: expires, createdAt: created))
        }
        return found
    }

    // MARK: - The sweep

    /// Lets unclaimed offers pass on, then holds each freed seat for the next in line. Returns how many offers were made.
    static func offerFreedSeats(client: PostgresClient, offerDuration: TimeInterval, at now: Date, logger: Logger) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            var lapsed: [UUID] = []
            for try await session in try await connection.query(
                """
                UPDATE waitlist_entries SET status = 'expired'
                WHERE id IN (SELECT id FROM waitlist_entries WHERE status = 'offered' AND offer_expires_at <= \(now) FOR UPDATE SKIP LOCKED)
                RETURNING session_id
                """, logger: logger
            ).decode(UUID.self) {
                lapsed.append(session)
            }
            try await SeatLedger.releaseHeld(SeatLedger.counts(lapsed), at: now, on: connection, logger: logger)
            var offers = 0
            var sessions: [UUID] = []
            for try await session in try await connection.query(
                "SELECT DISTINCT session_id FROM waitlist_entries WHERE status = 'waiting'", logger: logger
            ).decode(UUID.self) {
                sessions.append(session)
            }
            for session in sessions.sorted(by: { $0.uuidString < $1.uuidString }) {
                while true {
                    var next: UUID?
                    for try await id in try await connection.query(
                        """
                        SELECT id FROM waitlist_entries WHERE session_id = \(session) AND status = 'waiting'
                        ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED
                        """, logger: logger
                    ).decode(UUID.self) {
                        next = id
                    }
                    guard let next,
                        try await SeatLedger.hold([session: 1], forWaitlist: true, at: now, on: connection, logger: logger) != nil
                    else { break }
                    try await connection.query(
                        """
                        UPDATE waitlist_entries SET status = 'offered', offered_at = \(now), offer_expires_at = \(now + offerDuration)
                        WHERE id = \(next)
                        """, logger: logger)
                    offers += 1
                }
            }
            return offers
        }
    }

    /// At checkout: the offers this guardian's lines claim. Their seats are already held, so the checkout
    /// does not claim them again.
    static func claimOffers(
        _ lines: [(participant: UUID, session: UUID)], at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID] {
        guard !lines.isEmpty else { return [] }
        var claimed: [UUID] = []
        for try await session in try await connection.query(
            """
            UPDATE waitlist_entries SET status = 'claimed'
            WHERE status = 'offered' AND offer_expires_at > \(now)
              AND (participant_id, session_id) IN (SELECT * FROM unnest(\(lines.map(\.participant))::uuid[], \(lines.map(\.session))::uuid[]))
            RETURNING session_id
            """, logger: logger
        ).decode(UUID.self) {
            claimed.append(session)
        }
        return claimed
    }
}

extension Problem {
    static let seatsAvailable = Problem(
        type: "/problems/seats-available", status: .conflict,
        title: .init(fr: "Il reste des places : inscrivez-vous directement.", en: "Seats are left: register directly."))

    static let waitlistFull = Problem(
        type: "/problems/waitlist-full", status: .conflict,
        title: .init(fr: "La liste d'attente de cette session est complète.", en: "This session's waiting list is full."))

    static let alreadyWaiting = Problem(
        type: "/problems/already-waiting", status: .conflict,
        title: .init(fr: "Ce participant est déjà sur la liste d'attente.", en: "This participant is already on the waiting list."))
}
