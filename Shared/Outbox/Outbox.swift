import Foundation
import Logging
import Messaging
import PostgresNIO

/// An event about to be recorded: what a service's state change means for others.
public struct PendingEvent: Sendable {
    public var id: UUID
    public var routingKey: String
    public var subject: String?
    public var occurredAt: Date
    public var payload: [UInt8]

    public init<Payload: Encodable>(routingKey: String, subject: String?, occurredAt: Date, payload: Payload, id: UUID = UUID()) throws {
        self.id = id
        self.routingKey = routingKey
        self.subject = subject
        self.occurredAt = occurredAt
        self.payload = Array(try EventJSON.encoder.encode(payload))
    }
}

/// Writes events in the same transaction as the state change they describe; `OutboxRelay` publishes them.
public enum Outbox {
    /// The notification channel that wakes the relay of this schema right after a commit.
    static func channel(schema: String) -> String { "guichet_outbox_\(schema)" }

    /// Records an event, and wakes the relay once the transaction commits, in one round trip.
    public static func enqueue(_ event: PendingEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await enqueue([event], on: connection, logger: logger)
    }

    /// Records events in one statement, and wakes the relay once the transaction commits: one round trip,
    /// nothing when there are none. Each carries the trace of the work that records it (`TraceContext.current`),
    /// as a new span of it.
    public static func enqueue(_ events: [PendingEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard !events.isEmpty else { return }
        // Arrays cannot hold NULL here: an empty text stands for none.
        let traceparents = events.map { _ in TraceContext.current?.child().traceparent ?? "" }
        _ = try await connection.query(
            """
            WITH recorded AS (
                INSERT INTO outbox (event_id, routing_key, type, subject, occurred_at, traceparent, payload)
                SELECT id, routing_key, type, nullif(subject, ''), occurred_at, nullif(traceparent, ''), payload
                FROM unnest(
                    \(events.map(\.id))::uuid[], \(events.map(\.routingKey))::text[], \(events.map { CloudEvent.type(routingKey: $0.routingKey) })::text[],
                    \(events.map { $0.subject ?? "" })::text[], \(events.map(\.occurredAt))::timestamptz[], \(traceparents)::text[],
                    \(events.map { ByteBuffer(bytes: $0.payload) })::bytea[]
                ) AS e(id, routing_key, type, subject, occurred_at, traceparent, payload)
                RETURNING 1
            )
            SELECT pg_notify('\(unescaped: channel(schema: ""))' || current_schema(), '')::text FROM recorded LIMIT 1
            """, logger: logger
        ).collect()
    }
}
