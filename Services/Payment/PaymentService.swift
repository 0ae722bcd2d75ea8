import Contracts
import Database
import Foundation
import Hummingbird
import Mail
import OpenAPIHummingbird
import Outbox
import Projections
import ServiceKit
import ServiceLifecycle

/// Payment: card payments through a processor, receipts, refunds and history.
enum PaymentService: ServiceDefinition {
    static let name = "payment"
    static let defaultPort = 8084
    static let migrations = PaymentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    /// Built once from the environment; routes, event handlers and background work share them.
    struct Parts: Sendable {
        let settings: PaymentSettings
        let payments: PaymentStore
        let refunds: RefundStore
        let history: HistoryRepository
        let taxNumbers: TaxNumberStore
        let releve24: Releve24Store
        let invoices: InvoiceStore
        let instalments: InstalmentStore
        let mailing: PaymentMailing
        let receiptPage: ReceiptPage
        let mailTransport: any MailTransport
    }

    static func makeParts(environment: ServiceEnvironment) throws -> Parts {
        let settings = try PaymentSettings(reader: environment.settings.reader)
        let processor = SandboxProcessorClient(
            baseURL: settings.processorURL, secretKey: settings.processorSecretKey, webhookSecret: settings.processorWebhookSecret,
            timeout: settings.processorTimeout)
        let taxNumbers = TaxNumberStore(client: environment.postgres, logger: environment.logger, keys: settings.taxNumberKeys)
        let mails = try PaymentMails()
        let mailing = PaymentMailing(mails: mails, key: settings.mailKey, from: settings.mailFrom, publicBaseURL: settings.publicBaseURL)
        let payments = PaymentStore(
            client: environment.postgres, logger: environment.logger, processor: processor, holdMargin: settings.holdMargin, mailing: mailing,
            clock: environment.clock)
        return Parts(
            settings: settings,
            payments: payments,
            refunds: RefundStore(
                client: environment.postgres, logger: environment.logger, processor: processor, clock: environment.clock, mailing: mailing),
            history: HistoryRepository(client: environment.postgres, logger: environment.logger), taxNumbers: taxNumbers,
            releve24: Releve24Store(
                client: environment.postgres, logger: environment.logger, taxNumbers: settings.taxNumberKeys,
                mailing: Releve24Mailing(mails: mails, key: settings.mailKey, from: settings.mailFrom, publicBaseURL: settings.publicBaseURL)),
            invoices: InvoiceStore(client: environment.postgres, logger: environment.logger),
            instalments: InstalmentStore(client: environment.postgres, logger: environment.logger, processor: processor, payments: payments),
            mailing: mailing,
            receiptPage: try ReceiptPage(),
            mailTransport: MailTransports.from(reader: environment.settings.reader))
    }

    static func eventHandlers(parts: Parts) -> [String: EventHandler] {
        let refundRequests = RefundRequestHandler(clock: parts.payments.clock)
        let invoices = InvoiceEventHandler(mailing: parts.mailing, clock: parts.payments.clock)
        return [
            EventName.invoiceRequested: invoices.handler,
            EventName.invoiceCancelled: invoices.handler,
            EventName.checkoutRequested: CheckoutEventHandler.handler,
            EventName.checkoutExpired: CheckoutEventHandler.handler,
            EventName.refundRequested: refundRequests.handler,
            EventName.registrationCancelled: RegistrationEndedHandler(clock: parts.payments.clock).handler,
            EventName.registrationExpired: RegistrationEndedHandler(clock: parts.payments.clock).handler,
            EventName.organisationCreated: OrganisationProjection.handler,
            EventName.organisationUpdated: OrganisationProjection.handler,
            EventName.consentChanged: ConsentProjection.handler,
        ]
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws {
        let api = PaymentAPI(
            payments: parts.payments, refunds: parts.refunds, history: parts.history, taxNumbers: parts.taxNumbers, releve24: parts.releve24,
            invoices: parts.invoices, instalments: parts.instalments, receiptPage: parts.receiptPage, clock: environment.clock)
        try api.registerHandlers(on: router, configuration: .guichet)
        ProcessorWebhook(payments: parts.payments, refunds: parts.refunds, clock: environment.clock).register(on: router)
    }

    static func backgroundServices(parts: Parts, environment: ServiceEnvironment) -> [any Service] {
        [
            Reconciler(
                client: environment.postgres, payments: parts.payments, refunds: parts.refunds, instalments: parts.instalments,
                taxNumbers: parts.taxNumbers,
                statements: StatementMailings(client: environment.postgres, logger: environment.logger, mailing: parts.payments.mailing),
                processorTimeout: parts.settings.processorTimeout, settleHorizon: parts.settings.settleHorizon,
                clock: environment.clock, interval: parts.settings.reconcileInterval, logger: environment.logger),
            MailRelay(client: environment.postgres, transport: parts.mailTransport, key: parts.settings.mailKey, logger: environment.logger),
        ]
    }
}
