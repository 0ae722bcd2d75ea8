import CRabbitMQ
import Foundation

/// One rabbitmq-c connection with one channel. Not thread-safe by design (rabbitmq-c's rule): it is
/// created, used and closed by the single thread of its owner (`AMQPPublisher` or `AMQPConsumer`).
final class AMQPConnection {
    static let channel: amqp_channel_t = 1

    let state: amqp_connection_state_t
    private var closed = false

    private init(state: amqp_connection_state_t) {
        self.state = state
    }

    /// Connects, then runs `prepare` (declarations, confirm mode, consume); a connection that fails either
    /// step is dropped, never leaked.
    static func open(_ settings: AMQPSettings, prepare: (AMQPConnection) throws -> Void = { _ in }) throws -> AMQPConnection {
        guard let state = amqp_new_connection() else { throw AMQPError.connectionFailed("out of memory") }
        let connection = AMQPConnection(state: state)
        do {
            try connection.connect(settings)
            try prepare(connection)
            return connection
        } catch {
            connection.abandon()
            throw error
        }
    }

    private func connect(_ settings: AMQPSettings) throws {
        let socket: OpaquePointer?
        if settings.useTLS {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw AMQPError.connectionFailed("cannot create a TLS socket") }
            if let ca = settings.caCertificateFile {
                guard amqp_ssl_socket_set_cacert(socket, ca) == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError.connectionFailed("cannot read CA certificate \(ca)")
                }
            }
            amqp_ssl_socket_set_verify_peer(socket, 1)
            amqp_ssl_socket_set_verify_hostname(socket, 1)
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else { throw AMQPError.connectionFailed("cannot create a socket") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, settings.host, Int32(settings.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError.connectionFailed("\(settings.description): \(String(cString: amqp_error_string2(status)))")
        }
        guard guichet_amqp_login(state, settings.virtualHost, Int32(settings.heartbeatSeconds), settings.user, settings.password) == 0 else {
            throw AMQPError.loginFailed
        }
        amqp_channel_open(state, Self.channel)
        try check("channel.open")
    }

    /// `amqp_cstring_bytes` keeps the pointer it is given, so Swift's temporary C strings would dangle:
    /// the strings are copied for the duration of `body` instead.
    func withBytes<T>(_ strings: [String], _ body: ([amqp_bytes_t]) throws -> T) rethrows -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return try body(copies.map { amqp_cstring_bytes($0) })
    }

    func check(_ operation: String) throws {
        let status = guichet_amqp_last_rpc_status(state)
        guard status == 0 else { throw AMQPError.channelFailed(operation, Int(status)) }
    }

    /// Declares everything in the topology; idempotent, so it runs again on each reconnection.
    func declare(_ topology: Topology) throws {
        for exchange in topology.exchanges {
            withTable(exchange.arguments) { table in
                withBytes([exchange.name, exchange.type]) { names in
                    _ = amqp_exchange_declare(state, Self.channel, names[0], names[1], 0, exchange.durable ? 1 : 0, 0, 0, table)
                }
            }
            try check("exchange.declare \(exchange.name)")
        }
        for queue in topology.queues {
            withTable(queue.arguments) { table in
                withBytes([queue.name]) { names in
                    _ = amqp_queue_declare(state, Self.channel, names[0], 0, queue.durable ? 1 : 0, 0, 0, table)
                }
            }
            try check("queue.declare \(queue.name)")
        }
        for binding in topology.bindings {
            withBytes([binding.destination, binding.source, binding.routingKey]) { names in
                _ = amqp_queue_bind(state, Self.channel, names[0], names[1], names[2], amqp_empty_table)
            }
            try check("queue.bind \(binding.destination)")
        }
    }

    /// Removes a topology's queues and exchanges (tests clean up their namespaced copies).
    func delete(_ topology: Topology) throws {
        for queue in topology.queues {
            withBytes([queue.name]) { _ = amqp_queue_delete(state, Self.channel, $0[0], 0, 0) }
            try check("queue.delete \(queue.name)")
        }
        for exchange in topology.exchanges {
            withBytes([exchange.name]) { _ = amqp_exchange_delete(state, Self.channel, $0[0], 0) }
            try check("exchange.delete \(exchange.name)")
        }
    }

    /// Number of messages ready in a queue (passive declare).
    func messageCount(queue: String) throws -> Int {
        let ok = withBytes([queue]) { amqp_queue_declare(state, Self.channel, $0[0], 1, 0, 0, 0, amqp_empty_table) }
        try check("queue.declare passive \(queue)")
        return Int(ok?.pointee.message_count ?? 0)
    }

    private func withTable<T>(_ arguments: [String: Topology.Argument], _ body: (amqp_table_t) throws -> T) rethrows -> T {
        let sorted = arguments.sorted { $0.key < $1.key }
        // C strings kept alive for the duration of the call.
        let keys = sorted.map { strdup($0.key) }
        let values = sorted.map { entry -> UnsafeMutablePointer<CChar>? in
            if case .string(let value) = entry.value { return strdup(value) }
            return nil
        }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        var entries = sorted.indices.map { index -> guichet_amqp_entry in
            var integer: Int64 = 0
            if case .integer(let value) = sorted[index].value { integer = value }
            return guichet_amqp_entry(key: keys[index], string_value: values[index], int_value: integer)
        }
        var storage = [amqp_table_entry_t](repeating: amqp_table_entry_t(), count: max(entries.count, 1))
        return try storage.withUnsafeMutableBufferPointer { storageBuffer in
            try entries.withUnsafeMutableBufferPointer { entryBuffer in
                let table = guichet_amqp_table(storageBuffer.baseAddress, entryBuffer.baseAddress, Int32(entryBuffer.count))
                return try body(table)
            }
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        amqp_channel_close(state, Self.channel, AMQP_REPLY_SUCCESS)
        amqp_connection_close(state, AMQP_REPLY_SUCCESS)
        amqp_destroy_connection(state)
    }

    /// Drops a broken connection without the close handshake.
    func abandon() {
        guard !closed else { return }
        closed = true
        amqp_destroy_connection(state)
    }
}
