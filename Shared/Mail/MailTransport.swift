import CCurl
import Configuration
import Dispatch
import Foundation

public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

public struct MailError: Error, CustomStringConvertible {
    public var description: String
}

/// SMTP through libcurl: STARTTLS or SMTPS, server certificate verified, optional login. libcurl blocks, so each
/// send runs on a Dispatch thread, never on Swift's cooperative pool.
public struct SMTPTransport: MailTransport {
    public var url: String
    public var startTLS: Bool
    public var caFile: String?
    public var user: String?
    public var password: String?
    public var timeoutSeconds: Int

    public init(url: String, startTLS: Bool = false, caFile: String? = nil, user: String? = nil, password: String? = nil, timeoutSeconds: Int = 30) {
        self.url = url
        self.startTLS = startTLS
        self.caFile = caFile
        self.user = user
        self.password = password
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ message: MailMessage) async throws {
        let transport = self
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                do {
                    try transport.sendBlocking(message)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func sendBlocking(_ message: MailMessage) throws {
        let payload = message.rendered()
        let recipients = message.to.map { strdup("<\($0.email)>") }
        defer { recipients.forEach { free($0) } }
        var error = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let pointers = recipients.map { UnsafePointer($0) }
        let status = pointers.withUnsafeBufferPointer { recipientBuffer in
            payload.withUnsafeBufferPointer { body in
                body.baseAddress!.withMemoryRebound(to: CChar.self, capacity: body.count) { bodyPointer in
                    guichet_smtp_send(
                        url, startTLS ? 1 : 0, caFile, user, password, "<\(message.from.email)>", recipientBuffer.baseAddress,
                        Int32(recipientBuffer.count), bodyPointer, body.count, timeoutSeconds, &error)
                }
            }
        }
        guard status == 0 else {
            let detail = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw MailError(description: "SMTP \(url): \(detail) (curl \(status))")
        }
    }
}

/// One `.eml` file per mail in a folder: local runs and tests read mails there.
public struct FileTransport: MailTransport {
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func send(_ message: MailMessage) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = "\(Int(message.date.timeIntervalSince1970 * 1000))-\(message.id.uuidString.lowercased()).eml"
        try Data(message.rendered()).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
    }
}

/// `MAIL_TRANSPORT` (file | smtp) and the settings of each.
public enum MailTransports {
    public static func from(reader: ConfigReader) -> any MailTransport {
        let mail = reader.scoped(to: "mail")
        let smtp = reader.scoped(to: "smtp")
        switch mail.string(forKey: "transport", default: "file") {
        case "smtp":
            return SMTPTransport(
                url: smtp.string(forKey: "url", default: "smtp://127.0.0.1:1025"),
                startTLS: smtp.bool(forKey: "starttls", default: false), caFile: smtp.string(forKey: "ca.file"),
                user: smtp.string(forKey: "user"), password: smtp.string(forKey: "password", isSecret: true))
        default:
            return FileTransport(directory: mail.string(forKey: "file.directory", default: ".local/mail"))
        }
    }
}

extension MailMessage.Address {
    /// The sender of every mail a service sends (`MAIL_FROM_ADDRESS`, `MAIL_FROM_NAME`).
    public static func sender(reader: ConfigReader) -> MailMessage.Address {
        .init(
            email: reader.string(forKey: "mail.from.address", default: "no-reply@guichet.invalid"),
            name: reader.string(forKey: "mail.from.name", default: "Guichet"))
    }
}
