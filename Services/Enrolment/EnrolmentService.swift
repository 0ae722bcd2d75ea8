import Contracts
import Database
import Outbox
import Hummingbird
import OpenAPIHummingbird
import Mail
import ServiceKit
import ServiceLifecycle

/// Enrolment: participants and guardians, carts, checkouts, seat holds, waitlists and registrations.
enum EnrolmentService: ServiceDefinition {
    static let name = "enrolment"
    static let defaultPort = 8083
    static let migrations = EnrolmentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    static var eventHandlers: [String: EventHandler] {
        Dictionary(uniqueKeysWithValues: EventName.offeringEvents.map { ($0, OfferingEventHandler.handler) }).merging([
            EventName.organisationCreated: OrganisationProjection.handler,
            EventName.organisationUpdated: OrganisationProjection.handler,
            EventName.accountVerified: AccountEventHandler.contact,
            EventName.accountUpdated: AccountEventHandler.contact,
            EventName.accountDeleted: AccountEventHandler.deleted,
            EventName.chargeSucceeded: PaymentEventHandler.succeeded,
            EventName.chargeFailed: PaymentEventHandler.failed,
            EventName.refundCompleted: PaymentEventHandler.refundCompleted,
        ]) { first, _ in first }
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) async throws {
        let settings = try EnrolmentSettings(reader: environment.settings.reader)
        let api = EnrolmentAPI(
            participants: PostgresParticipantRepository(client: environment.postgres),
            offerings: OfferingProjection(client: environment.postgres), cart: CartRepository(client: environment.postgres),
            checkouts: CheckoutStore(
                client: environment.postgres, holdDuration: settings.holdDuration, guestTokens: GuestTokens(key: settings.guestTokenKey),
                profileKey: settings.profileKey, guestLimits: settings.guestLimits),
            records: RecordRepository(client: environment.postgres), waitlists: WaitlistStore(client: environment.postgres),
            staff: StaffRepository(client: environment.postgres),
            mailing: Mailing(mails: try EnrolmentMails(), key: settings.mailKey, from: settings.mailFrom),
            documents: DocumentStore(client: environment.postgres, key: settings.documentKey),
            profiles: ProfileStore(client: environment.postgres, key: settings.profileKey),
            recordRequests: RecordRequestStore(client: environment.postgres), households: HouseholdStore(client: environment.postgres),
            clock: environment.clock)
        try api.registerHandlers(on: router, configuration: .guichet)
    }

    static func backgroundServices(environment: ServiceEnvironment) throws -> [any Service] {
        let settings = try EnrolmentSettings(reader: environment.settings.reader)
        let postgres = environment.postgres
        return [
            HoldExpiry(
                client: postgres, clock: environment.clock, interval: settings.holdSweepInterval, offerDuration: settings.waitlistOfferDuration,
                logger: environment.logger),
            EnrolmentMailer(
                client: postgres, mails: try EnrolmentMails(), mailKey: settings.mailKey, from: settings.mailFrom, clock: environment.clock,
                interval: settings.holdSweepInterval, logger: environment.logger),
            MailRelay(
                client: postgres, transport: MailTransports.from(reader: environment.settings.reader), key: settings.mailKey,
                logger: environment.logger),
        ]
    }
}
