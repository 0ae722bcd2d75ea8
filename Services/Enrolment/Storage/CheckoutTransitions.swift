import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// What happens to a checkout after it was created: paid, failed, expired, or paid too late. Each runs in the
/// caller's transaction (the inbox's, or the expiry sweep's) with the checkout row locked, and moves only from
/// `awaiting-payment`, so a duplicated or late event changes nothing twice.
enum CheckoutTransitions {
    private struct Locked {
        var status: Checkout.Status
        var details: CheckoutEvent
        var version: Int64
        var holdExtensions: Int
    }

    private static func lock(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Locked? {
        for try await (status, document, version, extensions, holdExpiresAt) in try await connection.query(
            "SELECT status, document::text, version, hold_extensions, hold_expires_at FROM checkouts WHERE id = \(id) FOR UPDATE",
            logger: logger
        ).decode((String, String, Int64, Int, Date).self) {
            var details = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(document.utf8))
            details.holdExpiresAt = holdExpiresAt  // the column is what the expiry sweep reads
            return Locked(
                status: Checkout.Status(rawValue: status) ?? .expired, details: details, version: version, holdExtensions: extensions)
        }
        return nil
    }

    /// `payment.charge.succeeded`: the held seats become confirmed. After expiry, each line is confirmed if a
    /// seat is still free (and the participant did not register again meanwhile), otherwise refunded.
    static func paid(_ charge: ChargeEvent, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard let checkout = try await lock(charge.checkoutId, on: connection, logger: logger) else {
            logger.warning("charge for an unknown checkout", metadata: ["checkout": "\(charge.checkoutId)"])
            return
        }
        switch checkout.status {
        case .confirmed:
            logger.info("checkout already confirmed; duplicate charge event ignored", metadata: ["checkout": "\(charge.checkoutId)"])
        case .awaitingPayment:
            let confirmed = try await setRegistrations(
                of: charge.checkoutId, from: "held", to: "confirmed", reason: nil, at: now, on: connection, logger: logger)
            try await setCheckout(
                charge.checkoutId, .confirmed, version: checkout.version + 1, paymentId: charge.paymentId, at: now, on: connection, logger: logger)
            try await CheckoutStore.recordRegistrations(EventName.registrationConfirmed, confirmed.map(\.id), at: now, on: connection, logger: logger)
            // Seats last: the session rows stay locked only until the commit.
            try await SeatLedger.confirmHeld(SeatLedger.counts(confirmed.map(\.session)), at: now, on: connection, logger: logger)
        case .expired, .paymentFailed:
            try await paidLate(charge, checkout: checkout, at: now, on: connection, logger: logger)
        }
        // Paid while its organisation cancelled an offering: those registrations go with the offering.
        try await Cancellations.cancelWithCancelledOfferings(checkout: charge.checkoutId, at: now, on: connection, logger: logger)
    }

    private static func paidLate(
        _ charge: ChargeEvent, checkout: Locked, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        var confirmed: [UUID] = []
        var refused: [UUID] = []
        for line in checkout.details.lines.sorted(by: { $0.sessionId.uuidString < $1.sessionId.uuidString }) {
            let registeredAgain =
                try await connection.query(
                    """
                    SELECT 1 FROM registrations WHERE participant_id = \(line.participantId) AND session_id = \(line.sessionId)
                    AND status IN ('held', 'confirmed')
                    """, logger: logger
                ).collect().count > 0
            if !registeredAgain, try await SeatLedger.confirmIfFree(line.sessionId, at: now, on: connection, logger: logger) != nil {
                try await connection.query(
                    """
                    UPDATE registrations SET status = 'confirmed', status_reason = 'paid-after-expiry', version = version + 1, updated_at = \(now)
                    WHERE id = \(line.registrationId)
                    """, logger: logger)
                confirmed.append(line.registrationId)
            } else {
                try await connection.query(
                    """
                    UPDATE registrations SET status_reason = 'no-seat-after-late-payment', version = version + 1, updated_at = \(now)
                    WHERE id = \(line.registrationId)
                    """, logger: logger)
                refused.append(line.registrationId)
                let amount = line.subtotal.amountCents + line.taxes.reduce(0) { $0 + $1.amount.amountCents }
                if amount > 0 {
                    try await Cancellations.requestRefund(
                        registration: line.registrationId, checkout: charge.checkoutId, cents: amount, reason: "no-seat-after-late-payment", at: now,
                        on: connection, logger: logger)
                }
            }
        }
        logger.notice(
            "payment arrived after the hold expired",
            metadata: [
                "checkout": "\(charge.checkoutId)", "confirmed": "\(confirmed.count)",
                "refunded": "\(checkout.details.lines.count - confirmed.count)",
            ])
        try await setCheckout(
            charge.checkoutId, confirmed.isEmpty ? checkout.status : .confirmed, version: checkout.version + 1, paymentId: charge.paymentId, at: now,
            on: connection, logger: logger)
        try await CheckoutStore.recordRegistrations(EventName.registrationConfirmed, confirmed, at: now, on: connection, logger: logger)
        // Said again, now that it was paid: payment stops a payment plan's instalments of a registration that stays expired.
        try await CheckoutStore.recordRegistrations(EventName.registrationExpired, refused, at: now, on: connection, logger: logger)
    }

