import Configuration
import Crypto
import Database
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit
import Testing

/// Servers the tests use, from the same variables as the services. Nothing here skips: a missing
/// server fails the test with a message saying how to start it.
enum TestEnvironment {
    static let variables = ProcessInfo.processInfo.environment
    static let host = variables["POSTGRES_HOST"] ?? "127.0.0.1"
    static let port = Int(variables["POSTGRES_PORT"] ?? "") ?? 5432
    static let adminUser = variables["POSTGRES_ADMIN_USER"] ?? "postgres"
    static let adminPassword = variables["POSTGRES_ADMIN_PASSWORD"] ?? "postgres"
    static let templateDatabase = variables["POSTGRES_TEST_TEMPLATE"] ?? "guichet_test_template"
    static let logger: Logger = {
        var logger = Logger(label: "guichet.tests")
        logger.logLevel = .warning
        return logger
    }()

    static let amqpPort = Int(variables["AMQP_PORT"] ?? "") ?? 5672
    static let amqpTLSPort = Int(variables["AMQP_TLS_PORT"] ?? "") ?? 5671
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let topologyFile = repositoryRoot.appendingPathComponent("deploy/rabbitmq/definitions.json").path
    static var dataDirectory: String { variables["GUICHET_DATA_DIR"] ?? repositoryRoot.appendingPathComponent(".local").path }

    /// Built executables: next to the test bundle unless GUICHET_BIN_DIR says otherwise.
    static var binDirectory: URL {
        if let dir = variables["GUICHET_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .resolvingSymlinksInPath()
    }
}

struct ServerMissing: Error, CustomStringConvertible {
    var description: String
}

/// A database of its own for one test, copied from the template that deploy/postgres/setup.sh prepared
/// (roles, the four schemas, extensions), so tests run side by side without seeing each other.
struct TestDatabase: Sendable {
    let name: String
    /// Prefix of this test's exchanges and queues, so tests sharing the broker never see each other's events.
    var amqpNamespace: String { name + "." }

    static func withDatabase<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let database = try await create()
        do {
            let result = try await body(database)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    static func create() async throws -> TestDatabase {
        let name = "guichet_t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        // Without a broker, services wait for it forever: the test fails here instead of hanging.
        do {
            try AMQPAdmin.ping(settings: TestDatabase(name: name).amqpSettings)
        } catch {
            throw ServerMissing(
                description:
                    "RabbitMQ is not reachable at 127.0.0.1:\(TestEnvironment.amqpPort) (\(error)). Run the tests with deploy/test.sh, which starts it."
            )
        }
        try await admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: #"CREATE DATABASE "\#(name)" TEMPLATE "\#(TestEnvironment.templateDatabase)""#),
                logger: TestEnvironment.logger)
        }
        return TestDatabase(name: name)
    }

    func drop() async throws {
        try? FileManager.default.removeItem(atPath: mailDirectory)
        if let topology = try? amqpSettings.topology() {
            try? AMQPAdmin.delete(topology, settings: amqpSettings)
        }
        try await Self.admin { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: #"DROP DATABASE IF EXISTS "\#(name)" WITH (FORCE)"#), logger: TestEnvironment.logger)
        }
    }

