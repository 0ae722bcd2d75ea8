import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// Cancelling a confirmed registration: the seat returns to its session (and to its waitlist), the refund the
/// offering's policy allows is asked of payment (`enrolment.refund.requested`), and `payment.refund.completed`
/// closes the request.
enum Cancellations {
    struct Outcome: Sendable {
        var registrationId: UUID
        var refundCents: Int64
        /// The policy leaves the refund to the organisation: `refundCents` is the most it may give.
        var awaitsDecision = false
    }

    /// What cancelling would do, decided from the locked (or read) row: who may, and the refund.
    struct Decision: Sendable {
        var refundCents: Int64
        var session: UUID
        var checkout: UUID?
        var reason: String
        var awaitsDecision: Bool
    }

    /// A guardian cancels their own registrations before the start; staff of the selling organisation any time.
    /// `lock`: the registration row locked, in the caller's transaction that will act; a quote only reads it.
    private static func decide(
        _ id: UUID, by principal: Principal, at now: Date, lock: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws -> Decision {
        var found: (status: String, amount: Int64, price: Int64, checkout: UUID?, session: UUID, owner: UUID?, seller: UUID, offering: String)?
        // Locked first, then read in a statement of its own: what was paid includes an instalment whose payment
        // committed while this waited for the lock.
        if lock { _ = try await connection.query("SELECT 1 FROM registrations WHERE id = \(id) FOR UPDATE", logger: logger).collect() }
        let read: PostgresQuery = """
            SELECT r.status, \(unescaped: PaymentPlans.paidThroughCheckoutCents), r.amount_cents, r.checkout_id, r.session_id, c.account_id,
                o.selling_organisation_id, o.document::text
            FROM registrations r LEFT JOIN checkouts c ON c.id = r.checkout_id JOIN offerings o ON o.id = r.offering_id
            WHERE r.id = \(id)
            """
        for try await row in try await connection.query(read, logger: logger).decode((String, Int64, Int64, UUID?, UUID, UUID?, UUID, String).self) {
            found = row
        }
        guard let found else { throw Problem.notFound }
        let byStaff = principal.isStaff(of: found.seller)
        guard byStaff || (found.owner != nil && found.owner == principal.accountId) else { throw Problem.notFound }
        guard found.status == "confirmed" else { throw Problem.notCancellable }
        let offering = try EventJSON.decoder.decode(OfferingEvent.self, from: Data(found.offering.utf8))
        let session = offering.sessions.first { $0.sessionId == found.session }
        let today = CalendarDate(now)
        guard let starts = session.flatMap({ CalendarDate($0.startsOn) }), let ends = session.flatMap({ CalendarDate($0.endsOn) }) else {
            throw Problem.notCancellable
        }
        if !byStaff && !(today < starts) { throw Problem.cancellationClosed }
        // A staff registration neither paid by a checkout nor by its invoice has nothing to give back.
        let paidThrough = try await InvoiceBilling.paidThrough(registration: id, checkout: found.checkout, on: connection, logger: logger)
        let refund =
            paidThrough == nil
            ? 0
            : RefundRules.refund(
                paidCents: found.amount, priceCents: found.price, policy: offering.refundPolicy, startsOn: starts, endsOn: ends, today: today)
        let reason = byStaff && found.owner != principal.accountId ? "cancelled-by-staff" : "cancelled-by-guardian"
        // Staff cancelling someone else's paid registration send money back: the code, as for a refund, within 15 minutes.
        if reason == "cancelled-by-staff", refund > 0, lock, !principal.hasRecentSecondFactor(at: now) { throw Problem.secondFactorStale }
        // An `on-request` policy leaves the refund to the organisation's decision, whoever cancels (staff
        // cancelling decide it afterwards, on the same list, with the amount they choose).
        let awaitsDecision = offering.refundPolicy?.kind == "on-request" && refund > 0
        return Decision(refundCents: refund, session: found.session, checkout: paidThrough, reason: reason, awaitsDecision: awaitsDecision)
    }

    /// What cancelling now would refund, changing nothing: shown before the person confirms.
    static func quote(
        registration id: UUID, by principal: Principal, at now: Date, client: PostgresClient, logger: Logger
    ) async throws
        -> Outcome
    {
        // The same decision as cancelling, read without locking.
        try await client.withConnection { connection in
            let decision = try await decide(id, by: principal, at: now, lock: false, on: connection, logger: logger)
            return Outcome(registrationId: id, refundCents: decision.refundCents, awaitsDecision: decision.awaitsDecision)
        }
    }

    static func cancel(
        registration id: UUID, by principal: Principal, at now: Date, client: PostgresClient, logger: Logger
    ) async throws -> Outcome {
        return try await client.transaction(logger: logger) { connection in
            let decision = try await decide(id, by: principal, at: now, lock: true, on: connection, logger: logger)
            try await connection.query(
                """
                UPDATE registrations SET status = 'cancelled', status_reason = \(decision.reason), cancelled_by = \(principal.accountId),
                    version = version + 1, updated_at = \(now)
                WHERE id = \(id)
                """, logger: logger)
            try await CheckoutStore.recordRegistrations(EventName.registrationCancelled, [id], at: now, on: connection, logger: logger)
            try await InvoiceBilling.cancelOpen(registration: id, at: now, on: connection, logger: logger)
            if decision.refundCents > 0, let checkout = decision.checkout {
                if decision.awaitsDecision {
                    try await awaitDecision(
                        registration: id, checkout: checkout, maximumCents: decision.refundCents, reason: decision.reason, at: now,
                        on: connection, logger: logger)
                } else {
                    try await requestRefund(
                        registration: id, checkout: checkout, cents: decision.refundCents, reason: decision.reason, at: now, on: connection,
                        logger: logger)
                }
            }
            try await SeatLedger.releaseConfirmed([decision.session: 1], at: now, on: connection, logger: logger)
            return Outcome(registrationId: id, refundCents: decision.refundCents, awaitsDecision: decision.awaitsDecision)
        }
    }

    /// Records the request and its event in the caller's transaction.
    static func requestRefund(
        registration: UUID, checkout: UUID, cents: Int64, reason: String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let requestId = UUID()
        try await connection.query(
            """
            INSERT INTO refund_requests (id, registration_id, checkout_id, amount_cents, reason, status, requested_at)
            VALUES (\(requestId), \(registration), \(checkout), \(cents), \(reason), 'requested', \(now))
            """, logger: logger)
        try await enqueueRefund(
            request: requestId, registration: registration, checkout: checkout, cents: cents, reason: reason, at: now, on: connection,
            logger: logger)
    }

    /// Asks payment for the refund (`enrolment.refund.requested`), in the caller's transaction.
    static func enqueueRefund(
        request: UUID, registration: UUID, checkout: UUID, cents: Int64, reason: String, at now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await Outbox.enqueue(
            PendingEvent(
                routingKey: EventName.refundRequested, subject: registration.uuidString.lowercased(), occurredAt: now,
                payload: RefundRequestedEvent(
                    refundRequestId: request, version: 1, registrationId: registration, checkoutId: checkout,
                    amount: .init(amountCents: cents), reason: reason)),
            on: connection, logger: logger)
    }
}

extension Cancellations {
    /// The registration `r`'s latest refund request, joined as `q`: its status, what was asked (`amount_cents`), what
    /// payment refunded once completed (`refunded_cents`, unknown when one staff refund covered several
    /// registrations), the payment and refund, and the organisation's note.
    static let latestRefundRequest = """
        LEFT JOIN LATERAL (
            SELECT status, amount_cents, refunded_cents, payment_id, refund_id, decision_note
            FROM refund_requests WHERE registration_id = r.id AND reason <> 'registration-cancelled'
            ORDER BY requested_at DESC, id LIMIT 1
        ) q ON true
        """
}

extension Cancellations {
    /// The organisation cancelled the offering: every confirmed registration is cancelled, what was paid for it is
    /// asked back in full, its seat freed, and its family mailed later (`EnrolmentMailer`), all in the consumer's
    /// transaction (a redelivered event finds nothing left to cancel).
    static func cancelOffering(_ offering: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var cancelled: [(id: UUID, session: UUID, checkout: UUID?, amount: Int64)] = []
        // Locked before they are read: what each paid includes an instalment whose payment committed meanwhile.
        _ = try await connection.query(
            "SELECT id FROM registrations WHERE offering_id = \(offering) AND status = 'confirmed' ORDER BY id FOR UPDATE", logger: logger
        ).collect()
        for try await row in try await connection.query(
            """
            UPDATE registrations r SET status = 'cancelled', status_reason = 'offering-cancelled', version = version + 1, updated_at = \(now)
            WHERE offering_id = \(offering) AND status = 'confirmed'
            RETURNING id, session_id, checkout_id, \(unescaped: PaymentPlans.paidThroughCheckoutCents)
            """, logger: logger
        ).decode((UUID, UUID, UUID?, Int64).self) {
            cancelled.append(row)
        }
        // Its waiting lists end: an offered seat (held for the family) returns, and no freed seat is offered again.
        var offered: [UUID] = []
        for try await session in try await connection.query(
            "UPDATE waitlist_entries SET status = 'withdrawn' WHERE offering_id = \(offering) AND status = 'offered' RETURNING session_id",
            logger: logger
        ).decode(UUID.self) {
            offered.append(session)
        }
        try await connection.query(
            "UPDATE waitlist_entries SET status = 'withdrawn' WHERE offering_id = \(offering) AND status = 'waiting'", logger: logger)
        try await SeatLedger.releaseHeld(SeatLedger.counts(offered), at: now, on: connection, logger: logger)
        guard !cancelled.isEmpty else { return }
        try await CheckoutStore.recordRegistrations(EventName.registrationCancelled, cancelled.map(\.id), at: now, on: connection, logger: logger)
        for registration in cancelled where registration.amount > 0 {
            try await InvoiceBilling.cancelOpen(registration: registration.id, at: now, on: connection, logger: logger)
            guard
                let checkout = try await InvoiceBilling.paidThrough(
                    registration: registration.id, checkout: registration.checkout, on: connection, logger: logger)
            else { continue }
            try await requestRefund(
                registration: registration.id, checkout: checkout, cents: registration.amount, reason: "offering-cancelled", at: now,
                on: connection, logger: logger)
        }
        try await SeatLedger.releaseConfirmed(SeatLedger.counts(cancelled.map(\.session)), at: now, on: connection, logger: logger)
        logger.notice("offering cancelled: registrations cancelled", metadata: ["offering": "\(offering)", "count": "\(cancelled.count)"])
    }

