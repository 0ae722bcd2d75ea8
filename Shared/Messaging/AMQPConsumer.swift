import CRabbitMQ
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One message received from a queue; acknowledge it through the consumer that delivered it.
public struct Delivery: Sendable {
    public var deliveryTag: UInt64
    /// Which connection delivered it: a tag is only valid on its own connection.
    public var connectionGeneration: Int
    public var exchange: String
    public var routingKey: String
    public var redelivered: Bool
    public var messageID: String?
    public var contentType: String?
    public var type: String?
    public var headers: [String: String]
    public var body: [UInt8]
}

/// A consumer connection with manual acknowledgements and prefetch, owned by its own thread.
/// Deliveries come out as an async sequence; acks and nacks go back to the owning thread, which
/// services heartbeats while idle and reconnects with backoff (unacked deliveries are then redelivered
/// by the broker, so handlers must be idempotent — the inbox makes them so).
public final class AMQPConsumer: Service, Sendable {
    private enum Command {
        case ack(UInt64, generation: Int)
        case nack(UInt64, generation: Int, requeue: Bool)
    }

    public let queue: String
    public let deliveries: AsyncStream<Delivery>
    private let continuation: AsyncStream<Delivery>.Continuation
    private let settings: AMQPSettings
    private let topology: Topology
    private let logger: Logger
    private let commands = Mutex<[Command]>([])
    private let stopping = Atomic<Bool>(false)
    private let connectedFlag = Atomic<Bool>(false)

    public init(queue: String, settings: AMQPSettings, topology: Topology, logger: Logger) {
        self.queue = settings.namespace + queue
        self.settings = settings
        self.topology = topology
        self.logger = logger
        (deliveries, continuation) = AsyncStream.makeStream(of: Delivery.self)
    }

    public var isConnected: Bool { connectedFlag.load(ordering: .relaxed) }

    public func ack(_ delivery: Delivery) {
        commands.withLock { $0.append(.ack(delivery.deliveryTag, generation: delivery.connectionGeneration)) }
    }

    public func nack(_ delivery: Delivery, requeue: Bool) {
        commands.withLock {
            $0.append(.nack(delivery.deliveryTag, generation: delivery.connectionGeneration, requeue: requeue))
        }
    }

    /// Stops consuming; deliveries already handed out can no longer be acknowledged (the broker redelivers them).
    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    public func run() async throws {
        await runOnOwnThread(
            name: "amqp-consumer",
            loop: { [self] in
                loop()
                continuation.finish()
            }, stop: { [self] in stop() })
    }

    private func loop() {
        var connection: AMQPConnection?
        var generation = 0
        var reconnection = Reconnection(role: "consumer", logger: logger)

        while !stopping.load(ordering: .relaxed) {
            guard let current = connection else {
                let opened = reconnection.attempt {
                    try AMQPConnection.open(settings) { opened in
                        try opened.declare(topology)
                        amqp_basic_qos(opened.state, AMQPConnection.channel, 0, UInt16(clamping: settings.prefetch), 0)
                        try opened.check("basic.qos")
                        opened.withBytes([queue]) {
                            _ = amqp_basic_consume(opened.state, AMQPConnection.channel, $0[0], amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
                        }
                        try opened.check("basic.consume \(queue)")
                    }
                }
                if let opened {
                    connection = opened
                    generation += 1
                    commands.withLock { $0.removeAll() }  // tags of an older connection mean nothing now
                    connectedFlag.store(true, ordering: .relaxed)
                    logger.info("AMQP consumer connected", metadata: ["queue": .string(queue)])
                }
                continue
            }

            var failed = false
            for command in commands.withLock({ queue in
                defer { queue.removeAll() }; return queue
            }) {
                let status: Int32
                switch command {
                case .ack(let tag, let owner) where owner == generation:
                    status = amqp_basic_ack(current.state, AMQPConnection.channel, tag, 0)
                case .nack(let tag, let owner, let requeue) where owner == generation:
                    status = amqp_basic_nack(current.state, AMQPConnection.channel, tag, 0, requeue ? 1 : 0)
                default:
                    continue
                }
                if status != AMQP_STATUS_OK.rawValue { failed = true }
            }

            var envelope = amqp_envelope_t()
            let result = failed ? Int32(GUICHET_AMQP_CLOSED.rawValue) : guichet_amqp_consume(current.state, 20, &envelope)
            switch result {
            case Int32(GUICHET_AMQP_ACK.rawValue):
                continuation.yield(Self.delivery(from: envelope, generation: generation))
                amqp_destroy_envelope(&envelope)
            case Int32(GUICHET_AMQP_CLOSED.rawValue):
                logger.warning("AMQP consumer connection lost", metadata: ["queue": .string(queue)])
                current.abandon()
                connection = nil
                connectedFlag.store(false, ordering: .relaxed)
            default:
                break
            }
        }
        connection?.close()
        connectedFlag.store(false, ordering: .relaxed)
    }

    private static func delivery(from envelope: amqp_envelope_t, generation: Int) -> Delivery {
        let properties = envelope.message.properties
        func string(_ bytes: amqp_bytes_t) -> String {
            guard bytes.len > 0, let pointer = bytes.bytes else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: bytes.len), as: UTF8.self)
        }
        func flag(_ value: Int32) -> Bool { properties._flags & amqp_flags_t(value) != 0 }
        var headers: [String: String] = [:]
        if flag(AMQP_BASIC_HEADERS_FLAG), properties.headers.num_entries > 0, let entries = properties.headers.entries {
            for index in 0..<Int(properties.headers.num_entries) {
                let entry = entries[index]
                let key = string(entry.key)
                switch Int32(entry.value.kind) {
                case Int32(AMQP_FIELD_KIND_UTF8.rawValue), Int32(AMQP_FIELD_KIND_BYTES.rawValue):
                    headers[key] = string(entry.value.value.bytes)
                case Int32(AMQP_FIELD_KIND_I64.rawValue): headers[key] = String(entry.value.value.i64)
                case Int32(AMQP_FIELD_KIND_I32.rawValue): headers[key] = String(entry.value.value.i32)
                case Int32(AMQP_FIELD_KIND_U32.rawValue): headers[key] = String(entry.value.value.u32)
                case Int32(AMQP_FIELD_KIND_I16.rawValue): headers[key] = String(entry.value.value.i16)
                case Int32(AMQP_FIELD_KIND_U8.rawValue): headers[key] = String(entry.value.value.u8)
                default: break
                }
            }
        }
        let body = envelope.message.body
        return Delivery(
            deliveryTag: envelope.delivery_tag, connectionGeneration: generation, exchange: string(envelope.exchange),
            routingKey: string(envelope.routing_key), redelivered: envelope.redelivered != 0,
            messageID: flag(AMQP_BASIC_MESSAGE_ID_FLAG) ? string(properties.message_id) : nil,
            contentType: flag(AMQP_BASIC_CONTENT_TYPE_FLAG) ? string(properties.content_type) : nil,
            type: flag(AMQP_BASIC_TYPE_FLAG) ? string(properties.type) : nil,
            headers: headers,
            body: body.len > 0 && body.bytes != nil ? Array(UnsafeRawBufferPointer(start: body.bytes, count: body.len)) : [])
    }
}
