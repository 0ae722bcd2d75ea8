import Crypto
import Database
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// A durable queue of mails in the sending service's own schema: a mail is queued in the transaction of the
/// change that causes it (no sign-up without its code mail, no mail for a change that rolled back), then
/// delivered by `MailRelay` with retries. Mails are sealed (ChaCha20-Poly1305) with the service's key while they
/// wait, because they carry codes and links, and their body is erased once sent: a copy of the database gives
/// neither away.
public enum MailQueue {
    public static let maximumAttempts = 8

    public static func migration(_ version: Int) -> Migration {
        Migration(
            version, "mail queue",
            [
                """
                CREATE TABLE mail_outbox (
                    id uuid PRIMARY KEY,
                    position bigserial NOT NULL,
                    recipient text NOT NULL,
                    sealed bytea,
                    queued_at timestamptz NOT NULL,
                    next_attempt_at timestamptz NOT NULL,
                    attempts integer NOT NULL DEFAULT 0,
                    sent_at timestamptz,
                    failed_at timestamptz,
                    last_error text
                )
                """,
                "CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL",
            ])
    }

    public static func enqueue(
        _ message: MailMessage, at: Date, sealedWith key: SymmetricKey, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let sealed = try ChaChaPoly.seal(try JSONEncoder().encode(message), using: key).combined
        try await connection.query(
            """
            INSERT INTO mail_outbox (id, recipient, sealed, queued_at, next_attempt_at)
            VALUES (\(message.id), \(message.to.map(\.email).joined(separator: ", ")), \(sealed), \(at), now())
            """, logger: logger)
    }

    /// The queue's key, derived from a service secret of at least 32 random bytes.
    public static func key(fromSecret secret: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret), info: Array("guichet mail queue".utf8), outputByteCount: 32)
    }
}

/// Delivers queued mails: claims due rows with `FOR UPDATE SKIP LOCKED` (instances never send one twice at
/// once), sends them, and on failure retries with a growing delay (30 s, 1 min, 2 min … capped at 1 h) until
/// `MailQueue.maximumAttempts`, after which the mail is marked failed and logged.
public final class MailRelay: Service, Sendable {
    private let client: PostgresClient
    private let transport: any MailTransport
    private let key: SymmetricKey
    private let logger: Logger
    private let pollInterval: Duration
    private let sent = Counter(label: "guichet_mail_sent_total")
    private let failures = Counter(label: "guichet_mail_failures_total")

    public init(
        client: PostgresClient, transport: any MailTransport, key: SymmetricKey, pollInterval: Duration = .milliseconds(500),
        logger: Logger
    ) {
        self.client = client
        self.transport = transport
        self.key = key
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await deliverDue() == 0 { try? await Task.sleep(for: pollInterval) }
            } catch {
                logger.warning("mail relay failed; retrying", metadata: ["error": .string(String(describing: error))])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sends the mails that are due; returns how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 20) async throws -> Int {
        let (transport, logger, sent, failures, key) = (self.transport, self.logger, self.sent, self.failures, self.key)
        return try await client.withTransaction(logger: logger) { connection -> Int in
            var due: [(UUID, Int, Data)] = []
            for try await row in try await connection.query(
                """
                SELECT id, attempts, sealed FROM mail_outbox
                WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                ORDER BY next_attempt_at, position LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode((UUID, Int, Data).self) {
                due.append(row)
            }
            for (id, attempts, sealed) in due {
                do {
                    let json = try ChaChaPoly.open(try ChaChaPoly.SealedBox(combined: sealed), using: key)
                    let message = try JSONDecoder().decode(MailMessage.self, from: json)
                    try await transport.send(message)
                    try await connection.query(
                        "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL, sealed = NULL WHERE id = \(id)",
                        logger: logger)
                    sent.increment()
                } catch {
                    failures.increment()
                    let attempt = attempts + 1
                    let delaySeconds = min(3600, 30 * (1 << min(attempt - 1, 7)))
                    let giveUp = attempt >= MailQueue.maximumAttempts
                    logger.warning("mail not sent", metadata: ["mail": "\(id)", "attempt": "\(attempt)", "error": "\(error)"])
                    try await connection.query(
                        """
                        UPDATE mail_outbox SET attempts = \(attempt), last_error = \(String(describing: error)),
                            next_attempt_at = now() + \(delaySeconds) * interval '1 second',
                            failed_at = CASE WHEN \(giveUp) THEN now() END
                        WHERE id = \(id)
                        """, logger: logger)
                }
            }
            return due.count
        }
    }
}
