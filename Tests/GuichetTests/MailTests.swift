import Database
import Foundation
import Mail
import PostgresNIO
import Testing
#if canImport(Glibc)
    import Glibc
#endif

@Suite struct MailTests {
    static let key = MailQueue.key(fromSecret: Array(repeating: 7, count: 32))

    static let message = MailMessage(
        from: .init(email: "no-reply@guichet.test", name: "Guichet — CSSBE"),
        to: [.init(email: "lea.tremblay@example.ca", name: "Léa Tremblay")],
        subject: "Votre code de vérification : 482 913",
        text: "Bonjour Léa,\n\nVotre code est 482 913. Il est valide 24 heures.\n\nHello Léa, your code is 482 913.",
        date: Date(timeIntervalSince1970: 1_790_000_000))

    @Test func aMailIsRenderedAsRFC5322WithUTF8() throws {
        let text = String(decoding: Self.message.rendered(), as: UTF8.self)
        #expect(text.allSatisfy { $0.isASCII }, "8-bit text travels encoded")
        #expect(text.contains("\r\nSubject: =?UTF-8?B?"))
        #expect(text.contains("Date: Mon, 21 Sep 2026 "))
        let subject = try #require(text.split(separator: "\r\n").first { $0.hasPrefix("Subject: ") })
        #expect(Self.decodeWords(String(subject.dropFirst("Subject: ".count))) == Self.message.subject)
        let body = text.components(separatedBy: "\r\n\r\n")[1].replacingOccurrences(of: "\r\n", with: "")
        #expect(String(decoding: Data(base64Encoded: body) ?? Data(), as: UTF8.self) == Self.message.text)
    }

    @Test(arguments: [false, true])
    func smtpDeliversToARealServer(startTLS: Bool) async throws {
        let tls = TestEnvironment.dataDirectory + "/rabbitmq/tls"
        try await withSMTPServer(tlsDirectory: startTLS ? tls : nil) { port, maildir in
            let transport = SMTPTransport(
                url: "smtp://localhost:\(port)", startTLS: startTLS, caFile: startTLS ? tls + "/ca.pem" : nil, timeoutSeconds: 10)
            try await transport.send(Self.message)
            let received = try Self.readMaildir(maildir)
            #expect(received.count == 1)
            #expect(received.first?.contains("To: =?UTF-8?B?") == true)
            #expect(received.first?.contains("lea.tremblay@example.ca") == true)
        }
    }

    /// A server that requires STARTTLS and a login: the right credentials deliver, wrong or missing ones do not.
    @Test func smtpLogsInOverStartTLS() async throws {
        let tls = TestEnvironment.dataDirectory + "/rabbitmq/tls"
        try await withSMTPServer(tlsDirectory: tls, login: ("guichet", "s3cret-smtp")) { port, maildir in
            func transport(_ user: String?, _ password: String?) -> SMTPTransport {
                SMTPTransport(
                    url: "smtp://localhost:\(port)", startTLS: true, caFile: tls + "/ca.pem", user: user, password: password, timeoutSeconds: 10)
            }
            await #expect(throws: MailError.self) { try await transport("guichet", "wrong").send(Self.message) }
            await #expect(throws: MailError.self) { try await transport(nil, nil).send(Self.message) }
            #expect(try Self.readMaildir(maildir).isEmpty)
            try await transport("guichet", "s3cret-smtp").send(Self.message)
            #expect(try Self.readMaildir(maildir).count == 1)
        }
    }

    @Test func smtpRefusesAnUntrustedCertificate() async throws {
        let tls = TestEnvironment.dataDirectory + "/rabbitmq/tls"
        try await withSMTPServer(tlsDirectory: tls) { port, maildir in
            let transport = SMTPTransport(
                url: "smtp://localhost:\(port)", startTLS: true, caFile: "/etc/ssl/certs/ca-certificates.crt", timeoutSeconds: 10)
            await #expect(throws: MailError.self) { try await transport.send(Self.message) }
            let received = try Self.readMaildir(maildir)
            #expect(received.isEmpty)
        }
    }

