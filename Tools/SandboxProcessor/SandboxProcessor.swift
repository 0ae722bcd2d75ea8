import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A stand-in for a card processor, as Mailpit stands in for SMTP: hosted-fields tokenisation, charges, refunds,
/// lookups by reference and signed webhooks, with Stripe's test-card convention. Everything is kept in memory.
/// Not one of Guichet's services: Guichet talks to it only through `PaymentProcessor`, as it would to a real one.
///
/// Test cards (any future expiry, any 3-digit CVC; 4 digits for American Express):
/// - 4242424242424242, 5555555555554444, 378282246310005: approved
/// - 4000000000000002: declined (`card_declined`)
/// - 4000000000009995: `insufficient_funds`
/// - 4000000000000069: `expired_card`
/// - 4000000000000127: `incorrect_cvc`
/// - 4000000000000119: `processing_error`
/// - 4000000000000770: approved at once (a lookup finds it), but the answer and the webhook come only after
///   `responseDelay` (a timeout for the caller, settled by reconciliation)
public struct SandboxSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// Callers of charges and refunds present it as `Authorization: Bearer …`.
    public var secretKey = "sk_test_guichet"
    /// Where events are posted (Guichet's payment service), signed with `webhookSecret`.
    public var webhookURL: URL?
    public var webhookSecret = "whsec_guichet"
    /// How long the timeout card keeps its caller waiting.
    public var responseDelay: Duration = .seconds(30)

    public init() {}

    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SandboxSettings {
        var settings = SandboxSettings()
        settings.host = environment["SANDBOX_HOST"] ?? settings.host
        settings.port = environment["SANDBOX_PORT"].flatMap(Int.init) ?? settings.port
        settings.secretKey = environment["SANDBOX_SECRET_KEY"] ?? settings.secretKey
        settings.webhookURL = environment["SANDBOX_WEBHOOK_URL"].flatMap { $0.isEmpty ? nil : URL(string: $0) }
        if let file = environment["SANDBOX_WEBHOOK_SECRET_FILE"], let secret = try? String(contentsOfFile: file, encoding: .utf8) {
            settings.webhookSecret = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            settings.webhookSecret = environment["SANDBOX_WEBHOOK_SECRET"] ?? settings.webhookSecret
        }
        settings.responseDelay = .seconds(environment["SANDBOX_RESPONSE_DELAY_SECONDS"].flatMap(Int.init) ?? 30)
        return settings
    }
}

@main
enum SandboxProcessorMain {
    static func main() async throws {
        var logger = Logger(label: "sandbox-processor")
        logger.logLevel = .info
        let settings = SandboxSettings.fromEnvironment()
        let app = SandboxProcessor.application(settings: settings, ledger: SandboxLedger(settings: settings, logger: logger), logger: logger)
        try await app.runService()
    }
}

