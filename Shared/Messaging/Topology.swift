import Foundation

/// Exchanges, queues and bindings, read from a RabbitMQ definitions file (the same file the setup step
/// imports with `rabbitmqctl import_definitions`), so code and broker agree on one description.
public struct Topology: Sendable, Decodable {
    public enum Argument: Sendable, Decodable, Equatable {
        case string(String)
        case integer(Int64)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    public struct Exchange: Sendable, Decodable {
        public var name: String
        public var type: String
        public var durable: Bool
        public var arguments: [String: Argument]
    }

    public struct Queue: Sendable, Decodable {
        public var name: String
        public var durable: Bool
        public var arguments: [String: Argument]

        public init(name: String, durable: Bool, arguments: [String: Argument] = [:]) {
            self.name = name
            self.durable = durable
            self.arguments = arguments
        }
    }

    public struct Binding: Sendable, Decodable {
        public var source: String
        public var destination: String
        public var routingKey: String

        public init(source: String, destination: String, routingKey: String) {
            self.source = source
            self.destination = destination
            self.routingKey = routingKey
        }

        enum CodingKeys: String, CodingKey {
            case source, destination
            case routingKey = "routing_key"
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue], bindings: [Binding]) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    public static func load(file: String, namespace: String) throws -> Topology {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw AMQPError.invalidTopology("cannot read \(file) (set AMQP_TOPOLOGY_FILE)")
        }
        do {
            return try JSONDecoder().decode(Topology.self, from: data).namespaced(namespace)
        } catch {
            throw AMQPError.invalidTopology("\(file): \(error)")
        }
    }

    /// The same topology with quorum queues declared as classic ones (and without `x-delivery-limit` and `x-dead-letter-strategy`,
    /// which only quorum queues know). For test runs, where hundreds of short-lived namespaces would otherwise each start
    /// Raft groups on one small broker; production keeps the file's quorum queues.
    public func classicQueues() -> Topology {
        var copy = self
        copy.queues = queues.map { queue in
            var queue = queue
            if queue.arguments["x-queue-type"] == .string("quorum") {
                queue.arguments["x-queue-type"] = .string("classic")
                queue.arguments["x-delivery-limit"] = nil
                queue.arguments["x-dead-letter-strategy"] = nil
            }
            return queue
        }
        return copy
    }

    /// Every name, and every argument naming an exchange or a queue, prefixed with `namespace`.
    public func namespaced(_ namespace: String) -> Topology {
        guard !namespace.isEmpty else { return self }
        func prefixed(_ name: String) -> String { name.isEmpty ? name : namespace + name }
        func arguments(_ arguments: [String: Argument]) -> [String: Argument] {
            var result = arguments
            for key in ["x-dead-letter-exchange", "x-dead-letter-routing-key", "alternate-exchange"] {
                if case .string(let name)? = result[key] { result[key] = .string(prefixed(name)) }
            }
            return result
        }
        var copy = self
        copy.exchanges = exchanges.map {
            var e = $0; e.name = prefixed(e.name); e.arguments = arguments(e.arguments); return e
        }
        copy.queues = queues.map {
            var q = $0; q.name = prefixed(q.name); q.arguments = arguments(q.arguments); return q
        }
        copy.bindings = bindings.map {
            var b = $0; b.source = prefixed(b.source); b.destination = prefixed(b.destination); return b
        }
        return copy
    }
}
