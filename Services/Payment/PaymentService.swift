import Contracts
import Database
import Foundation
import Hummingbird
import Mail
import OpenAPIHummingbird
import Outbox
import ServiceKit
import ServiceLifecycle

/// Payment: card payments through a processor, receipts, refunds and history.
enum PaymentService: ServiceDefinition {
    static let name = "payment"
    static let defaultPort = 8084
    static let migrations = PaymentMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    static let eventHandlers: [String: EventHandler] = [
        EventName.checkoutRequested: CheckoutEventHandler.handler,
        EventName.checkoutExpired: CheckoutEventHandler.handler,
        EventName.refundRequested: RefundRequestHandler.handler,
        EventName.organisationCreated: OrganisationProjection.handler,
        EventName.organisationUpdated: OrganisationProjection.handler,
    ]

    struct Parts: Sendable {
        let settings: PaymentSettings
        let payments: PaymentStore
        let refunds: RefundStore

        init(environment: ServiceEnvironment) throws {
            settings = try PaymentSettings(reader: environment.settings.reader)
            let processor = SandboxProcessorClient(
                baseURL: settings.processorURL, secretKey: settings.processorSecretKey, webhookSecret: settings.processorWebhookSecret,
                timeout: settings.processorTimeout)
            payments = PaymentStore(
                client: environment.postgres, processor: processor, holdMargin: settings.holdMargin,
                mailing: PaymentMailing(mails: try PaymentMails(), key: settings.mailKey, from: settings.mailFrom))
            refunds = RefundStore(client: environment.postgres, processor: processor)
        }
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) async throws {
        let parts = try Parts(environment: environment)
        let api = PaymentAPI(
            payments: parts.payments, refunds: parts.refunds, history: HistoryRepository(client: environment.postgres),
            receiptPage: try ReceiptPage(), clock: environment.clock)
        try api.registerHandlers(on: router, configuration: .guichet)
        ProcessorWebhook(payments: parts.payments, refunds: parts.refunds, clock: environment.clock).register(on: router)
    }

    static func backgroundServices(environment: ServiceEnvironment) throws -> [any Service] {
        let parts = try Parts(environment: environment)
        return [
            Reconciler(
                client: environment.postgres, payments: parts.payments, refunds: parts.refunds, processorTimeout: parts.settings.processorTimeout,
                settleHorizon: parts.settings.settleHorizon,
                clock: environment.clock, interval: parts.settings.reconcileInterval, logger: environment.logger),
            MailRelay(
                client: environment.postgres, transport: MailTransports.from(reader: environment.settings.reader), key: parts.settings.mailKey,
                logger: environment.logger),
        ]
    }
}
