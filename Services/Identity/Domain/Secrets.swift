import Crypto
import DomainKit
import Foundation

/// The secrets identity hands out, and the form they are stored in. None is ever stored or logged in clear.
struct SecretCodec: Sendable {
    let codeKey: SymmetricKey

    init(codeHashKey: [UInt8]) {
        codeKey = SymmetricKey(data: codeHashKey)
    }

    /// A 6-digit code, uniformly drawn (Mozaïk's format; ≈ 20 bits, hence 5 attempts and a short life).
    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
    }

    /// 256 random bits, base64url: link tokens, refresh tokens and reset grants.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// Codes are short: keyed with a server secret, so a copy of the database does not give them away.
    /// The challenge id is mixed in, so one code value hashes differently in every challenge.
    func codeHash(_ code: String, challenge: UUID) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Array("\(challenge.uuidString.lowercased()):\(code)".utf8), using: codeKey))
    }

    /// Long random tokens need no secret: SHA-256 is enough to make a stolen table useless.
    static func tokenHash(_ token: String) -> Data {
        Data(SHA256.hash(data: Array(token.utf8)))
    }

    /// Constant-time comparison of two hashes.
    static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
