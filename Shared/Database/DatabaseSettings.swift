import Configuration
import Logging
import PostgresNIO

/// Where a service's own schema lives and which role reaches it.
public struct DatabaseSettings: Sendable {
    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: String
    /// The schema this service owns; the role's `search_path` must point at it.
    public var schema: String
    public var maxConnections: Int
    public var requireTLS: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 5432, database: String = "guichet", username: String,
        password: String, schema: String, maxConnections: Int = 20, requireTLS: Bool = false
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.schema = schema
        self.maxConnections = maxConnections
        self.requireTLS = requireTLS
    }

    /// `POSTGRES_*` variables; the role and password default to `guichet_<service>` for a local run.
    public init(reader: ConfigReader, service: String) {
        let postgres = reader.scoped(to: "postgres")
        self.init(
            host: postgres.string(forKey: "host", default: "127.0.0.1"),
            port: postgres.int(forKey: "port", default: 5432),
            database: postgres.string(forKey: "database", default: "guichet"),
            username: postgres.string(forKey: "user", default: "guichet_\(service)"),
            password: postgres.string(forKey: "password", isSecret: true, default: "guichet_\(service)"),
            schema: postgres.string(forKey: "schema", default: service),
            maxConnections: postgres.int(forKey: "max.connections", default: 20),
            requireTLS: postgres.bool(forKey: "require.tls", default: false)
        )
    }

    public func makeClient(logger: Logger) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = .seconds(5)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}
