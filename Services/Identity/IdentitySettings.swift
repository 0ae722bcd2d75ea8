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
    static let secondFactorChallengeLifetime: TimeInterval = 5 * 60

    init(reader: ConfigReader) throws {
        privateKeyPEM = try reader.secret(
            inline: "jwt.private.key", file: "jwt.private.key.file",
            defaultFile: ".local/keys/access-token-private.pem", name: "JWT_PRIVATE_KEY")
        codeHashKey = try reader.secretKey(
            inline: "code.hash.key", file: "code.hash.key.file", defaultFile: ".local/keys/code-hash.key", name: "CODE_HASH_KEY")
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
        publicBaseURL = reader.string(forKey: "public.base.url", default: "http://127.0.0.1:8080")
        mailFrom = .sender(reader: reader)
    }
}
