import Crypto
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The adapter for the sandbox processor (`Tools/SandboxProcessor`), whose API follows the usual shape of card
/// processors: bearer secret key, `Idempotency-Key` on charges and refunds, HMAC-signed webhooks.
struct SandboxProcessorClient: PaymentProcessor {
    let baseURL: URL
    let secretKey: String
    let webhookSecret: String
    let timeout: TimeInterval
    /// Webhooks older than this are refused (replays).
    static let webhookTolerance: TimeInterval = 300

    private struct Card: Decodable {
        var brand: String
        var last4: String
        var expMonth: Int
        var expYear: Int
    }

    private struct Charge: Decodable {
        var id: String
        var status: String
        var failureCode: String?
        var reference: String
        var card: Card
        var paymentMethod: String?

        var outcome: ChargeOutcome {
            status == "succeeded"
                ? .succeeded(
                    .init(
                        id: id, paymentMethod: paymentMethod, brand: card.brand, last4: card.last4, expMonth: card.expMonth,
                        expYear: card.expYear))
                : .declined(code: failureCode ?? "card_declined")
        }
    }

    private struct Failure: Decodable {
        struct Detail: Decodable { var code: String }
        var error: Detail
    }

    func charge(_ source: ChargeSource, amountCents: Int64, reference: UUID, description: String) async -> ChargeOutcome {
        var body: [String: Any] = [
            "amountCents": amountCents, "currency": "CAD", "reference": reference.uuidString.lowercased(), "description": description,
        ]
        switch source {
        case .token(let token, let saveForLater):
            body["token"] = token
            if saveForLater { body["savePaymentMethod"] = true }
        case .savedMethod(let method):
            body["paymentMethod"] = method
        }
        guard let (status, data) = try? await send("POST", "/v1/charges", body: body, idempotencyKey: "charge-\(reference.uuidString.lowercased())")
        else { return .unknown(reason: "no answer") }
        if let charge = try? JSONDecoder().decode(Charge.self, from: data), status == 201 || status == 402 { return charge.outcome }
        // A refused request (unknown or used token) charged nothing; a server error may have.
        if (400..<500).contains(status), let failure = try? JSONDecoder().decode(Failure.self, from: data) {
            return .declined(code: failure.error.code)
        }
        return .unknown(reason: "HTTP \(status)")
    }

    func lookUp(reference: UUID) async throws -> ChargeOutcome? {
        struct List: Decodable { var items: [Charge] }
        let (status, data) = try await send("GET", "/v1/charges?reference=\(reference.uuidString.lowercased())", body: nil, idempotencyKey: nil)
        guard status == 200 else { throw ProcessorUnavailable(status: status) }
        let charges = try JSONDecoder().decode(List.self, from: data).items
        return (charges.first { $0.status == "succeeded" } ?? charges.last)?.outcome
    }

    func refund(chargeId: String, amountCents: Int64, reference: UUID) async -> RefundOutcome {
        struct Refund: Decodable { var id: String; var status: String }
        let body: [String: Any] = ["charge": chargeId, "amountCents": amountCents, "reference": reference.uuidString.lowercased()]
        guard let (status, data) = try? await send("POST", "/v1/refunds", body: body, idempotencyKey: "refund-\(reference.uuidString.lowercased())")
        else { return .unknown(reason: "no answer") }
        if status == 201, let refund = try? JSONDecoder().decode(Refund.self, from: data), refund.status == "succeeded" {
            return .succeeded(id: refund.id)
        }
        if (400..<500).contains(status), let failure = try? JSONDecoder().decode(Failure.self, from: data) {
            return .failed(code: failure.error.code)
        }
        return .unknown(reason: "HTTP \(status)")
    }

    func webhook(body: [UInt8], signature: String?, now: Date) -> ProcessorEvent? {
        // "t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">"
        guard let signature else { return nil }
        var parts: [String: String] = [:]
        for part in signature.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { parts[String(pair[0])] = String(pair[1]) }
        }
        guard let time = parts["t"].flatMap(Int.init), let given = parts["v1"].flatMap(Self.bytes(hex:)),
            abs(now.timeIntervalSince1970 - TimeInterval(time)) <= Self.webhookTolerance
        else { return nil }
        let key = SymmetricKey(data: Data(webhookSecret.utf8))
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Array("\(time).".utf8) + body, using: key) else { return nil }
        struct Event: Decodable {
            struct Object: Decodable {
                var id: String
                var status: String
                var failureCode: String?
                var reference: String?
                var card: Card?
                var paymentMethod: String?
            }
            var type: String
            var data: Object
        }
        guard let event = try? JSONDecoder().decode(Event.self, from: Data(body)) else { return nil }
        guard let reference = event.data.reference.flatMap(UUID.init(uuidString:)) else { return .other }
        switch event.type {
        case "charge.succeeded", "charge.failed":
            guard let card = event.data.card else { return .other }
            let charge = Charge(
                id: event.data.id, status: event.data.status, failureCode: event.data.failureCode, reference: reference.uuidString, card: card,
                paymentMethod: event.data.paymentMethod)
            return .charge(reference: reference, charge.outcome)
        case "refund.succeeded":
            return .refundSucceeded(reference: reference, id: event.data.id)
        default:
            return .other
        }
    }

    struct ProcessorUnavailable: Error {
        var status: Int
    }

    private func send(_ method: String, _ path: String, body: [String: Any]?, idempotencyKey: String?) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("Bearer \(secretKey)", forHTTPHeaderField: "Authorization")
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        // URLRequest's timeout is an idle timeout on Linux: the whole exchange is bounded here. Not
        // `URLSession.data(for:)` in a task group: on Linux, cancelling its task (a service shutting down
        // mid-request) can race Foundation's own bookkeeping and crash the process ("a task that is not in the
        // registry"). The request is never cancelled: it finishes or reaches its idle timeout, and the caller is
        // answered by whichever comes first, the answer or the timeout.
        let prepared = request
        let timeout = self.timeout
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Int, Data), any Error>) in
            let answer = AnswerOnce(continuation)
            URLSession.shared.dataTask(with: prepared) { data, response, error in
                if let error {
                    answer.resume(with: .failure(error))
                } else {
                    answer.resume(with: .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())))
                }
            }.resume()
            // On a dispatch queue, as URLSession answers: the timeout does not wait for a free thread of the
            // concurrency pool (two on two cores, and busy under load).
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { answer.resume(with: .failure(URLError(.timedOut))) }
        }
    }

    /// A continuation resumed by the first of two racers only.
    final class AnswerOnce: Sendable {
        private let continuation: Mutex<CheckedContinuation<(Int, Data), any Error>?>

        init(_ continuation: CheckedContinuation<(Int, Data), any Error>) { self.continuation = Mutex(continuation) }

        func resume(with result: Result<(Int, Data), any Error>) {
            continuation.withLock { waiting in
                waiting?.resume(with: result)
                waiting = nil
            }
        }
    }

    private static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
