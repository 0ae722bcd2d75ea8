import Contracts
import Database
import Outbox
import Projections
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

    /// Built once from the environment; routes, event handlers and background work share them.
    struct Parts: Sendable {
        let settings: EnrolmentSettings
        let mails: EnrolmentMails
        let mailTransport: any MailTransport
        let clock: any WallClock
    }

    static func makeParts(environment: ServiceEnvironment) throws -> Parts {
        Parts(
            settings: try EnrolmentSettings(reader: environment.settings.reader), mails: try EnrolmentMails(),
            mailTransport: MailTransports.from(reader: environment.settings.reader), clock: environment.clock)
    }

    static func eventHandlers(parts: Parts) -> [String: EventHandler] {
        let payments = PaymentEventHandler(clock: parts.clock)
        return Dictionary(uniqueKeysWithValues: EventName.offeringEvents.map { ($0, OfferingEventHandler.handler) }).merging([
            EventName.organisationCreated: OrganisationProjection.handler,
            EventName.organisationUpdated: OrganisationProjection.handler,
            EventName.accountVerified: AccountEventHandler.contact,
            EventName.accountUpdated: AccountEventHandler.contact,
            EventName.accountDeleted: AccountEventHandler.deleted,
            EventName.chargeSucceeded: payments.succeeded,
            EventName.chargeFailed: payments.failed,
            EventName.refundCompleted: payments.refundCompleted,
            EventName.invoicePaid: payments.invoicePaid,
            EventName.instalmentPaid: payments.instalmentPaid,
        ]) { first, _ in first }
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws {
        let settings = parts.settings
        let postgres = environment.postgres
        let api = EnrolmentAPI(
            participants: PostgresParticipantRepository(client: postgres, logger: environment.logger),
            offerings: OfferingProjection(client: postgres, logger: environment.logger),
            cart: CartRepository(client: postgres, logger: environment.logger),
            checkouts: CheckoutStore(
                client: postgres, logger: environment.logger, holdDuration: settings.holdDuration,
                guestTokens: GuestTokens(key: settings.guestTokenKey),
                profileKey: settings.profileKey, guestLimits: settings.guestLimits),
            records: RecordRepository(client: postgres, logger: environment.logger),
            waitlists: WaitlistStore(client: postgres, logger: environment.logger),
            staff: StaffRepository(client: postgres, logger: environment.logger),
            mailing: Mailing(mails: parts.mails, key: settings.mailKey, from: settings.mailFrom),
            documents: DocumentStore(client: postgres, logger: environment.logger, key: settings.documentKey),
            profiles: ProfileStore(client: postgres, logger: environment.logger, key: settings.profileKey),
            recordRequests: RecordRequestStore(client: postgres, logger: environment.logger),
            households: HouseholdStore(client: postgres, logger: environment.logger),
            clock: environment.clock)
        try api.registerHandlers(on: router, configuration: .guichet)
    }

    static func backgroundServices(parts: Parts, environment: ServiceEnvironment) -> [any Service] {
        let settings = parts.settings
        let postgres = environment.postgres
        return [
            HoldExpiry(
                client: postgres, clock: environment.clock, interval: settings.holdSweepInterval, offerDuration: settings.waitlistOfferDuration,
                logger: environment.logger),
            EnrolmentMailer(
                client: postgres, mails: parts.mails, mailKey: settings.mailKey, from: settings.mailFrom, clock: environment.clock,
                interval: settings.holdSweepInterval, logger: environment.logger),
            MailRelay(client: postgres, transport: parts.mailTransport, key: settings.mailKey, logger: environment.logger),
        ]
    }
}
