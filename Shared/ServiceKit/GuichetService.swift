import Configuration
import Contracts
import Database
import Foundation
import Hummingbird
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// What differs between Guichet's services; everything else is started the same way by `GuichetService`.
///
/// A service builds its parts (settings, stores, mailers, clients) once, in `makeParts`, from the environment;
/// the same parts are handed to its routes, its event handlers and its background work.
public protocol ServiceDefinition {
    associatedtype Parts: Sendable
    /// Lower-case name: also the schema and the default database role suffix.
    static var name: String { get }
    static var defaultPort: Int { get }
    static var migrations: [Migration] { get }
    /// The service's `openapi.yaml`, embedded in the executable and served as is.
    static var openAPIDocument: [UInt8] { get }
    /// The same document as JSON (`openapi.json`, generated from the YAML), from which requests are validated.
    static var openAPIJSON: [UInt8] { get }
    /// The composition root: reads the service's own settings and builds everything it runs with, once.
    static func makeParts(environment: ServiceEnvironment) async throws -> Parts
    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws
    /// Adds what answers a refused request instead of problem+json, before the request validator (the portal's pages).
    static func addRefusalMiddleware(to router: Router<GuichetRequestContext>, parts: Parts)
    /// Handlers of the events this service consumes, by routing key; its queue is `<name>.inbox`.
    static func eventHandlers(parts: Parts) -> [String: EventHandler]
    /// Work of this service that runs beside the HTTP server once the schema is migrated (mail relays, sweeps).
    static func backgroundServices(parts: Parts, environment: ServiceEnvironment) -> [any Service]
    /// Whether the service records events (its schema has an outbox, relayed to its exchange); the portal does not.
    static var publishesEvents: Bool { get }
    /// Subcommands of this service beyond `serve` and `migrate`; returns false for a command it does not know.
    static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool
    static var commandsHelp: String { get }
}

extension ServiceDefinition {
    public static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool {
        false
    }

    public static var commandsHelp: String { "" }
    public static var publishesEvents: Bool { true }
    public static func eventHandlers(parts: Parts) -> [String: EventHandler] { [:] }
    public static func addRefusalMiddleware(to router: Router<GuichetRequestContext>, parts: Parts) {}
    public static func backgroundServices(parts: Parts, environment: ServiceEnvironment) -> [any Service] { [] }
}

/// What every service is given to build its parts: the common settings (and the reader for its own), the
/// database, the clock and the logger. Nothing below fetches these for itself.
public struct ServiceEnvironment: Sendable {
    public let settings: ServiceSettings
    public let postgres: PostgresClient
    public let clock: any WallClock
    public let logger: Logger
}

public enum GuichetService {
    /// Entry point of every executable: `serve` (default) or `migrate`.
    public static func main<Definition: ServiceDefinition>(_ definition: Definition.Type) async {
        Observability.bootstrapLogging()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command = arguments.first ?? "serve"
        let reader = ConfigReader(provider: EnvironmentVariablesProvider())
        var logger = Logger(label: "guichet.\(Definition.name)")
        do {
            let settings = try ServiceSettings(reader: reader, name: Definition.name, defaultPort: Definition.defaultPort)
            logger.logLevel = settings.logLevel
            switch command {
            case "serve":
                let app = try await buildApplication(definition, settings: settings, clock: SystemWallClock(), logger: logger)
                try await app.runService()
            case "migrate":
                try await migrate(definition, settings: settings, logger: logger)
            default:
                if try await Definition.runCommand(command, arguments: Array(arguments.dropFirst()), reader: reader, logger: logger) {
                    return
                }
                print(
                    "usage: guichet-\(Definition.name) [serve|migrate]\n  serve    migrate (unless MIGRATE_ON_START=false) and serve HTTP\n  migrate  apply pending migrations and exit"
                        + Definition.commandsHelp)
                exit(command == "help" || command == "--help" ? 0 : 64)
            }
        } catch {
            logger.critical("stopped", metadata: ["error": .string(String(describing: error))])
            exit(1)
        }
    }

