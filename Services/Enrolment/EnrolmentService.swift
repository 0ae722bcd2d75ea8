import Database
import Hummingbird
import OpenAPIHummingbird
import ServiceKit

/// Enrolment: participants and guardians, carts, checkouts, seat holds, waitlists and registrations.
enum EnrolmentService: ServiceDefinition {
    static let name = "enrolment"
    static let defaultPort = 8083
    static let migrations = EnrolmentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) throws {
        let api = EnrolmentAPI(
            participants: PostgresParticipantRepository(client: environment.postgres), clock: environment.clock)
        try api.registerHandlers(on: router)
    }
}
