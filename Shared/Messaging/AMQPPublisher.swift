import CRabbitMQ
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// A message to publish: persistent, mandatory, with CloudEvents headers.
public struct OutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var messageID: String
    public var type: String
    public var appID: String
    public var timestamp: Date
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(
        exchange: String, routingKey: String, messageID: String, type: String, appID: String, timestamp: Date,
        contentType: String = "application/json", headers: [(String, String)], body: [UInt8]
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageID = messageID
        self.type = type
        self.appID = appID
        self.timestamp = timestamp
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}

public enum PublishOutcome: Sendable, Equatable {
    /// The broker took responsibility for the message (routed to every bound queue, persisted).
    case confirmed
    /// No queue was bound for its routing key; the broker returned it (logged and counted).
    case returned
}

/// A publisher connection with publisher confirms, owned by its own thread (rabbitmq-c connections must
/// never cross threads). `publish` suspends until the broker acks or nacks; acks may come in any order.
/// Reconnects with backoff and re-declares the topology; a publish that was unconfirmed when the
/// connection dropped fails, and the caller (the outbox) keeps the row for the next attempt.
public final class AMQPPublisher: Service, Sendable {
    private enum Command {
        case publish(OutgoingMessage, CheckedContinuation<PublishOutcome, any Error>)
    }

    private let settings: AMQPSettings
    private let topology: Topology
    private let logger: Logger
    private let commands = Mutex<[Command]>([])
    private let stopping = Atomic<Bool>(false)
    private let connectedFlag = Atomic<Bool>(false)
    private let connectionsMade = Atomic<Int>(0)
    private let returnedCounter = Counter(label: "guichet_amqp_returned_total")
    private let publishedCounter = Counter(label: "guichet_amqp_published_total")

    public init(settings: AMQPSettings, topology: Topology, logger: Logger) {
        self.settings = settings
        self.topology = topology
        self.logger = logger
    }

    public var isConnected: Bool { connectedFlag.load(ordering: .relaxed) }
    /// How many connections this publisher has opened (1 while the first one holds).
    public var connectionCount: Int { connectionsMade.load(ordering: .relaxed) }

    public func publish(_ message: OutgoingMessage) async throws -> PublishOutcome {
        guard !stopping.load(ordering: .relaxed) else { throw AMQPError.stopped }
        guard isConnected else { throw AMQPError.notConnected }
        return try await withCheckedThrowingContinuation { continuation in
            commands.withLock { $0.append(.publish(message, continuation)) }
        }
    }

    public func run() async throws {
        await runOnOwnThread(
            name: "amqp-publisher", loop: { [self] in loop() },
            stop: { [self] in
                stopping.store(true, ordering: .relaxed)
            })
    }

    private struct Pending {
        var messageID: String
        var continuation: CheckedContinuation<PublishOutcome, any Error>
    }

    private func loop() {
        var connection: AMQPConnection?
        var pending: [UInt64: Pending] = [:]
        var returned = Set<String>()
        var nextTag: UInt64 = 1
        var reconnection = Reconnection(role: "publisher", logger: logger)

        func failAll(_ error: AMQPError) {
            for (_, item) in pending { item.continuation.resume(throwing: error) }
            pending.removeAll()
            returned.removeAll()
            for case .publish(_, let continuation) in commands.withLock({ queue in
                defer { queue.removeAll() }; return queue
            }) {
                continuation.resume(throwing: error)
            }
        }

        func disconnect(_ reason: String) {
            logger.warning("AMQP publisher connection lost", metadata: ["reason": .string(reason)])
            connection?.abandon()
            connection = nil
            connectedFlag.store(false, ordering: .relaxed)
            failAll(.connectionLost)
        }

        while !stopping.load(ordering: .relaxed) {
            guard let current = connection else {
                let opened = reconnection.attempt(
                    {
                        try AMQPConnection.open(settings) { opened in
                            try opened.declare(topology)
                            amqp_confirm_select(opened.state, AMQPConnection.channel)
                            try opened.check("confirm.select")
                        }
                    }, onFailure: { failAll(.notConnected) })
                if let opened {
                    connection = opened
                    nextTag = 1
                    connectedFlag.store(true, ordering: .relaxed)
                    connectionsMade.add(1, ordering: .relaxed)
                    logger.info("AMQP publisher connected", metadata: ["broker": .string(settings.description)])
                }
                continue
            }

            let batch = commands.withLock { queue in
                defer { queue.removeAll() }; return queue
            }
            var broken: String?
            for case .publish(let message, let continuation) in batch {
                if broken != nil {
                    continuation.resume(throwing: AMQPError.connectionLost)
                    continue
                }
                let status = Self.send(message, on: current)
                if status == AMQP_STATUS_OK.rawValue {
                    pending[nextTag] = Pending(messageID: message.messageID, continuation: continuation)
                    nextTag += 1
                } else {
                    continuation.resume(throwing: AMQPError.connectionLost)
                    broken = String(cString: amqp_error_string2(status))
                }
            }
            if let broken {
                disconnect(broken)
                continue
            }

            var event = guichet_amqp_event()
            guichet_amqp_poll_publisher(current.state, pending.isEmpty ? 20 : 5, &event)
            switch Int(event.kind) {
            case Int(GUICHET_AMQP_ACK.rawValue), Int(GUICHET_AMQP_NACK.rawValue):
                let tags = event.multiple != 0 ? pending.keys.filter { $0 <= event.delivery_tag } : [event.delivery_tag]
                for tag in tags {
                    guard let item = pending.removeValue(forKey: tag) else { continue }
                    if Int(event.kind) == Int(GUICHET_AMQP_NACK.rawValue) {
                        item.continuation.resume(throwing: AMQPError.nacked)
                    } else if returned.remove(item.messageID) != nil {
                        item.continuation.resume(returning: .returned)
                    } else {
                        publishedCounter.increment()
                        item.continuation.resume(returning: .confirmed)
                    }
                }
            case Int(GUICHET_AMQP_RETURN.rawValue):
                let messageID = withUnsafeBytes(of: event.message_id) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                returned.insert(messageID)
                returnedCounter.increment()
                logger.warning(
                    "AMQP message returned: no queue bound", metadata: ["message_id": .string(messageID), "reply_code": "\(event.reply_code)"])
            case Int(GUICHET_AMQP_CLOSED.rawValue):
                disconnect("closed by broker or socket (\(event.reply_code))")
            default:
                break
            }
        }
        failAll(.stopped)
        connection?.close()
        connectedFlag.store(false, ordering: .relaxed)
    }

    private static func send(_ message: OutgoingMessage, on connection: AMQPConnection) -> Int32 {
        let keys = message.headers.map { strdup($0.0) }
        let values = message.headers.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let entries = message.headers.indices.map {
            guichet_amqp_entry(key: keys[$0], string_value: values[$0], int_value: 0)
        }
        let timestamp = UInt64(max(0, message.timestamp.timeIntervalSince1970))
        return entries.withUnsafeBufferPointer { entryBuffer in
            message.body.withUnsafeBytes { body in
                guichet_amqp_publish(
                    connection.state, AMQPConnection.channel, message.exchange, message.routingKey, message.contentType,
                    message.messageID, message.type, message.appID, timestamp, entryBuffer.baseAddress,
                    Int32(entryBuffer.count), body.baseAddress, body.count)
            }
        }
    }
}
