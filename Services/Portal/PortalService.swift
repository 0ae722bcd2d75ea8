import CatalogueClient
import EnrolmentClient
import IdentityClient
import PaymentClient
import Database
import Hummingbird
import Logging
import OpenAPIURLSession
import ServiceKit

/// The portal: the pages families use, rendered on the server over the services' own APIs (a backend for
/// the browser). It owns no business rule and reads no other service's tables.
enum PortalService: ServiceDefinition {
    static let name = "portal"
    static let defaultPort = 8085
    /// Signed-in browsers' sessions (identity's tokens stay here, sealed; the browser holds a secret).
    static let migrations: [Migration] = PortalMigrations.all
    /// Pages only: no event in, none out.
    static let publishesEvents = false
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    /// Built once from the environment; the routes use them.
    struct Parts: Sendable {
        let settings: PortalSettings
        let catalogue: CatalogueClient.Client
        let identity: IdentityClient.Client
        let enrolment: EnrolmentClient.Client
        let payment: PaymentClient.Client
        let sessions: BrowserSessionStore
        let cookies: BrowserCookies
        let pages: Pages
        let logger: Logger
    }

    static func makeParts(environment: ServiceEnvironment) throws -> Parts {
        let settings = try PortalSettings(reader: environment.settings.reader)
        return Parts(
            settings: settings,
            catalogue: CatalogueClient.Client(
                serverURL: settings.catalogueURL, configuration: .guichet, transport: URLSessionTransport(), middlewares: [OnBehalfOfVisitor()]),
            identity: IdentityClient.Client(
                serverURL: settings.identityURL, configuration: .guichet, transport: URLSessionTransport(), middlewares: [OnBehalfOfVisitor()]),
            enrolment: EnrolmentClient.Client(
                serverURL: settings.enrolmentURL, configuration: .guichet, transport: URLSessionTransport(), middlewares: [OnBehalfOfVisitor()]),
            payment: PaymentClient.Client(
                serverURL: settings.paymentURL, configuration: .guichet, transport: URLSessionTransport(), middlewares: [OnBehalfOfVisitor()]),
            sessions: BrowserSessionStore(client: environment.postgres, logger: environment.logger),
            cookies: BrowserCookies(secure: settings.secureCookies, publicOrigin: settings.publicOrigin),
            pages: try Pages(), logger: environment.logger)
    }

    /// Before the request validator: a refused address (a value out of bounds, a method not served) is a page too.
    static func addRefusalMiddleware(to router: Router<GuichetRequestContext>, parts: Parts) {
        router.add(middleware: PageErrors(pages: parts.pages, logger: parts.logger))
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws {
        let kit = PageKit(identity: parts.identity, sessions: parts.sessions, cookies: parts.cookies, pages: parts.pages, clock: environment.clock)
        let reference = CatalogueReference(catalogue: parts.catalogue, clock: environment.clock)
        let cart = CartPages(kit: kit, enrolment: parts.enrolment, reference: reference)
        PortalRoutes(
            catalogue: parts.catalogue, pages: parts.pages, cookies: parts.cookies, cart: cart, reference: reference, clock: environment.clock,
            logger: environment.logger
        ).register(on: router)
        cart.register(on: router)
        AccountPages(kit: kit).register(on: router)
        SecondFactorPages(kit: kit).register(on: router)
        let staffArea = StaffPages(kit: kit, reference: reference)
        staffArea.register(on: router)
        let registrar = RegistrarPages(staffArea: staffArea, enrolment: parts.enrolment, catalogue: parts.catalogue)
        registrar.register(on: router)
        OfferingDeskPages(registrar: registrar, catalogue: parts.catalogue).register(on: router)
        MoneyDeskPages(registrar: registrar, payment: parts.payment).register(on: router)
        Releve24DeskPages(registrar: registrar, payment: parts.payment).register(on: router)
        DocumentDeskPages(registrar: registrar, enrolment: parts.enrolment).register(on: router)
        SessionDeskPages(registrar: registrar, enrolment: parts.enrolment).register(on: router)
        RefundDecisionPages(registrar: registrar, enrolment: parts.enrolment).register(on: router)
        FamilyPages(kit: kit, enrolment: parts.enrolment, payment: parts.payment, reference: reference).register(on: router)
        Releve24Pages(kit: kit, payment: parts.payment).register(on: router)
        MoneyDocumentPages(kit: kit, enrolment: parts.enrolment, payment: parts.payment).register(on: router)
        GuestPages(kit: kit, catalogue: parts.catalogue, enrolment: parts.enrolment).register(on: router)
        WaitlistPages(kit: kit, enrolment: parts.enrolment, reference: reference).register(on: router)
        RegistrationPages(kit: kit, enrolment: parts.enrolment, reference: reference).register(on: router)
        DocumentPages(kit: kit, enrolment: parts.enrolment).register(on: router)
        CheckoutPages(
            kit: kit, enrolment: parts.enrolment, payment: parts.payment, reference: reference,
            cardEntry: .init(url: parts.settings.cardEntryURL, origin: parts.settings.cardEntryOrigin, pageOrigin: parts.settings.publicOrigin),
            clock: environment.clock, logger: environment.logger
        ).register(on: router)
    }
}