    public static func migrate<Definition: ServiceDefinition>(
        _ definition: Definition.Type, settings: ServiceSettings, logger: Logger
    ) async throws {
        let client = settings.database.makeClient(logger: logger)
        let migrator = try Migrator(schema: settings.database.schema, migrations: Definition.migrations)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            let applied = try await migrator.apply(client: client, logger: logger)
            logger.info("migrations done", metadata: ["applied": "\(applied)", "version": "\(migrator.latestVersion)"])
            group.cancelAll()
        }
    }

    /// The whole service, ready to run; tests build it with their own settings and clock.
    public static func buildApplication<Definition: ServiceDefinition>(
        _ definition: Definition.Type, settings: ServiceSettings, clock: any WallClock, logger: Logger
    ) async throws -> some ApplicationProtocol {
        let postgres = settings.database.makeClient(logger: logger)
        let migrator = try Migrator(schema: settings.database.schema, migrations: Definition.migrations)
        let verifier = try await AccessTokenVerifier(publicKeysPEM: settings.accessTokenPublicKeys, clock: clock)
        let environment = ServiceEnvironment(settings: settings, postgres: postgres, clock: clock, logger: logger)
        let parts = try await Definition.makeParts(environment: environment)
        let eventHandlers = Definition.eventHandlers(parts: parts)
        let topology = try settings.amqp.topology()
        let publisher = AMQPPublisher(settings: settings.amqp, topology: topology, logger: logger)
        let relay = OutboxRelay(
            client: postgres, publisher: publisher, exchange: settings.amqp.namespace + EventExchange.of(service: Definition.name),
            source: "/guichet/\(Definition.name)", schema: settings.database.schema, logger: logger)
        // The relay and the inbox touch the schema: they start once it is migrated.
        let schemaReady = SchemaGate {
            (try? await migrator.appliedVersion(client: postgres, logger: logger)).flatMap { $0 } ?? 0 >= migrator.latestVersion
        }
        var messagingServices: [any Service] = [publisher]
        if !eventHandlers.isEmpty {
            let consumer = AMQPConsumer(queue: "\(Definition.name).inbox", settings: settings.amqp, topology: topology, logger: logger)
            messagingServices.append(consumer)
            messagingServices.append(
                schemaReady.guarding(
                    InboxProcessor(consumer: consumer, publisher: publisher, client: postgres, handlers: eventHandlers, logger: logger)))
        }
        if Definition.publishesEvents {
            messagingServices.append(schemaReady.guarding(relay))
        }
        messagingServices += Definition.backgroundServices(parts: parts, environment: environment).map { schemaReady.guarding($0) }

        let router = Router(context: GuichetRequestContext.self)
        _ = Observability.registry
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestScopeMiddleware(verifier: verifier, trustForwardedFor: settings.trustForwardedFor))
        Definition.addRefusalMiddleware(to: router, parts: parts)
        router.add(middleware: SpecValidationMiddleware(validator: try RequestValidator(document: Definition.openAPIJSON), clock: clock))
        HealthRoutes.add(
            to: router, service: Definition.name,
            checks: [
                DatabaseReadinessCheck(client: postgres, migrator: migrator, logger: logger),
                BrokerReadinessCheck(publisher: publisher),
            ],
            openAPI: Definition.openAPIDocument)
        try Definition.addRoutes(to: router, parts: parts, environment: environment)

        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: "guichet-\(Definition.name)"),
            logger: logger)
        // Shut down in reverse: the server first, then the inbox, relay and AMQP connections, PostgreSQL last.
        app.addServices(postgres)
        if settings.migrateOnStart {
            app.beforeServerStarts {
                try await migrator.apply(client: postgres, logger: logger)
                schemaReady.open()
            }
        }
        app.addServices(messagingServices)
        return app
    }
}

/// Opens once the schema is migrated; services it guards wait for it (or for shutdown) before they run.
final class SchemaGate: Sendable {
    private let isOpen = Atomic<Bool>(false)
    /// Asked every two seconds while closed: another process (`migrate`) may have migrated the schema.
    private let isMigrated: @Sendable () async -> Bool

    init(isMigrated: @escaping @Sendable () async -> Bool) {
        self.isMigrated = isMigrated
    }

    func open() { isOpen.store(true, ordering: .relaxed) }

    func guarding(_ service: any Service) -> any Service { Guarded(gate: self, service: service) }

    private struct Guarded: Service {
        let gate: SchemaGate
        let service: any Service

        func run() async throws {
            var waited = 0
            while !gate.isOpen.load(ordering: .relaxed) {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                if waited % 40 == 39, await gate.isMigrated() { gate.open() }
                waited += 1
                try? await Task.sleep(for: .milliseconds(50))
            }
            try await service.run()
        }
    }
}
