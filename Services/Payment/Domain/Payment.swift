import Foundation

/// One charge attempt for one checkout. Only the processor's references are kept: never a card number or CVC.
struct Payment: Sendable, Equatable {
    enum Status: String, Sendable {
        case pending, succeeded, failed, unknown, refunded
        case partiallyRefunded = "partially-refunded"
    }

    var id: UUID
    var checkoutId: UUID
    var payerAccountId: UUID?
    var amountCents: Int64
    var currency: String
    var status: Status
    var createdAt: Date
}