    /// `payment.charge.failed` or the hold's expiry: the seats return to their sessions.
    static func release(_ checkoutId: UUID, as status: Checkout.Status, at now: Date, on connection: PostgresConnection, logger: Logger) async throws
    {
        guard var checkout = try await lock(checkoutId, on: connection, logger: logger), checkout.status == .awaitingPayment else { return }
        let expired = try await setRegistrations(
            of: checkoutId, from: "held", to: "expired", reason: status.rawValue, at: now, on: connection, logger: logger)
        checkout.details.version = checkout.version + 1
        try await setCheckout(checkoutId, status, version: checkout.version + 1, paymentId: nil, at: now, on: connection, logger: logger)
        try await Outbox.enqueue(
            PendingEvent(
                routingKey: EventName.checkoutExpired, subject: checkoutId.uuidString.lowercased(), occurredAt: now, payload: checkout.details),
            on: connection, logger: logger)
        try await CheckoutStore.recordRegistrations(EventName.registrationExpired, expired.map(\.id), at: now, on: connection, logger: logger)
        try await SeatLedger.releaseHeld(SeatLedger.counts(expired.map(\.session)), at: now, on: connection, logger: logger)
    }

    /// More time to pay (WCAG 2.2.1): the hold ends `duration` from now (never sooner than it did), at most
    /// `Checkout.maximumHoldExtensions` times, and only while awaiting payment within the hold. Payment hears of the
    /// new end through `enrolment.checkout.requested` sent again with the next version (its copy keeps the newest).
    static func extendHold(_ id: UUID, by duration: TimeInterval, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard var checkout = try await lock(id, on: connection, logger: logger) else { throw Problem.notFound }
        guard checkout.status == .awaitingPayment, checkout.details.holdExpiresAt > now,
            checkout.holdExtensions < Checkout.maximumHoldExtensions
        else { throw Problem.holdNotExtendable }
        checkout.details.holdExpiresAt = max(checkout.details.holdExpiresAt, now.addingTimeInterval(duration))
        checkout.details.version = checkout.version + 1
        try await connection.query(
            """
            UPDATE checkouts SET hold_expires_at = \(checkout.details.holdExpiresAt), hold_extensions = hold_extensions + 1,
                version = \(checkout.details.version), document = \(String(decoding: try EventJSON.encoder.encode(checkout.details), as: UTF8.self))::jsonb,
                updated_at = \(now)
            WHERE id = \(id)
            """, logger: logger)
        try await Outbox.enqueue(
            PendingEvent(
                routingKey: EventName.checkoutRequested, subject: id.uuidString.lowercased(), occurredAt: now, payload: checkout.details),
            on: connection, logger: logger)
    }

    /// Releases the holds of checkouts past `holdExpiresAt`, a batch at a time; several instances share the work
    /// (`SKIP LOCKED`). Returns how many expired.
    static func expireDue(client: PostgresClient, at now: Date, limit: Int = 100, logger: Logger) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            var due: [UUID] = []
            for try await id in try await connection.query(
                """
                SELECT id FROM checkouts WHERE status = 'awaiting-payment' AND hold_expires_at <= \(now)
                ORDER BY hold_expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode(UUID.self) {
                due.append(id)
            }
            for id in due {
                try await release(id, as: .expired, at: now, on: connection, logger: logger)
            }
            return due.count
        }
    }

    private static func setRegistrations(
        of checkout: UUID, from: String, to: String, reason: String?, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [(id: UUID, session: UUID)] {
        var changed: [(id: UUID, session: UUID)] = []
        for try await row in try await connection.query(
            """
            UPDATE registrations SET status = \(to), status_reason = \(reason), version = version + 1, updated_at = \(now)
            WHERE checkout_id = \(checkout) AND status = \(from) RETURNING id, session_id
            """, logger: logger
        ).decode((UUID, UUID).self) {
            changed.append(row)
        }
        return changed
    }

    private static func setCheckout(
        _ id: UUID, _ status: Checkout.Status, version: Int64, paymentId: UUID?, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            UPDATE checkouts SET status = \(status.rawValue), version = \(version), payment_id = coalesce(\(paymentId), payment_id), updated_at = \(now)
            WHERE id = \(id)
            """, logger: logger)
    }
}
