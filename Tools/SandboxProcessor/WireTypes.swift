import Foundation
import HTTPTypes

// MARK: - Wire types (snake_case-free JSON, as Guichet's adapter reads it)

public struct TokenRequest: Codable, Sendable {
    public var number: String
    public var expMonth: Int
    public var expYear: Int
    public var cvc: String
}

public struct CardSummary: Codable, Sendable, Equatable {
    public var brand: String
    public var last4: String
    public var expMonth: Int
    public var expYear: Int
}

public struct TokenResponse: Codable, Sendable {
    public var id: String
    public var card: CardSummary
}

public struct ChargeRequest: Codable, Sendable {
    /// A single-use token from the hosted fields (the payer is present)…
    public var token: String?
    /// …or a payment method saved at an earlier charge (the payer is not: an instalment).
    public var paymentMethod: String?
    /// Keep the token's card as a payment method for later charges; the answer carries its id.
    public var savePaymentMethod: Bool?
    public var amountCents: Int64
    public var currency: String
    /// The caller's own id for the payment; lookups and webhooks carry it.
    public var reference: String
    public var description: String?
}

public struct Charge: Codable, Sendable {
    public var id: String
    public var status: String
    public var failureCode: String?
    public var amountCents: Int64
    public var refundedCents: Int64
    public var currency: String
    public var reference: String
    public var card: CardSummary
    public var created: Int
    /// The saved payment method, when the charge saved or used one.
    public var paymentMethod: String?
}

struct ChargeList: Codable, Sendable {
    var items: [Charge]
}

public struct RefundRequest: Codable, Sendable {
    public var charge: String
    public var amountCents: Int64
    public var reference: String?
}

public struct Refund: Codable, Sendable {
    public var id: String
    public var status: String
    public var charge: String
    public var amountCents: Int64
    public var reference: String?
    public var created: Int
}

struct SandboxError: Error, Codable {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    enum CodingKeys: CodingKey { case code, message }
    init(status: HTTPResponse.Status, code: String, message: String) {
        (self.status, self.code, self.message) = (status, code, message)
    }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        (status, code, message) = (.badRequest, try container.decode(String.self, forKey: .code), try container.decode(String.self, forKey: .message))
    }
}
