import Foundation
import Logging
import Messaging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Publishes the outbox in order of writing, with publisher confirms, and marks each row once the broker
/// confirmed it. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several instances never publish the
/// same row at once. While RabbitMQ is away, rows wait; when it is back, they all go out.
public final class OutboxRelay: Service, Sendable {
    private let client: PostgresClient
    private let publisher: AMQPPublisher
    private let exchange: String
    private let source: String
    private let schema: String
    private let batchSize: Int
    private let logger: Logger
    private let wake = Atomic<Bool>(true)
    private let relayedCounter = Counter(label: "guichet_outbox_published_total")

    /// - Parameters:
    ///   - exchange: the service's own topic exchange (`guichet.<service>`, namespaced).
    ///   - source: the CloudEvents source, `/guichet/<service>`.
    public init(
        client: PostgresClient, publisher: AMQPPublisher, exchange: String, source: String, schema: String,
        batchSize: Int = 200, logger: Logger
    ) {
        self.client = client
        self.publisher = publisher
        self.exchange = exchange
        self.source = source
        self.schema = schema
        self.batchSize = batchSize
        self.logger = logger
    }

    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.listenForCommits() }
            var lastPoll = ContinuousClock.now
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let due = ContinuousClock.now - lastPoll > .seconds(1)
                guard wake.exchange(false, ordering: .relaxed) || due else {
                    try? await Task.sleep(for: .milliseconds(10))
                    continue
                }
                lastPoll = ContinuousClock.now
                guard publisher.isConnected else { continue }
                do {
                    // A full batch means more may wait: go again at once.
                    if try await relayBatch() == batchSize { wake.store(true, ordering: .relaxed) }
                } catch {
                    logger.warning("outbox relay failed; retrying", metadata: ["error": .string(String(describing: error))])
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            group.cancelAll()
        }
    }

    /// LISTENs for the notification `Outbox.enqueue` sends, so the relay runs right after a commit.
    private func listenForCommits() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Outbox.channel(schema: schema)) { notifications in
                        for try await _ in notifications {
                            wake.store(true, ordering: .relaxed)
                        }
                    }
                }
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Publishes one batch of unpublished rows; returns how many the broker confirmed.
    @discardableResult
    public func relayBatch() async throws -> Int {
        let (exchange, source, batchSize, publisher) = (self.exchange, self.source, self.batchSize, self.publisher)
        let logger = self.logger
        let confirmed = try await client.withTransaction(logger: logger) { connection -> Int in
            var events: [CloudEvent] = []
            let rows = try await connection.query(
                """
                SELECT event_id, type, subject, occurred_at, traceparent, payload FROM outbox
                WHERE published_at IS NULL ORDER BY position LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            for try await (id, type, subject, occurredAt, traceparent, payload)
                in rows.decode((UUID, String, String?, Date, String?, ByteBuffer).self)
            {
                events.append(
                    CloudEvent(
                        id: id.uuidString.lowercased(), source: source, type: type, time: occurredAt, subject: subject,
                        dataSchema: Self.dataSchema(type: type), traceparent: traceparent, data: Array(buffer: payload)))
            }
            guard !events.isEmpty else { return 0 }
            let results = await withTaskGroup(of: (String, String?).self) { group in
                for event in events {
                    group.addTask {
                        do {
                            let outcome = try await publisher.publish(event.message(exchange: exchange, appID: source))
                            return (event.id, outcome == .returned ? "returned" : nil)
                        } catch {
                            return (event.id, "failed: \(error)")
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let published = results.filter { $0.1 == nil || $0.1 == "returned" }.compactMap { UUID(uuidString: $0.0) }
            let failed = results.filter { $0.1?.hasPrefix("failed") == true }
            if !published.isEmpty {
                try await connection.query(
                    "UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE event_id = ANY(\(published))",
                    logger: logger)
            }
            for (id, error) in failed {
                guard let uuid = UUID(uuidString: id) else { continue }
                try await connection.query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = \(error) WHERE event_id = \(uuid)", logger: logger)
            }
            return published.count
        }
        relayedCounter.increment(by: confirmed)
        return confirmed
    }

    /// The `$id` of the type's JSON Schema (deploy/events/schemas/<type>.json).
    public static func dataSchema(type: String) -> String {
        "urn:guichet:event-schema:\(type)"
    }
}
