import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The account holder's own log of what happened to their account (sign-ins, failures, changes).
enum SecurityEventLog {
    static func record(
        _ kind: SecurityEventKind, account: UUID, at: Date, client: ClientInfo, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO security_events (id, account_id, kind, occurred_at, client_address, user_agent)
            VALUES (\(UUID()), \(account), \(kind.rawValue), \(at), \(client.address), \(client.userAgent))
            """, logger: logger)
    }

    struct Entry: Sendable {
        var id: UUID
        var kind: String
        var occurredAt: Date
        var clientAddress: String?
        var userAgent: String?
    }

    /// Newest first; the cursor holds the last event's time (microseconds) and id.
    static func page(
        account: UUID, request: PageRequest, client: PostgresClient, logger: Logger
    ) async throws -> (items: [Entry], nextCursor: String?) {
        let after = try request.afterTimeAndID()
        let (afterMicros, afterID) = (after?.micros, after?.id)
        let rows = try await client.query(
            """
            SELECT id, kind, occurred_at, client_address, user_agent FROM security_events
            WHERE account_id = \(account)
              AND (\(afterMicros)::bigint IS NULL
                   OR (occurred_at, id) < (timestamptz 'epoch' + \(afterMicros)::bigint * interval '1 microsecond', \(afterID)::uuid))
            ORDER BY occurred_at DESC, id DESC LIMIT \(request.fetchLimit)
            """, logger: logger)
        var entries: [Entry] = []
        for try await (id, kind, at, address, agent) in rows.decode((UUID, String, Date, String?, String?).self) {
            entries.append(Entry(id: id, kind: kind, occurredAt: at, clientAddress: address, userAgent: agent))
        }
        return request.page(entries) { PageRequest.timeAndIDKey($0.occurredAt, id: $0.id) }
    }
}
