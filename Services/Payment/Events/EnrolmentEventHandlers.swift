import Contracts
import DomainKit
import Foundation
import Messaging
import Outbox

/// Keeps enrolment's checkouts (`enrolment.checkout.requested|expired`): what a payment charges, for whom,
/// until when. An older or repeated version changes nothing; an expired checkout is never charged.
enum CheckoutEventHandler {
    static let handler = EventHandler(CheckoutEvent.self) { checkout, context in
        let expired = context.event.type == CloudEvent.type(routingKey: EventName.checkoutExpired)
        try await CheckoutCopies.keep(checkout, expired: expired, on: context.connection, logger: context.logger)
    }
}

/// `enrolment.refund.requested`: the offering's policy is enrolment's; payment refunds what it asks, capped to
/// what remains of the capture. The same request twice refunds once.
struct RefundRequestHandler: Sendable {
    let clock: any WallClock

    var handler: EventHandler {
        EventHandler(RefundRequestedEvent.self) { [clock] requested, context in
            guard requested.amount.amountCents > 0 else { return }
            let (connection, logger) = (context.connection, context.logger)
            guard let payment = try await PaymentStore.capturedPayment(of: requested.checkoutId, on: connection, logger: logger) else {
                logger.warning("a refund asked for a checkout without a captured payment", metadata: ["checkout": "\(requested.checkoutId)"])
                return
            }
            // The checkout's payment locked first: the same request heard twice at once is answered by the first only
            // (the second, waiting here, then finds it answered).
            _ = try await connection.query("SELECT 1 FROM payments WHERE id = \(payment) FOR UPDATE", logger: logger).collect()
            let answered = try await connection.query(
                "SELECT 1 FROM refunds WHERE refund_request_id = \(requested.refundRequestId)", logger: logger
            ).collect()
            guard answered.isEmpty else { return }
            // On a payment plan, what the registration paid is spread over its deposit and its paid instalments: the
            // latest instalments are refunded first, each part carrying the request's id.
            var paidBy: [UUID] = []
            for try await id in try await connection.query(
                """
                SELECT payment_id FROM instalments WHERE registration_id = \(requested.registrationId) AND status = 'paid'
                ORDER BY number DESC
                """, logger: logger
            ).decode(UUID.self) {
                paidBy.append(id)
            }
            var left = requested.amount.amountCents
            for source in paidBy + [payment] where left > 0 {
                let part = min(left, try await RefundStore.remaining(of: source, on: connection, logger: logger))
                guard part > 0 else { continue }
                _ = try await RefundStore.request(
                    .init(
                        amountCents: part, reason: requested.reason, refundRequestId: requested.refundRequestId,
                        registrationIds: [requested.registrationId],
                        requestedBy: nil, capToRemaining: true),
                    payment: source, at: clock.now(), on: connection, logger: logger)
                left -= part
            }
        }
    }
}

/// `enrolment.registration.cancelled|expired` (expired again when paid too late for a seat): the registration's unpaid
/// instalments are never charged. Again, nothing changes.
struct RegistrationEndedHandler: Sendable {
    let clock: any WallClock

    var handler: EventHandler {
        EventHandler(RegistrationEvent.self) { [clock] registration, context in
            // A hold's own expiry is about the hold, whenever it is heard: a deposit charged meanwhile still confirms the
            // registration. Only the expiry said again once a late payment found no seat ends the plan.
            if context.event.type == CloudEvent.type(routingKey: EventName.registrationExpired),
                registration.reason != "no-seat-after-late-payment"
            {
                return
            }
            try await InstalmentStore.cancel(
                registration: registration.registrationId, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }
}

/// `enrolment.invoice.requested|cancelled`: an invoice numbered and mailed once, then payable until cancelled.
struct InvoiceEventHandler: Sendable {
    let mailing: PaymentMailing
    let clock: any WallClock

    var handler: EventHandler {
        EventHandler(InvoiceEvent.self) { [mailing, clock] invoice, context in
            let cancelled = context.event.type == CloudEvent.type(routingKey: EventName.invoiceCancelled)
            try await InvoiceStore.keep(
                invoice, cancelled: cancelled, mailing: mailing, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }
}
