import Configuration
import Foundation
import Mail
import ServiceKit

/// The settings only identity has (the README lists each with its default).
struct IdentitySettings: Sendable {
    var privateKeyPEM: String
    /// Key of the HMAC that codes are stored under.
    var codeHashKey: [UInt8]
    var accessTokenLifetime: TimeInterval
    var bcryptCost: UInt8
    var bcryptThreads: Int
    var bcryptQueueLimit: Int
    var passwordPolicy: PasswordPolicy
    var minimumAge: Int
    var signUpCodeLifetime: TimeInterval
    var adminEmails: Set<String>
    var publicBaseURL: String
    var mailFrom: MailMessage.Address

    static let resetCodeLifetime: TimeInterval = 15 * 60
    static let emailChangeCodeLifetime: TimeInterval = 60 * 60
    static let refreshLifetime: TimeInterval = 12 * 3600
    static let staySignedInLifetime: TimeInterval = 14 * 24 * 3600
    static let maximumCodeAttempts = 5

    init(reader: ConfigReader) throws {
        privateKeyPEM = try Self.secret(
            reader, inline: "jwt.private.key", file: "jwt.private.key.file",
            defaultFile: ".local/keys/access-token-private.pem", name: "JWT_PRIVATE_KEY")
        let codeKey = try Self.secret(
            reader, inline: "code.hash.key", file: "code.hash.key.file", defaultFile: ".local/keys/code-hash.key",
            name: "CODE_HASH_KEY")
        guard let key = Data(base64Encoded: codeKey.trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 32 else {
            throw ConfigurationError.invalid("CODE_HASH_KEY", "must be at least 32 random bytes in base64 (openssl rand -base64 32)")
        }
        codeHashKey = Array(key)
        let minutes = reader.int(forKey: "access.token.minutes", default: 15)
        guard (1...15).contains(minutes) else {
            throw ConfigurationError.invalid("ACCESS_TOKEN_MINUTES", "between 1 and 15 (a revoked right lasts that long)")
        }
        accessTokenLifetime = TimeInterval(minutes * 60)
        let cost = reader.int(forKey: "bcrypt.cost", default: 12)
        guard (4...16).contains(cost) else { throw ConfigurationError.invalid("BCRYPT_COST", "between 4 and 16") }
        bcryptCost = UInt8(cost)
        bcryptThreads = max(1, reader.int(forKey: "bcrypt.threads", default: ProcessInfo.processInfo.activeProcessorCount))
        bcryptQueueLimit = max(1, reader.int(forKey: "bcrypt.queue.limit", default: 64))
        let mode = reader.string(forKey: "password.policy", default: "seeds")
        guard let policyMode = PasswordPolicy.Mode(rawValue: mode) else {
            throw ConfigurationError.invalid("PASSWORD_POLICY", "seeds or asvs5")
        }
        passwordPolicy = PasswordPolicy(mode: policyMode, minimumLength: reader.int(forKey: "password.minimum.length"))
        minimumAge = reader.int(forKey: "account.minimum.age", default: 18)
        signUpCodeLifetime = TimeInterval(reader.int(forKey: "verification.code.hours", default: 24) * 3600)
        adminEmails = Set(
            reader.string(forKey: "admin.emails", default: "").split(separator: ",").map {
                EmailAddress.normalized(String($0))
            }.filter { !$0.isEmpty })
        publicBaseURL = reader.string(forKey: "public.base.url", default: "http://127.0.0.1:8081")
        mailFrom = .init(
            email: reader.string(forKey: "mail.from.address", default: "no-reply@guichet.invalid"),
            name: reader.string(forKey: "mail.from.name", default: "Guichet"))
    }

    /// A secret given inline (`NAME`) or, by default, in a file (`NAME_FILE`), as containers mount them.
    private static func secret(_ reader: ConfigReader, inline: String, file: String, defaultFile: String, name: String) throws -> String {
        if let value = reader.string(forKey: ConfigKey(inline), isSecret: true), !value.isEmpty { return value }
        let path = reader.string(forKey: ConfigKey(file), default: defaultFile)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else {
            throw ConfigurationError.invalid("\(name)_FILE", "cannot read \(path) (set \(name), or run deploy/run.sh once to generate it)")
        }
        return text
    }
}
