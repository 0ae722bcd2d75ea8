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
/// - 4000000000000341: approved when the payer is present, declined (`card_declined`) when its saved payment method
///   is charged later (an instalment)
/// - 4000000000000770: approved at once (a lookup finds it), but the answer and the webhook come only after
///   `responseDelay` (a timeout for the caller, settled by reconciliation)
public enum SandboxProcessor {
    /// The processor's HTTP application; `onRunning` receives the bound port (tests bind port 0).
    public static func application(
        settings: SandboxSettings, ledger: SandboxLedger, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: SandboxErrors())
        router.get("/healthz") { _, _ in "ok" }
        // Hosted card entry, framed by the merchant's page: the payer's browser posts the card here, never to Guichet.
        router.get("/hosted/card-entry") { request, _ in try HostedCardEntry.page(request) }
        router.get("/hosted/card-entry.js") { _, _ in HostedCardEntry.asset(HostedCardEntry.script, type: "text/javascript; charset=utf-8") }
        router.get("/hosted/card-entry.css") { _, _ in HostedCardEntry.asset(HostedCardEntry.stylesheet, type: "text/css; charset=utf-8") }
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
            return try SandboxHTTP.answer(
                charge, status: charge.status == "succeeded" ? .created : .init(code: 402, reasonPhrase: "Payment Required"))
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
