import Configuration
import Crypto
import Foundation
import Mail
import ServiceKit

/// The settings only payment has (the README lists each with its default).
struct PaymentSettings: Sendable {
    /// The card processor's API (the sandbox processor locally).
    var processorURL: URL
    var processorSecretKey: String
    /// Signs the processor's webhooks.
    var processorWebhookSecret: String
    /// How long a charge may take before the payment is left `unknown` and reconciled later.
    var processorTimeout: TimeInterval
    /// How long after a payment began its processor may still complete it: a lookup that finds no charge
    /// declares the payment not charged only past this.
    var settleHorizon: TimeInterval
    /// No charge starts later than this before the checkout's hold expires.
    var holdMargin: TimeInterval
    /// How often unsettled payments and pending refunds are looked at.
    var reconcileInterval: Duration
    /// Seals queued mails.
    var mailKey: SymmetricKey
    var mailFrom: MailMessage.Address
    /// The gateway's public address, where the portal is: receipts' links in mails point there.
    var publicBaseURL: String
    /// Seal payers' social insurance numbers (the Relevé 24's); the last key seals, older ones still open.
    var taxNumberKeys: TaxNumberKeys

    init(reader: ConfigReader) throws {
        let url = reader.string(forKey: "processor.url", default: "http://127.0.0.1:8090")
        guard let processorURL = URL(string: url), processorURL.scheme == "http" || processorURL.scheme == "https" else {
            throw ConfigurationError.invalid("PROCESSOR_URL", "an http(s) URL")
        }
        self.processorURL = processorURL
        // Only authenticates Guichet to the processor (a wrong one charges nothing); the sandbox's test key by default.
        processorSecretKey = reader.string(forKey: "processor.secret.key", isSecret: true, default: "sk_test_guichet")
        // Forged webhooks could settle payments: no default.
        processorWebhookSecret = try reader.secret(
            inline: "processor.webhook.secret", file: "processor.webhook.secret.file", defaultFile: ".local/keys/processor-webhook-secret",
            name: "PROCESSOR_WEBHOOK_SECRET"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let timeout = reader.int(forKey: "processor.timeout.seconds", default: 10)
        guard (1...120).contains(timeout) else { throw ConfigurationError.invalid("PROCESSOR_TIMEOUT_SECONDS", "between 1 and 120") }
        processorTimeout = TimeInterval(timeout)
        let horizon = reader.int(forKey: "processor.settle.seconds", default: 120)
        guard (1...3600).contains(horizon) else { throw ConfigurationError.invalid("PROCESSOR_SETTLE_SECONDS", "between 1 and 3600") }
        settleHorizon = TimeInterval(horizon)
        let margin = reader.int(forKey: "payment.hold.margin.seconds", default: 60)
        guard (0...600).contains(margin) else { throw ConfigurationError.invalid("PAYMENT_HOLD_MARGIN_SECONDS", "between 0 and 600") }
        holdMargin = TimeInterval(margin)
        let reconcile = reader.int(forKey: "payment.reconcile.milliseconds", default: 5000)
        guard (10...600_000).contains(reconcile) else {
            throw ConfigurationError.invalid("PAYMENT_RECONCILE_MILLISECONDS", "between 10 and 600000")
        }
        reconcileInterval = .milliseconds(reconcile)
        let key = try reader.secretKey(inline: "payment.key", file: "payment.key.file", defaultFile: ".local/keys/payment.key", name: "PAYMENT_KEY")
        mailKey = MailQueue.key(fromSecret: key)
        mailFrom = .sender(reader: reader)
        var base = reader.string(forKey: "public.base.url", default: "http://127.0.0.1:8080")
        while base.hasSuffix("/") { base.removeLast() }
        publicBaseURL = base
        let keys = try reader.secret(
            inline: "payment.tax.number.keys", file: "payment.tax.number.keys.file", defaultFile: ".local/keys/payment-tax-number.keys",
            name: "PAYMENT_TAX_NUMBER_KEYS")
        do {
            taxNumberKeys = try TaxNumberKeys(text: keys)
        } catch {
            throw ConfigurationError.invalid(
                "PAYMENT_TAX_NUMBER_KEYS", "one key per line, '<key-id> <base64 of at least 32 random bytes>', ids distinct; the last line seals")
        }
    }
}
