import Configuration
import Foundation

/// How to reach RabbitMQ: `AMQP_URL` (amqp:// or amqps://), TLS trust, heartbeat, prefetch, and the
/// topology file every connection declares.
public struct AMQPSettings: Sendable {
    public var host: String
    public var port: Int
    public var virtualHost: String
    public var user: String
    public var password: String
    public var useTLS: Bool
    /// PEM file of the CA that signed the broker's certificate (amqps); peer and host name are verified.
    public var caCertificateFile: String?
    public var heartbeatSeconds: Int
    public var prefetch: Int
    /// RabbitMQ definitions file (exchanges, queues, bindings) declared on every (re)connection.
    public var topologyFile: String
    /// Prefix of every exchange and queue name; lets tests (or environments sharing a vhost) stay apart.
    public var namespace: String
    /// `classic` declares the file's quorum queues as classic queues (test runs); empty keeps the file's types.
    public var queueType: String

    /// The topology file, namespaced, with the queue type this deployment asks for.
    public func topology() throws -> Topology {
        let topology = try Topology.load(file: topologyFile, namespace: namespace)
        return queueType == "classic" ? topology.classicQueues() : topology
    }

    public init(
        url: String, caCertificateFile: String? = nil, heartbeatSeconds: Int = 30, prefetch: Int = 100,
        topologyFile: String = "deploy/rabbitmq/definitions.json", namespace: String = "", queueType: String = ""
    ) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            scheme == "amqp" || scheme == "amqps", let host = components.host, !host.isEmpty
        else { throw AMQPError.invalidURL(url) }
        self.host = host
        useTLS = scheme == "amqps"
        port = components.port ?? (useTLS ? 5671 : 5672)
        let path = components.percentEncodedPath
        virtualHost = path.isEmpty || path == "/" ? "/" : (String(path.dropFirst()).removingPercentEncoding ?? "/")
        user = components.user?.removingPercentEncoding ?? "guest"
        password = components.password?.removingPercentEncoding ?? "guest"
        self.caCertificateFile = caCertificateFile
        self.heartbeatSeconds = heartbeatSeconds
        self.prefetch = prefetch
        self.topologyFile = topologyFile
        self.namespace = namespace
        self.queueType = queueType
    }

    public init(reader: ConfigReader) throws {
        let amqp = reader.scoped(to: "amqp")
        try self.init(
            url: amqp.string(forKey: "url", isSecret: true, default: "amqp://guest:guest@127.0.0.1:5672/"),
            caCertificateFile: amqp.string(forKey: "ca.file"),
            heartbeatSeconds: amqp.int(forKey: "heartbeat.seconds", default: 30),
            prefetch: amqp.int(forKey: "prefetch", default: 100),
            topologyFile: amqp.string(forKey: "topology.file", default: "deploy/rabbitmq/definitions.json"),
            namespace: amqp.string(forKey: "namespace", default: ""),
            queueType: amqp.string(forKey: "queue.type", default: ""))
    }

    public var description: String {
        "\(useTLS ? "amqps" : "amqp")://\(host):\(port)\(virtualHost == "/" ? "/" : "/" + virtualHost)"
    }
}

public enum AMQPError: Error, CustomStringConvertible, Equatable {
    case invalidURL(String)
    case connectionFailed(String)
    case loginFailed
    case channelFailed(String, Int)
    case notConnected
    case connectionLost
    case nacked
    case stopped
    case invalidTopology(String)

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid AMQP_URL \(url)"
        case .connectionFailed(let detail): "cannot connect to RabbitMQ: \(detail)"
        case .loginFailed: "RabbitMQ refused the login"
        case .channelFailed(let operation, let code): "RabbitMQ refused \(operation) (reply \(code))"
        case .notConnected: "not connected to RabbitMQ"
        case .connectionLost: "connection to RabbitMQ lost before the broker confirmed"
        case .nacked: "RabbitMQ refused the message (nack)"
        case .stopped: "the AMQP connection is stopping"
        case .invalidTopology(let detail): "invalid topology file: \(detail)"
        }
    }
}