    /// A checkout paid after one of its offerings was cancelled: what it just confirmed is cancelled with the
    /// offering, refunded and mailed like the rest (called in the payment's transaction).
    static func cancelWithCancelledOfferings(checkout: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var offerings: [UUID] = []
        for try await offering in try await connection.query(
            """
            SELECT DISTINCT o.id FROM registrations r JOIN offerings o ON o.id = r.offering_id
            WHERE r.checkout_id = \(checkout) AND r.status = 'confirmed' AND o.status = 'cancelled'
            """, logger: logger
        ).decode(UUID.self) {
            offerings.append(offering)
        }
        for offering in offerings { try await cancelOffering(offering, at: now, on: connection, logger: logger) }
    }

    /// Payment refunded what a request asked (or what a staff refund covered): the requests it answers are closed.
    static func refundCompleted(_ refund: RefundCompletedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        // Answered in parts (one per payment of a registration on a plan), heard in any order: each says what the
        // parts refunded so far, and the last completes the request.
        if let request = refund.refundRequestId, let complete = refund.requestComplete {
            let refunded = refund.requestRefunded?.amountCents ?? refund.amount.amountCents
            try await connection.query(
                """
                UPDATE refund_requests SET status = CASE WHEN \(complete) THEN 'completed' ELSE status END,
                    completed_at = CASE WHEN \(complete) THEN coalesce(completed_at, now()) ELSE completed_at END,
                    payment_id = coalesce(payment_id, \(refund.paymentId)), refund_id = coalesce(refund_id, \(refund.refundId)),
                    refunded_cents = greatest(coalesce(refunded_cents, 0), \(refunded))
                WHERE id = \(request) AND status IN ('requested', 'completed')
                """, logger: logger)
            return
        }
        try await connection.query(
            """
            UPDATE refund_requests SET status = 'completed', completed_at = now(), payment_id = \(refund.paymentId), refund_id = \(refund.refundId),
                refunded_cents = CASE WHEN id = \(refund.refundRequestId) OR cardinality(\(refund.registrationIds)::uuid[]) = 1
                    THEN \(refund.amount.amountCents) END
            WHERE status = 'requested' AND (id = \(refund.refundRequestId) OR (\(refund.refundRequestId)::uuid IS NULL AND registration_id = ANY(\(refund.registrationIds))))
            """, logger: logger)
        // A refund staff made from the payment's page settles what still awaited their decision: it is not granted again.
        if refund.refundRequestId == nil {
            try await connection.query(
                """
                UPDATE refund_requests SET status = 'completed', completed_at = now(), decided_at = now(), payment_id = \(refund.paymentId),
                    refund_id = \(refund.refundId),
                    refunded_cents = CASE WHEN cardinality(\(refund.registrationIds)::uuid[]) = 1 THEN \(refund.amount.amountCents) END,
                    decision_note = coalesce(decision_note, 'settled by a refund from the payment')
                WHERE status = 'awaiting-decision' AND registration_id = ANY(\(refund.registrationIds))
                """, logger: logger)
        }
    }
}