    /// Runs `body` on a superuser connection to the maintenance database.
    @discardableResult
    static func admin<T>(database: String = "postgres", _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            host: TestEnvironment.host, port: TestEnvironment.port, username: TestEnvironment.adminUser,
            password: TestEnvironment.adminPassword, database: database, tls: .disable)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: TestEnvironment.logger)
        } catch {
            throw ServerMissing(
                description:
                    "PostgreSQL is not reachable as \(TestEnvironment.adminUser)@\(TestEnvironment.host):\(TestEnvironment.port) (\(String(reflecting: error))). Run the tests with deploy/test.sh, which starts it."
            )
        }
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The settings a service would read from its environment, pointed at this database.
    func settings(service: String, port: Int = 0, migrateOnStart: Bool = true, extra: [String: String] = [:]) throws -> ServiceSettings {
        let reader = ConfigReader(
            provider: EnvironmentVariablesProvider(
                environmentVariables: environment(service: service, port: port, migrateOnStart: migrateOnStart).merging(extra) { $1 }))
        let defaults = ["identity": 8081, "catalogue": 8082, "enrolment": 8083, "payment": 8084, "portal": 8085]
        return try ServiceSettings(reader: reader, name: service, defaultPort: defaults[service]!)
    }

    /// Environment variables for a service process pointed at this database.
    func environment(service: String, port: Int, migrateOnStart: Bool = true) -> [String: String] {
        [
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(port),
            "POSTGRES_HOST": TestEnvironment.host, "POSTGRES_PORT": String(TestEnvironment.port),
            "POSTGRES_DATABASE": name,
            "POSTGRES_USER": "guichet_\(service)",
            "POSTGRES_PASSWORD": TestEnvironment.variables["GUICHET_\(service.uppercased())_DB_PASSWORD"] ?? "guichet_\(service)",
            "MIGRATE_ON_START": migrateOnStart ? "true" : "false",
            // Dozens of tests run side by side, each with its services: small pools keep PostgreSQL within its limit.
            "POSTGRES_MAX_CONNECTIONS": "4",
            "JWT_PUBLIC_KEYS": TestKeys.shared.publicKeyPEM,
            "LOG_LEVEL": "warning",
            "AMQP_URL": "amqp://guest:guest@127.0.0.1:\(TestEnvironment.amqpPort)/",
            "AMQP_TOPOLOGY_FILE": TestEnvironment.topologyFile,
            "AMQP_NAMESPACE": amqpNamespace,
            "AMQP_QUEUE_TYPE": "classic",
            // Identity's own settings: the test key pair, a fast bcrypt, mails as files in this test's folder.
            "JWT_PRIVATE_KEY": TestKeys.shared.privateKeyPEM,
            "CODE_HASH_KEY": TestKeys.shared.codeHashKey,
            "BCRYPT_COST": "4",
            "MAIL_TRANSPORT": "file",
            "MAIL_FILE_DIRECTORY": mailDirectory,
            // Enrolment's: its key, and expired holds looked for often so tests do not wait.
            "ENROLMENT_KEY": TestKeys.shared.codeHashKey,
            "HOLD_SWEEP_MILLISECONDS": "100",
            // Payment's: its key, the test webhook secret, a short processor timeout and frequent reconciliation.
            "PAYMENT_KEY": TestKeys.shared.codeHashKey,
            "PAYMENT_TAX_NUMBER_KEYS": "test-1 \(TestKeys.shared.codeHashKey)",
            "PROCESSOR_WEBHOOK_SECRET": PaymentTestSupport.webhookSecret,
            "PROCESSOR_TIMEOUT_SECONDS": "2",
            "PAYMENT_RECONCILE_MILLISECONDS": "100",
        ]
    }

    /// Where this test's services write their mails.
    var mailDirectory: String { NSTemporaryDirectory() + "guichet-mail/" + name }

    var mailbox: Mailbox { Mailbox(directory: mailDirectory) }

    var amqpSettings: AMQPSettings {
        try! AMQPSettings(
            url: "amqp://guest:guest@127.0.0.1:\(TestEnvironment.amqpPort)/", topologyFile: TestEnvironment.topologyFile,
            namespace: amqpNamespace, queueType: "classic")
    }

    var topology: Topology {
        get throws { try amqpSettings.topology() }
    }

    /// A pooled client connected as the service's own role.
    func serviceClient(_ service: String) throws -> PostgresClient {
        try settings(service: service).database.makeClient(logger: TestEnvironment.logger)
    }
}

/// An ES256 key pair made for the test run: services verify with the public half, tests sign as identity would.
final class TestKeys: Sendable {
    static let shared = TestKeys()

    let privateKeyPEM: String
    let publicKeyPEM: String
    let codeHashKey: String

    private init() {
        let key = P256.Signing.PrivateKey()
        privateKeyPEM = key.pemRepresentation
        publicKeyPEM = key.publicKey.pemRepresentation
        codeHashKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Staff and admins have given the second factor at `issuedAt` unless `secondFactorAt` says otherwise (`.some(nil)`:
    /// a password alone).
    func token(
        for account: UUID, roles: [OrganisationRole] = [], isAdmin: Bool = false, issuedAt: Date = Date(), lifetime: TimeInterval = 900,
        secondFactorAt: Date?? = nil
    ) async throws -> String {
        let signer = try await AccessTokenSigner(privateKeyPEM: privateKeyPEM)
        let given = secondFactorAt ?? (roles.isEmpty && !isAdmin ? nil : issuedAt)
        return try await signer.sign(
            AccessTokenClaims(
                accountId: account, issuedAt: issuedAt, expiresAt: issuedAt + lifetime, roles: roles, isAdmin: isAdmin, secondFactorAt: given))
    }
}

/// Runs `body` while `client` runs, as the services do under their service group.
@discardableResult
func withRunning<T: Sendable>(_ client: PostgresClient, _ body: @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
