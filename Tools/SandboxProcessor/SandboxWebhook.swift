import Crypto
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

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
