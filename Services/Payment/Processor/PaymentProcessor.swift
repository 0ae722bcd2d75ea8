import Foundation

/// What Guichet asks of a card processor. Card numbers and CVCs never reach Guichet: the payer's browser gives
/// them to the processor's hosted fields and Guichet receives a single-use token. A real processor's adapter
/// implements this protocol; nothing else in payment changes.
protocol PaymentProcessor: Sendable {
    /// Charges a token. `reference` is Guichet's payment id: the processor's idempotency key and what lookups and
    /// webhooks carry, so a retried or timed-out charge is never taken twice.
    func charge(_ source: ChargeSource, amountCents: Int64, reference: UUID, description: String) async -> ChargeOutcome
    /// The processor's record of the charge made for `reference`, nil when there is none.
    func lookUp(reference: UUID) async throws -> ChargeOutcome?
    /// Refunds part or all of a charge; `reference` (Guichet's refund id) makes retries safe.
    func refund(chargeId: String, amountCents: Int64, reference: UUID) async -> RefundOutcome
    /// Checks a webhook's signature and reads it; nil when it is not authentic or too old.
    func webhook(body: [UInt8], signature: String?, now: Date) -> ProcessorEvent?
}

/// What a charge takes the money from.
enum ChargeSource: Sendable, Equatable {
    /// The hosted fields' single-use token, the payer present; `saveForLater` keeps the card at the processor for
    /// a payment plan's instalments.
    case token(String, saveForLater: Bool)
    /// A card the processor kept at an earlier charge (its id only), the payer absent.
    case savedMethod(String)
}

struct ProcessorCharge: Sendable, Equatable {
    var id: String
    /// The processor's id of the card kept for later charges, when the charge kept one.
    var paymentMethod: String? = nil
    var brand: String
    var last4: String
    var expMonth: Int
    var expYear: Int
}

enum ChargeOutcome: Sendable, Equatable {
    case succeeded(ProcessorCharge)
    /// The card was refused (`card_declined`, `insufficient_funds`, …); nothing was charged.
    case declined(code: String)
    /// No answer (timeout, connection lost, server error): the charge may or may not exist.
    case unknown(reason: String)
}

enum RefundOutcome: Sendable, Equatable {
    case succeeded(id: String)
    case failed(code: String)
    case unknown(reason: String)
}

enum ProcessorEvent: Sendable, Equatable {
    case charge(reference: UUID, ChargeOutcome)
    case refundSucceeded(reference: UUID, id: String)
    /// Authentic, but nothing Guichet acts on.
    case other
}
