import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// `payment.charge.succeeded` confirms a checkout's registrations; `payment.charge.failed` releases its seats
/// unless the payer may still try another card (`retryable`: the hold then runs its course);
/// `payment.refund.completed` closes the refund requests it answers.
enum PaymentEventHandler {
    static let succeeded = EventHandler { event, connection, logger in
        let charge = try EventJSON.decoder.decode(ChargeEvent.self, from: Data(event.data))
        try await CheckoutTransitions.paid(charge, at: Date(), on: connection, logger: logger)
    }

    static let failed = EventHandler { event, connection, logger in
        let charge = try EventJSON.decoder.decode(ChargeEvent.self, from: Data(event.data))
        guard charge.retryable != true else { return }
        try await CheckoutTransitions.release(charge.checkoutId, as: .paymentFailed, at: Date(), on: connection, logger: logger)
    }

    static let refundCompleted = EventHandler { event, connection, logger in
        let refund = try EventJSON.decoder.decode(RefundCompletedEvent.self, from: Data(event.data))
        try await connection.query(
            """
            UPDATE refund_requests SET status = 'completed', completed_at = now()
            WHERE status = 'requested' AND (id = \(refund.refundRequestId) OR (\(refund.refundRequestId)::uuid IS NULL AND registration_id = ANY(\(refund.registrationIds))))
            """, logger: logger)
    }
}
