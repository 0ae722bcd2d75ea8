import Contracts
import DomainKit
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
            guard let payment = try await PaymentStore.capturedPayment(of: requested.checkoutId, on: context.connection, logger: context.logger)
            else {
                context.logger.warning(
                    "a refund asked for a checkout without a captured payment", metadata: ["checkout": "\(requested.checkoutId)"])
                return
            }
            _ = try await RefundStore.request(
                .init(
                    amountCents: requested.amount.amountCents, reason: requested.reason, refundRequestId: requested.refundRequestId,
                    registrationIds: [requested.registrationId], requestedBy: nil, capToRemaining: true),
                payment: payment, at: clock.now(), on: context.connection, logger: context.logger)
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
