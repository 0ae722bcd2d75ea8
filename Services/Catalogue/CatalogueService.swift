import Database
import Hummingbird
import OpenAPIHummingbird
import ServiceKit

/// The catalogue: organisations, categories, offerings, sessions and prices.
enum CatalogueService: ServiceDefinition {
    static let name = "catalogue"
    static let defaultPort = 8082
    static let migrations = CatalogueMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) throws {
        let api = CatalogueAPI(categories: PostgresCategoryRepository(client: environment.postgres))
        try api.registerHandlers(on: router)
    }
}
