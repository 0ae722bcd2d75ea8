import Contracts
import Database
import Outbox
import Hummingbird
import OpenAPIHummingbird
import ServiceKit

/// Enrolment: participants and guardians, carts, checkouts, seat holds, waitlists and registrations.
enum EnrolmentService: ServiceDefinition {
    static let name = "enrolment"
    static let defaultPort = 8083
    static let migrations = EnrolmentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }

    static var eventHandlers: [String: EventHandler] {
        Dictionary(uniqueKeysWithValues: EventName.offeringEvents.map { ($0, OfferingEventHandler.handler) })
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) async throws {
        let api = EnrolmentAPI(
            participants: PostgresParticipantRepository(client: environment.postgres),
            offerings: OfferingProjection(client: environment.postgres), clock: environment.clock)
        try api.registerHandlers(on: router)
    }
}
