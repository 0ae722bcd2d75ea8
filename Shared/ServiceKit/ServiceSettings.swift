import Configuration
import Database
import Foundation
import Logging
import Messaging

/// Every setting of a service, read from environment variables (see the README's table).
public struct ServiceSettings: Sendable {
    public var name: String
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: Logger.Level
    public var database: DatabaseSettings
    /// Apply pending migrations when `serve` starts; operators may turn it off and run `migrate` instead.
    public var migrateOnStart: Bool
    /// PEM public keys of identity's token signer (the current one and, during a rotation, the previous).
    public var accessTokenPublicKeys: String
    public var amqp: AMQPSettings
    /// Take the client's address from `X-Forwarded-For` (set by the gateway); off when clients reach the service directly.
    public var trustForwardedFor: Bool
    /// The variables themselves, for the settings only one service has (identity's token key, bcrypt cost…).
    public let reader: ConfigReader

    public init(reader: ConfigReader, name: String, defaultPort: Int) throws {
        self.name = name
        self.reader = reader
        trustForwardedFor = reader.bool(forKey: "trust.forwarded.for", default: false)
        httpHost = reader.string(forKey: "http.host", default: "127.0.0.1")
        httpPort = reader.int(forKey: "http.port", default: defaultPort)
        logLevel = Logger.Level(rawValue: reader.string(forKey: "log.level", default: "info")) ?? .info
        database = DatabaseSettings(reader: reader, service: name)
        migrateOnStart = reader.bool(forKey: "migrate.on.start", default: true)
        amqp = try AMQPSettings(reader: reader)
        if let inline = reader.string(forKey: "jwt.public.keys", isSecret: false), !inline.isEmpty {
            accessTokenPublicKeys = inline
        } else {
            let path = reader.string(forKey: "jwt.public.keys.file", default: ".local/keys/access-token-public.pem")
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError.invalid(
                    "JWT_PUBLIC_KEYS_FILE", "cannot read \(path) (set JWT_PUBLIC_KEYS or run deploy/run.sh once to generate keys)")
            }
            accessTokenPublicKeys = text
        }
    }
}

extension ConfigReader {
    /// A secret given inline (`NAME`) or, by default, in a file (`NAME_FILE`), as containers mount them.
    public func secret(inline: String, file: String, defaultFile: String, name: String) throws -> String {
        if let value = string(forKey: ConfigKey(inline), isSecret: true), !value.isEmpty { return value }
        let path = string(forKey: ConfigKey(file), default: defaultFile)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty else {
            throw ConfigurationError.invalid("\(name)_FILE", "cannot read \(path) (set \(name), or run deploy/run.sh once to generate it)")
        }
        return text
    }

    /// A symmetric key of at least 32 random bytes, in base64, given as `secret(…)` reads it.
    public func secretKey(inline: String, file: String, defaultFile: String, name: String) throws -> [UInt8] {
        let text = try secret(inline: inline, file: file, defaultFile: defaultFile, name: name)
        guard let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count >= 32 else {
            throw ConfigurationError.invalid(name, "must be at least 32 random bytes in base64 (openssl rand -base64 32)")
        }
        return Array(key)
    }
}