public enum SandboxProcessor {
    /// The processor's HTTP application; `onRunning` receives the bound port (tests bind port 0).
    public static func application(
        settings: SandboxSettings, ledger: SandboxLedger, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: SandboxErrors())
        router.get("/healthz") { _, _ in "ok" }
        // Hosted fields: the payer's browser posts the card here directly, never to Guichet.
        router.on("/v1/tokens", method: .options) { _, _ in Response(status: .noContent, headers: SandboxHTTP.cors) }
        router.post("/v1/tokens") { request, context in
            let body = try await request.decode(as: TokenRequest.self, context: context)
            return try await SandboxHTTP.answer(ledger.tokenise(body), status: .created, cors: true)
        }
        router.post("/v1/charges") { request, context in
            try SandboxHTTP.authorise(request, settings: settings)
            let key = try SandboxHTTP.idempotencyKey(request)
            let body = try await request.decode(as: ChargeRequest.self, context: context)
            let (charge, delayed) = try await ledger.charge(body, idempotencyKey: key)
            if delayed { try await Task.sleep(for: settings.responseDelay) }
            return try SandboxHTTP.answer(charge, status: charge.status == "succeeded" ? .created : .init(code: 402, reasonPhrase: "Payment Required"))
        }
        router.get("/v1/charges") { request, _ in
            try SandboxHTTP.authorise(request, settings: settings)
            guard let reference = request.uri.queryParameters.get("reference") else {
                throw SandboxError(status: .badRequest, code: "missing_reference", message: "reference is required")
            }
            return try SandboxHTTP.answer(ChargeList(items: await ledger.charges(reference: reference)), status: .ok)
        }
        router.post("/v1/refunds") { request, context in
            try SandboxHTTP.authorise(request, settings: settings)
            let key = try SandboxHTTP.idempotencyKey(request)
            let body = try await request.decode(as: RefundRequest.self, context: context)
            return try SandboxHTTP.answer(try await ledger.refund(body, idempotencyKey: key), status: .created)
        }
        return Application(
            router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "sandbox-processor"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) }, logger: logger)
    }
}

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
    public var token: String
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
        let fingerprint = "\(request.token)|\(request.amountCents)|\(request.currency)|\(request.reference)"
        if let previous = chargeByKey[idempotencyKey] {
            guard previous.request == fingerprint else {
                throw SandboxError(status: .badRequest, code: "idempotency_key_reused", message: "This key was used with other parameters.")
            }
            return (chargesById[previous.chargeId]!, false)
        }
        guard request.amountCents > 0, request.currency == "CAD" else {
            throw SandboxError(status: .badRequest, code: "invalid_amount", message: "A positive amount in CAD.")
        }
        guard var card = tokens[request.token] else {
            throw SandboxError(status: .badRequest, code: "invalid_token", message: "Unknown token.")
        }
        guard !card.used else { throw SandboxError(status: .badRequest, code: "token_already_used", message: "A token is used once.") }
        card.used = true
        tokens[request.token] = card
        chargeAttempts += 1
        let failure: String? = switch card.number {
        case "4000000000000002": "card_declined"
        case "4000000000009995": "insufficient_funds"
        case "4000000000000069": "expired_card"
        case "4000000000000127": "incorrect_cvc"
        case "4000000000000119": "processing_error"
        default: nil
        }
        let charge = Charge(
            id: "ch_" + Self.random(), status: failure == nil ? "succeeded" : "failed", failureCode: failure, amountCents: request.amountCents,
            refundedCents: 0, currency: request.currency, reference: request.reference, card: card.summary, created: Int(Date().timeIntervalSince1970))
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
            guard let body = try? JSONEncoder().encode(WebhookEvent(id: "evt_" + Self.random(), type: type, created: Int(Date().timeIntervalSince1970), data: object))
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

struct WebhookEvent<Object: Encodable>: Encodable {
    var id: String
    var type: String
    var created: Int
    var data: Object
}

enum SandboxWebhook {
    static func signature(_ body: Data, secret: String, time: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(time).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(time),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func post(_ body: Data, to url: URL, secret: String) async -> Bool {
        var request = URLRequest(url: url, timeoutInterval: 5)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(signature(body, secret: secret, time: Int(Date().timeIntervalSince1970)), forHTTPHeaderField: "Sandbox-Signature")
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return ((response as? HTTPURLResponse)?.statusCode ?? 500) < 300
    }
}

// MARK: - HTTP plumbing

enum SandboxHTTP {
    static let cors: HTTPFields = [
        .accessControlAllowOrigin: "*", .accessControlAllowMethods: "POST, OPTIONS", .accessControlAllowHeaders: "Content-Type",
    ]

    static func authorise(_ request: Request, settings: SandboxSettings) throws {
        guard request.headers[.authorization] == "Bearer \(settings.secretKey)" else {
            throw SandboxError(status: .unauthorized, code: "invalid_api_key", message: "Invalid API key.")
        }
    }

    static func idempotencyKey(_ request: Request) throws -> String {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty else {
            throw SandboxError(status: .badRequest, code: "idempotency_key_required", message: "Idempotency-Key is required.")
        }
        return key
    }

    static func answer(_ value: some Encodable, status: HTTPResponse.Status, cors: Bool = false) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if cors { headers.append(contentsOf: Self.cors) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(value))))
    }
}

/// Errors as `{"error": {"code", "message"}}` with their status.
struct SandboxErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SandboxError {
            return try SandboxHTTP.answer(["error": error], status: error.status)
        } catch let error as any HTTPResponseError where error.status == .badRequest {
            return try SandboxHTTP.answer(["error": SandboxError(status: .badRequest, code: "invalid_request", message: "\(error)")], status: .badRequest)
        }
    }
}
