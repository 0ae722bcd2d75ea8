import Database
import Hummingbird
import OpenAPIHummingbird
import ServiceKit

/// Payment: card payments through a processor, receipts, refunds and history.
enum PaymentService: ServiceDefinition {
    static let name = "payment"
    static let defaultPort = 8084
    static let migrations = PaymentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) async throws {
        let api = PaymentAPI(payments: PostgresPaymentRepository(client: environment.postgres))
        try api.registerHandlers(on: router)
    }
}
