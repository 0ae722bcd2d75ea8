import Contracts
import DomainKit
import Outbox

/// `payment.charge.succeeded` confirms a checkout's registrations; `payment.charge.failed` releases its seats
/// unless the payer may still try another card (`retryable`: the hold then runs its course);
/// `payment.refund.completed` closes the refund requests it answers; `payment.invoice.paid` marks an invoice paid;
/// `payment.instalment.paid` counts in what a registration on a payment plan paid.
struct PaymentEventHandler: Sendable {
    let clock: any WallClock

    var succeeded: EventHandler {
        EventHandler(ChargeEvent.self) { [clock] charge, context in
            try await CheckoutTransitions.paid(charge, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }

    var failed: EventHandler {
        EventHandler(ChargeEvent.self) { [clock] charge, context in
            guard charge.retryable != true else { return }
            try await CheckoutTransitions.release(
                charge.checkoutId, as: .paymentFailed, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }

    var invoicePaid: EventHandler {
        EventHandler(InvoicePaidEvent.self) { [clock] paid, context in
            try await InvoiceBilling.paid(paid, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }

    var instalmentPaid: EventHandler {
        EventHandler(InstalmentPaidEvent.self) { [clock] paid, context in
            try await PaymentPlans.paid(paid, at: clock.now(), on: context.connection, logger: context.logger)
        }
    }

    var refundCompleted: EventHandler {
        EventHandler(RefundCompletedEvent.self) { refund, context in
            try await Cancellations.refundCompleted(refund, on: context.connection, logger: context.logger)
        }
    }
}
