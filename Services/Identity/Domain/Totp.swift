import Crypto
import DomainKit
import Foundation

/// Time-based one-time passwords (RFC 6238, over HOTP, RFC 4226): what any authenticator app shows.
/// Guichet issues SHA-1, 6 digits, 30 s steps, the parameters every app supports.
enum Totp {
    enum Algorithm: String, Sendable {
        case sha1 = "SHA1"
        case sha256 = "SHA256"
        case sha512 = "SHA512"
    }

    static let period: Int64 = 30
    static let digits = 6
    /// 160 bits, the length RFC 4226 recommends.
    static let secretLength = 20
    /// One step either way: a phone's clock a little off, or a code typed as it changes.
    static let tolerance: Int64 = 1

    static func newSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<secretLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func step(at date: Date, period: Int64 = period) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down)) / period
    }

    static func code(secret: [UInt8], step: Int64, digits: Int = digits, algorithm: Algorithm = .sha1) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Array($0) }
        let key = SymmetricKey(data: secret)
        let mac: [UInt8] =
            switch algorithm {
            case .sha1: Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: key))
            case .sha256: Array(HMAC<SHA256>.authenticationCode(for: counter, using: key))
            case .sha512: Array(HMAC<SHA512>.authenticationCode(for: counter, using: key))
            }
        // RFC 4226 §5.3, dynamic truncation.
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        let modulus = (0..<digits).reduce(UInt32(1)) { value, _ in value * 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The step near `date` whose code `code` is, if it is later than `lastUsedStep`: a code works once, and
    /// no code older than the last one used works at all.
    static func matchingStep(_ code: String, secret: [UInt8], at date: Date, after lastUsedStep: Int64) -> Int64? {
        let current = step(at: date)
        let presented = Data(code.utf8)
        return (current - tolerance...current + tolerance).first { step in
            step > lastUsedStep && SecretCodec.equal(Data(Self.code(secret: secret, step: step).utf8), presented)
        }
    }

    /// The address an authenticator app reads from the QR code (Google Authenticator's key URI format).
    static func keyURI(secret: [UInt8], account email: String, issuer: String = "Guichet") -> String {
        // ASCII only: `alphanumerics` holds every script's letters, which an otpauth address must percent-encode.
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~@")
        let label = "\(issuer):\(email)".addingPercentEncoding(withAllowedCharacters: allowed.union(.init(charactersIn: ":"))) ?? email
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuer)&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}

/// The ten codes that replace the app once each (a lost phone). 10 characters of Crockford's base32 (50 bits),
/// shown as `xxxxx-xxxxx`; read back forgiving case, spaces, dashes, and the letters taken for digits.
enum RecoveryCode {
    static let count = 10
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(characters[0..<5]) + "-" + String(characters[5...])
    }

    /// The code without its presentation, or nil if it cannot be one.
    static func normalized(_ text: String) -> String? {
        let characters = text.lowercased().compactMap { character -> Character? in
            switch character {
            case " ", "-": nil
            case "o": "0"
            case "i", "l": "1"
            default: character
            }
        }
        guard characters.count == 10, characters.allSatisfy(alphabet.contains) else { return nil }
        return String(characters)
    }
}
