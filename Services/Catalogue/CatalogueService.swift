import Configuration
import Database
import Foundation
import Logging
import Hummingbird
import OpenAPIHummingbird
import Contracts
import Outbox
import ServiceKit

/// The catalogue: organisations, categories, offerings, sessions and prices.
enum CatalogueService: ServiceDefinition {
    static let name = "catalogue"
    static let defaultPort = 8082
    static let migrations = CatalogueMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }
    /// Built once from the environment; the routes use them.
    struct Parts: Sendable {
        let api: CatalogueAPI
    }

    static func makeParts(environment: ServiceEnvironment) -> Parts {
        Parts(
            api: CatalogueAPI(
                organisations: OrganisationRepository(client: environment.postgres, logger: environment.logger),
                categories: PostgresCategoryRepository(client: environment.postgres, logger: environment.logger),
                offerings: PostgresOfferingRepository(client: environment.postgres, logger: environment.logger),
                letters: ParentLetterStore(client: environment.postgres, logger: environment.logger), clock: environment.clock))
    }

    static func eventHandlers(parts: Parts) -> [String: EventHandler] {
        [EventName.sessionSeatsChanged: SeatsEventHandler.handler]
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws {
        try parts.api.registerHandlers(on: router, configuration: .guichet)
    }

    static let commandsHelp = """

          republish             record every non-draft offering's current state as an event again (consumers rebuild their copy)
          generate-catalogue N  add N published offerings with plausible titles (benchmarks; not for production)
        """

    /// `republish`: a snapshot of the offerings through the outbox; the running relay publishes it.
    static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool {
        guard command == "republish" || command == "generate-catalogue" else { return false }
        let settings = try ServiceSettings(reader: reader, name: name, defaultPort: defaultPort)
        let client = settings.database.makeClient(logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            if command == "generate-catalogue" {
                guard let count = arguments.first.flatMap(Int.init), count > 0 else {
                    throw ConfigurationError.invalid("N", "generate-catalogue needs a positive count")
                }
                try await CatalogueGenerator.generate(count: count, client: client, logger: logger)
                print("\(count) published offerings added")
            } else {
                let count = try await PostgresOfferingRepository(client: client, logger: logger).republishAll(at: Date())
                print("\(count) offerings recorded in the outbox")
            }
            group.cancelAll()
        }
        return true
    }
}
