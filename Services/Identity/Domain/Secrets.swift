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

    /// A TOTP secret must be read back (to compute the expected code), so it is sealed, not hashed: AES-GCM under
    /// a key derived from the code key, bound to its account so a sealed secret copied to another row fails.
    func sealSecondFactorSecret(_ secret: [UInt8], account: UUID) throws -> Data {
        let sealed = try AES.GCM.seal(secret, using: secondFactorKey, authenticating: Array(account.uuidString.lowercased().utf8))
        guard let combined = sealed.combined else { throw CryptoKitError.incorrectParameterSize }
        return combined
    }

    func openSecondFactorSecret(_ sealed: Data, account: UUID) throws -> [UInt8] {
        Array(
            try AES.GCM.open(
                AES.GCM.SealedBox(combined: sealed), using: secondFactorKey, authenticating: Array(account.uuidString.lowercased().utf8)))
    }

    private var secondFactorKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: codeKey, info: Array("guichet second-factor secret".utf8), outputByteCount: 32)
    }

    /// Recovery codes (50 bits) are keyed like the short codes, and bound to their account.
    func recoveryCodeHash(_ normalizedCode: String, account: UUID) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Array("recovery:\(account.uuidString.lowercased()):\(normalizedCode)".utf8), using: codeKey))
    }

    /// Constant-time comparison of two hashes.
    static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
