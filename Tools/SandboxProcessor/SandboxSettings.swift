import Configuration
import Foundation

/// Where the sandbox listens, the keys it checks and signs with, and how slow its slow card is.
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

    /// Read like the services' settings (swift-configuration, environment variables): `SANDBOX_HOST`,
    /// `SANDBOX_PORT`, `SANDBOX_SECRET_KEY`, `SANDBOX_WEBHOOK_URL`, `SANDBOX_WEBHOOK_SECRET` (or
    /// `SANDBOX_WEBHOOK_SECRET_FILE`), `SANDBOX_RESPONSE_DELAY_SECONDS`.
    public init(reader: ConfigReader) {
        let sandbox = reader.scoped(to: "sandbox")
        host = sandbox.string(forKey: "host", default: host)
        port = sandbox.int(forKey: "port", default: port)
        secretKey = sandbox.string(forKey: "secret.key", default: secretKey)
        webhookURL = sandbox.string(forKey: "webhook.url").flatMap { $0.isEmpty ? nil : URL(string: $0) }
        if let file = sandbox.string(forKey: "webhook.secret.file"), let secret = try? String(contentsOfFile: file, encoding: .utf8) {
            webhookSecret = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            webhookSecret = sandbox.string(forKey: "webhook.secret", default: webhookSecret)
        }
        responseDelay = .seconds(sandbox.int(forKey: "response.delay.seconds", default: 30))
    }
}
