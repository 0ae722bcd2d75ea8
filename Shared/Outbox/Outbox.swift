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
    /// The event carries the trace of the work that records it (`TraceContext.current`), as a new span of it.
    public static func enqueue(_ event: PendingEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let type = CloudEvent.type(routingKey: event.routingKey)
        _ = try await connection.query(
            """
            WITH recorded AS (
                INSERT INTO outbox (event_id, routing_key, type, subject, occurred_at, traceparent, payload)
                VALUES (\(event.id), \(event.routingKey), \(type), \(event.subject), \(event.occurredAt),
                    \(TraceContext.current?.child().traceparent), \(ByteBuffer(bytes: event.payload)))
                RETURNING 1
            )
            SELECT pg_notify('\(unescaped: channel(schema: ""))' || current_schema(), '')::text FROM recorded
            """, logger: logger
        ).collect()
    }
}
