import Foundation

/// One-shot broker operations for setup tools and tests. Each call opens its own connection on the
/// calling thread and closes it, so it blocks that thread for the round trips.
public enum AMQPAdmin {
    public static func declare(_ topology: Topology, settings: AMQPSettings) throws {
        let connection = try AMQPConnection.open(settings)
        defer { connection.close() }
        try connection.declare(topology)
    }

    public static func delete(_ topology: Topology, settings: AMQPSettings) throws {
        let connection = try AMQPConnection.open(settings)
        defer { connection.close() }
        try connection.delete(topology)
    }

    /// Opens a connection and closes it: throws when the broker does not answer (within the 5 s connect timeout).
    public static func ping(settings: AMQPSettings) throws {
        try AMQPConnection.open(settings).close()
    }

    public static func messageCount(queue: String, settings: AMQPSettings) throws -> Int {
        let connection = try AMQPConnection.open(settings)
        defer { connection.close() }
        return try connection.messageCount(queue: queue)
    }
}
