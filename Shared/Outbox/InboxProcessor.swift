import Contracts
import Foundation
import Logging
import Messaging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// What a handler is given with its event's payload: the event itself (id, type, raw data), the transaction
/// that records it in the inbox, and a logger carrying the event's trace.
public struct EventContext: Sendable {
    public let event: CloudEvent
    public let connection: PostgresConnection
    public let logger: Logger
}

/// What a service does with one consumed event, inside the transaction that records it in the inbox. The
/// payload is decoded once, here, as the type its contract names; a payload that does not decode fails the
/// delivery (retried, then parked), like any handler error.
public struct EventHandler: Sendable {
    let handle: @Sendable (CloudEvent, PostgresConnection, Logger) async throws -> Void

    public init<Payload: Decodable & Sendable>(
        _ payload: Payload.Type, _ apply: @escaping @Sendable (Payload, EventContext) async throws -> Void
    ) {
        handle = { event, connection, logger in
            let decoded = try EventJSON.decoder.decode(Payload.self, from: Data(event.data))
            try await apply(decoded, EventContext(event: event, connection: connection, logger: logger))
        }
    }
}

/// Applies consumed events exactly once: the event id is recorded in the inbox in the same transaction as
/// the handler's effect, so a redelivered or duplicated event changes nothing. A handler that fails is
/// retried after a delay through the queue's TTL retry queue, then parked in its parking queue, and the
/// events behind it keep flowing. While PostgreSQL is unreachable nothing is retried or parked: the
/// delivery waits.
public final class InboxProcessor: Service, Sendable {
    public static let attemptHeader = "x-guichet-attempt"
    public static let errorHeader = "x-guichet-error"

    private let consumer: AMQPConsumer
    private let publisher: AMQPPublisher
    private let client: PostgresClient
    private let handlers: [String: EventHandler]
    private let maxAttempts: Int
    private let concurrency: Int
    private let logger: Logger
    private let consumed = Counter(label: "guichet_inbox_consumed_total")
    private let duplicates = Counter(label: "guichet_inbox_duplicates_total")
    private let retried = Counter(label: "guichet_inbox_retried_total")
    private let parked = Counter(label: "guichet_inbox_parked_total")

    /// - Parameter handlers: by routing key; events of other keys are acknowledged and ignored.
    public init(
        consumer: AMQPConsumer, publisher: AMQPPublisher, client: PostgresClient, handlers: [String: EventHandler],
        maxAttempts: Int = 3, concurrency: Int = 8, logger: Logger
    ) {
        self.concurrency = concurrency
        self.consumer = consumer
        self.publisher = publisher
        self.client = client
        self.handlers = handlers
        self.maxAttempts = maxAttempts
        self.logger = logger
    }

    public func run() async throws {
        // Stops taking deliveries on shutdown; one not yet acknowledged is redelivered to the next instance.
        // The consumer connection is stopped by its own service, after this one.
        // Several deliveries are applied at once (each in its own transaction): order is not guaranteed by
        // the broker anyway, and handlers keep the highest version per aggregate.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await delivery in self.consumer.deliveries {
                    if running >= self.concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await self.process(delivery) }
                    running += 1
                }
            }
        }
    }

    func process(_ delivery: Delivery) async {
        let event: CloudEvent
        do {
            event = try CloudEvent(delivery: delivery)
        } catch {
            await divert(delivery, reason: "not a CloudEvent: \(error)", park: true)
            return
        }
        guard let routingKey = event.routingKey, let handler = handlers[routingKey] else {
            consumer.ack(delivery)
            return
        }
        // The handler's own events continue the trace of the event it handles (or start one), and its log lines say so.
        let trace = event.traceparent.flatMap(TraceContext.init(traceparent:)) ?? .root()
        var logger = self.logger
        logger[metadataKey: "trace_id"] = .string(trace.traceID)
        while true {
            do {
                let applied = try await TraceContext.$current.withValue(trace) {
                    try await client.transaction(logger: logger) { connection -> Bool in
                        let inserted =
                            try await connection.query(
                                """
                                INSERT INTO inbox (source, event_id, type, received_at) VALUES (\(event.source), \(event.id), \(event.type), now())
                                ON CONFLICT DO NOTHING RETURNING 1
                                """, logger: logger
                            ).collect().count == 1
                        if inserted { try await handler.handle(event, connection, logger) }
                        return inserted
                    }
                }
                (applied ? consumed : duplicates).increment()
                consumer.ack(delivery)
                return
            } catch {
                if await databaseIsDown() {
                    logger.warning("PostgreSQL unreachable; the event waits", metadata: ["event": .string(event.id)])
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }  // unacked: redelivered later
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                logger.error(
                    "event handler failed",
                    metadata: ["event": .string(event.id), "type": .string(event.type), "error": .string(String(describing: error))])
                let attempt = Int(delivery.headers[Self.attemptHeader] ?? "") ?? 0
                await divert(delivery, reason: String(describing: error), park: attempt + 1 >= maxAttempts)
                return
            }
        }
    }

    private func databaseIsDown() async -> Bool {
        do {
            try await client.query("SELECT 1", logger: logger)
            return false
        } catch {
            return true
        }
    }

    /// Sends a copy to the queue's retry queue (back after its TTL) or to its parking queue, then acks the
    /// original. If the copy cannot be confirmed, the original is requeued instead, so nothing is lost.
    private func divert(_ delivery: Delivery, reason: String, park: Bool) async {
        let attempt = Int(delivery.headers[Self.attemptHeader] ?? "") ?? 0
        var headers = delivery.headers.filter { !$0.key.hasPrefix("x-") }.map { ($0.key, $0.value) }
        headers.append((Self.attemptHeader, String(attempt + 1)))
        headers.append((Self.errorHeader, String(reason.prefix(500))))
        let message = OutgoingMessage(
            exchange: "", routingKey: consumer.queue + (park ? ".parking" : ".retry"),
            messageID: delivery.messageID ?? UUID().uuidString, type: delivery.type ?? "", appID: "guichet-inbox",
            timestamp: Date(), contentType: delivery.contentType ?? "application/json", headers: headers, body: delivery.body)
        do {
            _ = try await publisher.publish(message)
            (park ? parked : retried).increment()
            if park {
                logger.error("event parked", metadata: ["queue": .string(consumer.queue), "message_id": .string(message.messageID)])
            }
            consumer.ack(delivery)
        } catch {
            consumer.nack(delivery, requeue: true)
        }
    }
}
