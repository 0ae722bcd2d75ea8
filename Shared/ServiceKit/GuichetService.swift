import Configuration
import Database
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// What differs between Guichet's services; everything else is started the same way by `GuichetService`.
public protocol ServiceDefinition {
    /// Lower-case name: also the schema and the default database role suffix.
    static var name: String { get }
    static var defaultPort: Int { get }
    static var migrations: [Migration] { get }
    /// The service's `openapi.yaml`, embedded in the executable and served as is.
    static var openAPIDocument: [UInt8] { get }
    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) throws
    /// Subcommands of this service beyond `serve` and `migrate`; returns false for a command it does not know.
    static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool
    static var commandsHelp: String { get }
}

extension ServiceDefinition {
    public static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool {
        false
    }

    public static var commandsHelp: String { "" }
}

/// The dependencies handed to a service's routes.
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

        let router = Router(context: GuichetRequestContext.self)
        _ = Observability.registry
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestScopeMiddleware(verifier: verifier))
        HealthRoutes.add(
            to: router, service: Definition.name,
            checks: [DatabaseReadinessCheck(client: postgres, migrator: migrator, logger: logger)],
            openAPI: Definition.openAPIDocument)
        try Definition.addRoutes(to: router, environment: environment)

        var app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: "guichet-\(Definition.name)"),
            logger: logger)
        app.addServices(postgres)
        if settings.migrateOnStart {
            app.beforeServerStarts {
                try await migrator.apply(client: postgres, logger: logger)
            }
        }
        return app
    }
}
