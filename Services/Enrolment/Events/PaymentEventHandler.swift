import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// `payment.charge.succeeded` confirms a checkout's registrations; `payment.charge.failed` releases its seats.
enum PaymentEventHandler {
    static let succeeded = EventHandler { event, connection, logger in
        let charge = try EventJSON.decoder.decode(ChargeEvent.self, from: Data(event.data))
        try await CheckoutTransitions.paid(charge, at: Date(), on: connection, logger: logger)
    }

    static let failed = EventHandler { event, connection, logger in
        let charge = try EventJSON.decoder.decode(ChargeEvent.self, from: Data(event.data))
        try await CheckoutTransitions.release(charge.checkoutId, as: .paymentFailed, at: Date(), on: connection, logger: logger)
    }
}
