import Crypto
import DomainKit
import Foundation

/// The secret a browser holds in a cookie. The portal keeps only its hash (to find the row) and data sealed with a
/// key derived from it: a copy of the portal's database alone opens no session and reveals no identity token.
struct BrowserSecret: Sendable, Equatable {
    let value: String

    /// 32 random bytes, base64url.
    static func generate() -> BrowserSecret {
        BrowserSecret(value: Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
    }

    /// A cookie's value, if it has the shape of one (anything else is ignored, never looked up).
    init?(cookie: String?) {
        guard let cookie, cookie.count == 43, let bytes = Base64URL.decode(cookie), bytes.count == 32 else { return nil }
        value = cookie
    }

    private init(value: String) { self.value = value }

    /// The row's key: SHA-256 of the secret.
    var lookupHash: Data { Data(SHA256.hash(data: Data("guichet-portal-session:\(value)".utf8))) }

    /// The token a form carries: derived from the secret, so another site can neither read nor forge it, and the page's
    /// HTML never holds the cookie's value itself.
    var formToken: String {
        Base64URL.encode(SHA256.hash(data: Data("guichet-portal-form:\(value)".utf8)))
    }

    /// Whether a posted form's token belongs to this secret (compared in constant time).
    func accepts(formToken posted: String?) -> Bool {
        guard let posted else { return false }
        let expected = Array(formToken.utf8)
        let given = Array(posted.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private var sealingKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(value.utf8)), info: Data("guichet-portal-seal".utf8), outputByteCount: 32)
    }

    /// What a sealed value is for: a value sealed for one purpose does not open for another.
    enum Purpose: String, Sendable {
        case identityTokens, mailedLinkToken, resetGrant, guestCheckout
    }

    func seal(_ plaintext: Data, for purpose: Purpose) throws -> Data {
        try AES.GCM.seal(plaintext, using: sealingKey, authenticating: Data(purpose.rawValue.utf8)).combined ?? Data()
    }

    /// Nil when the data was not sealed with this secret for this purpose (or was altered).
    func open(_ sealed: Data, for purpose: Purpose) -> Data? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        return try? AES.GCM.open(box, using: sealingKey, authenticating: Data(purpose.rawValue.utf8))
    }
}

/// What the portal holds for a signed-in browser: identity's tokens, sealed at rest.
struct IdentityTokens: Codable, Sendable, Equatable {
    var accessToken: String
    var accessExpiresAt: Date
    var refreshToken: String
    var refreshExpiresAt: Date
    /// When the second factor was last given in identity's session (staff pages need it; nil: a password alone).
    var secondFactorAt: Date?

    /// Refreshed a little before it expires, so that a page never calls a service with a token about to lapse.
    func accessUsable(at now: Date) -> Bool { accessExpiresAt.timeIntervalSince(now) > 30 }
}
