import Crypto
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

// MARK: - The ledger

/// Tokens, charges and refunds, in memory. Charges and refunds are idempotent by `Idempotency-Key`, as real
/// processors are: a retried request never charges twice.
public actor SandboxLedger {
    struct Card {
        var number: String
        var summary: CardSummary
        var used = false
    }

    let settings: SandboxSettings
    let logger: Logger
    private var tokens: [String: Card] = [:]
    private var chargesById: [String: Charge] = [:]
    private var chargeByKey: [String: (request: String, chargeId: String)] = [:]
    private var refundByKey: [String: Refund] = [:]
    /// Cards kept for charges without the payer (`pm_…`), as processors keep them: Guichet holds only the id.
    private var paymentMethods: [String: Card] = [:]
    /// Every charge attempt, for tests and the benchmark to count.
    public private(set) var chargeAttempts = 0

    public init(settings: SandboxSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public var webhookURL: URL?
    public func setWebhookURL(_ url: URL?) { webhookURL = url }

    func tokenise(_ request: TokenRequest) throws -> TokenResponse {
        let number = request.number.filter(\.isNumber)
        guard (13...19).contains(number.count), Self.luhn(number) else {
            throw SandboxError(status: .badRequest, code: "invalid_number", message: "The card number is not valid.")
        }
        let brand = Self.brand(number)
        let calendar = Calendar(identifier: .gregorian)
        let now = calendar.dateComponents([.year, .month], from: Date())
        let year = request.expYear < 100 ? 2000 + request.expYear : request.expYear
        guard (1...12).contains(request.expMonth), (year, request.expMonth) >= (now.year!, now.month!), year <= now.year! + 20 else {
            throw SandboxError(status: .badRequest, code: "invalid_expiry", message: "The expiry date is not valid.")
        }
        let cvcLength = brand == "amex" ? 4 : 3
        guard request.cvc.count == cvcLength, request.cvc.allSatisfy(\.isNumber) else {
            throw SandboxError(status: .badRequest, code: "invalid_cvc", message: "The security code is not valid.")
        }
        let id = "tok_" + Self.random()
        let summary = CardSummary(brand: brand, last4: String(number.suffix(4)), expMonth: request.expMonth, expYear: year)
        tokens[id] = Card(number: number, summary: summary)
        return TokenResponse(id: id, card: summary)
    }

    func charge(_ request: ChargeRequest, idempotencyKey: String) throws -> (Charge, delayed: Bool) {
        let source = request.token ?? request.paymentMethod ?? ""
        let fingerprint = "\(source)|\(request.amountCents)|\(request.currency)|\(request.reference)"
        if let previous = chargeByKey[idempotencyKey] {
            guard previous.request == fingerprint else {
                throw SandboxError(status: .badRequest, code: "idempotency_key_reused", message: "This key was used with other parameters.")
            }
            return (chargesById[previous.chargeId]!, false)
        }
        guard request.amountCents > 0, request.currency == "CAD" else {
            throw SandboxError(status: .badRequest, code: "invalid_amount", message: "A positive amount in CAD.")
        }
        let card: Card
        var savedMethod: String?
        if let token = request.token {
            guard var tokenCard = tokens[token] else {
                throw SandboxError(status: .badRequest, code: "invalid_token", message: "Unknown token.")
            }
            guard !tokenCard.used else { throw SandboxError(status: .badRequest, code: "token_already_used", message: "A token is used once.") }
            tokenCard.used = true
            tokens[token] = tokenCard
            card = tokenCard
            if request.savePaymentMethod == true {
                savedMethod = "pm_" + Self.random()
                paymentMethods[savedMethod!] = tokenCard
            }
        } else if let method = request.paymentMethod, let methodCard = paymentMethods[method] {
            card = methodCard
            savedMethod = method
        } else {
            throw SandboxError(status: .badRequest, code: "invalid_payment_method", message: "A token or a saved payment method is required.")
        }
        let offSession = request.token == nil
        chargeAttempts += 1
        let failure: String? =
            switch card.number {
            case "4000000000000002": "card_declined"
            case "4000000000009995": "insufficient_funds"
            case "4000000000000069": "expired_card"
            case "4000000000000127": "incorrect_cvc"
            case "4000000000000119": "processing_error"
            // Approved with the payer present, refused when charged later without them (an instalment).
            case "4000000000000341" where offSession: "card_declined"
            default: nil
            }
        let charge = Charge(
            id: "ch_" + Self.random(), status: failure == nil ? "succeeded" : "failed", failureCode: failure, amountCents: request.amountCents,
            refundedCents: 0, currency: request.currency, reference: request.reference, card: card.summary,
            created: Int(Date().timeIntervalSince1970),
            paymentMethod: savedMethod
        )
        chargesById[charge.id] = charge
        chargeByKey[idempotencyKey] = (fingerprint, charge.id)
        // The timeout card's processor is slow all round: its answer and its webhook both come late.
        let slow = card.number == "4000000000000770"
        notify(type: failure == nil ? "charge.succeeded" : "charge.failed", object: charge, after: slow ? settings.responseDelay : .zero)
        return (charge, slow)
    }

    func charges(reference: String) -> [Charge] {
        chargesById.values.filter { $0.reference == reference }.sorted { $0.created < $1.created }
    }

    func refund(_ request: RefundRequest, idempotencyKey: String) throws -> Refund {
        if let previous = refundByKey[idempotencyKey] { return previous }
        guard var charge = chargesById[request.charge], charge.status == "succeeded" else {
            throw SandboxError(status: .badRequest, code: "invalid_charge", message: "No succeeded charge with this id.")
        }
        guard request.amountCents > 0, charge.refundedCents + request.amountCents <= charge.amountCents else {
            throw SandboxError(status: .badRequest, code: "amount_too_large", message: "More than what remains of the charge.")
        }
        charge.refundedCents += request.amountCents
        chargesById[charge.id] = charge
        let refund = Refund(
            id: "re_" + Self.random(), status: "succeeded", charge: charge.id, amountCents: request.amountCents, reference: request.reference,
            created: Int(Date().timeIntervalSince1970))
        refundByKey[idempotencyKey] = refund
        notify(type: "refund.succeeded", object: refund)
        return refund
    }

    /// Posts a signed event, as real processors do: `Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`.
    private func notify(type: String, object: some Encodable & Sendable, after delay: Duration = .zero) {
        guard let url = webhookURL ?? settings.webhookURL else { return }
        let (secret, logger) = (settings.webhookSecret, logger)
        Task {
            if delay > .zero { try? await Task.sleep(for: delay) }
            guard
                let body = try? JSONEncoder().encode(
                    WebhookEvent(id: "evt_" + Self.random(), type: type, created: Int(Date().timeIntervalSince1970), data: object))
            else { return }
            for attempt in 0..<5 {
                if attempt > 0 { try? await Task.sleep(for: .milliseconds(200 << attempt)) }
                if await SandboxWebhook.post(body, to: url, secret: secret) { return }
            }
            logger.warning("webhook not delivered", metadata: ["type": "\(type)", "url": "\(url)"])
        }
    }

    static func luhn(_ number: String) -> Bool {
        var sum = 0
        for (index, character) in number.reversed().enumerated() {
            guard var digit = character.wholeNumberValue else { return false }
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }

    static func brand(_ number: String) -> String {
        if number.hasPrefix("4") { return "visa" }
        if number.hasPrefix("34") || number.hasPrefix("37") { return "amex" }
        if let two = Int(number.prefix(2)), (51...55).contains(two) { return "mastercard" }
        if let four = Int(number.prefix(4)), (2221...2720).contains(four) { return "mastercard" }
        return "unknown"
    }

    static func random() -> String {
        (0..<24).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
    }
}