    /// Queued in a transaction, delivered by the relay; a failing server leaves it queued for a later attempt.
    @Test func queuedMailIsDeliveredOrRetried() async throws {
        try await TestDatabase.withDatabase { database in
            let postgres = try database.serviceClient("identity")
            let directory = NSTemporaryDirectory() + "guichet-mail-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try await withRunning(postgres) {
                try await Migrator(schema: "identity", migrations: [MailQueue.migration(1)]).apply(client: postgres, logger: TestEnvironment.logger)
                var second = Self.message
                second.id = UUID()
                try await postgres.withTransaction(logger: TestEnvironment.logger) { connection in
                    try await MailQueue.enqueue(Self.message, at: Date(), sealedWith: Self.key, on: connection, logger: TestEnvironment.logger)
                }
                // A mail queued in a transaction that rolls back is never sent.
                try? await postgres.withTransaction(logger: TestEnvironment.logger) { connection in
                    try await MailQueue.enqueue(second, at: Date(), sealedWith: Self.key, on: connection, logger: TestEnvironment.logger)
                    throw CancellationError()
                }
                let unreachable = MailRelay(
                    client: postgres, transport: SMTPTransport(url: "smtp://127.0.0.1:\(ServiceProcess.freePort())", timeoutSeconds: 3),
                    key: Self.key, logger: TestEnvironment.logger)
                #expect(try await unreachable.deliverDue() == 1)
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM identity.mail_outbox WHERE attempts = 1 AND sent_at IS NULL AND next_attempt_at > now()") == 1)
                try await TestDatabase.admin(database: database.name) { connection in
                    try await connection.query("UPDATE identity.mail_outbox SET next_attempt_at = now()", logger: TestEnvironment.logger)
                }
                let relay = MailRelay(client: postgres, transport: FileTransport(directory: directory), key: Self.key, logger: TestEnvironment.logger)
                #expect(try await relay.deliverDue() == 1)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(files.count == 1 && files[0].hasSuffix(".eml"))
            #expect(try await database.count("SELECT count(*) FROM identity.mail_outbox WHERE sent_at IS NOT NULL") == 1)
            #expect(try await database.count("SELECT count(*) FROM identity.mail_outbox") == 1)
            #expect(try await database.count("SELECT count(*) FROM identity.mail_outbox WHERE sealed IS NULL") == 1, "a sent mail's body is erased")
        }
    }

    // MARK: helpers

    /// Debian's aiosmtpd (python3-aiosmtpd) on a free port, storing what it receives in a Maildir.
    private func withSMTPServer(
        tlsDirectory: String?, login: (String, String)? = nil, _ body: (Int, String) async throws -> Void
    ) async throws {
        let port = ServiceProcess.freePort()
        let maildir = NSTemporaryDirectory() + "guichet-maildir-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: maildir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        var arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)"]
        if let tlsDirectory { arguments += ["--tlscert", tlsDirectory + "/server.pem", "--tlskey", tlsDirectory + "/server.key"] }
        process.arguments = arguments + ["-c", "aiosmtpd.handlers.Mailbox", maildir]
        if let (user, password) = login, let tlsDirectory {
            let script = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/GuichetTests/Support/smtp_auth_server.py").path
            process.arguments = [script, String(port), maildir, tlsDirectory + "/server.pem", tlsDirectory + "/server.key", user, password]
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer {
            // aiosmtpd does not stop on SIGTERM here.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try await eventually("aiosmtpd listens (python3-aiosmtpd installed by deploy/test.sh)", timeout: .seconds(10)) {
            guard process.isRunning else { return false }
            return (try? RawHTTP.connect(port: port)).map {
                close($0.fd); return true
            } ?? false
        }
        try await body(port, maildir)
    }

    static func readMaildir(_ maildir: String) throws -> [String] {
        let folder = maildir + "/new"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return try names.map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
    }

    static func decodeWords(_ header: String) -> String {
        header.split(separator: " ").map { word -> String in
            let parts = word.split(separator: "?")
            guard parts.count == 5, let data = Data(base64Encoded: String(parts[3])) else { return String(word) }
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }
}
