import Contracts
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import Payment
@testable import SandboxProcessor

enum PaymentTestSupport {
    static let webhookSecret = "whsec_guichet_tests"
}

/// A sandbox processor running in this process on a free port, as the payer's browser and payment reach it.
struct Sandbox: Sendable {
    let url: String
    let ledger: SandboxLedger

    /// What the page does with the hosted fields: the card goes to the processor, the token comes back.
    func token(_ number: String, cvc: String = "123", expMonth: Int = 12, expYear: Int = 2031) async throws -> String {
        var request = URLRequest(url: URL(string: url + "/v1/tokens")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["number": number, "expMonth": expMonth, "expYear": expYear, "cvc": cvc])
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201, "\(String(decoding: data, as: UTF8.self))")
        return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String)
    }

    var environment: [String: String] { ["PROCESSOR_URL": url] }
}

func withSandbox<T: Sendable>(
    responseDelay: Duration = .seconds(3), _ body: @Sendable (Sandbox) async throws -> T
) async throws -> T {
    var settings = SandboxSettings()
    settings.port = 0
    settings.webhookSecret = PaymentTestSupport.webhookSecret
    settings.responseDelay = responseDelay
    let ledger = SandboxLedger(settings: settings, logger: TestEnvironment.logger)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = SandboxProcessor.application(settings: settings, ledger: ledger, logger: TestEnvironment.logger) { port in
        portContinuation.yield(port)
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: TestEnvironment.logger).run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TimedOut() }
        defer { group.cancelAll() }
        return try await body(Sandbox(url: "http://127.0.0.1:\(port)", ledger: ledger))
    }
}

/// A checkout as enrolment announces it (`enrolment.checkout.requested`).
func checkoutEvent(
    seller: UUID, payer: CheckoutEvent.Payer, lines: [(participant: UUID, name: String, cents: Int64)] = [(UUID(), "Émile Tremblay", 1_650)],
    holdExpiresAt: Date = Date() + 900, taxes: [CheckoutEvent.TaxLine] = []
) -> CheckoutEvent {
    let built = lines.map { line in
        CheckoutEvent.Line(
            registrationId: UUID(), participantId: line.participant, participantName: line.name, offeringId: UUID(), offeringCode: "MAC-2027",
            offeringTitle: .init(fr: "Macaroni", en: "Macaroni"), sessionId: UUID(), unitPrice: .init(amountCents: 0),
            items: [
                .init(
                    itemId: UUID(), name: .init(fr: "Repas", en: "Meal"), date: "2027-01-11", quantity: 3,
                    unitPrice: .init(amountCents: line.cents / 3))
            ],
            taxes: taxes, subtotal: .init(amountCents: line.cents), releve24: true)
    }
    let total = built.reduce(Int64(0)) { $0 + $1.subtotal.amountCents + $1.taxes.reduce(0) { $0 + $1.amount.amountCents } }
    return CheckoutEvent(
        checkoutId: UUID(), version: 1, sellingOrganisationId: seller, payer: payer, lines: built, total: .init(amountCents: total),
        holdExpiresAt: holdExpiresAt)
}

extension EventSender {
    /// Announces the checkout and waits until payment has it.
    func checkout(_ checkout: CheckoutEvent, expired: Bool = false) async throws {
        try await send(expired ? EventName.checkoutExpired : EventName.checkoutRequested, from: "enrolment", checkout)
        try await eventually("payment knows the checkout") {
            try await database.count(
                "SELECT count(*) FROM payment.checkouts WHERE id = '\(checkout.checkoutId.uuidString.lowercased())' AND expired = \(expired)") == 1
        }
    }

    func organisation(_ id: UUID, shortCode: String) async throws {
        try await send(
            EventName.organisationCreated, from: "catalogue",
            OrganisationEvent(
                organisationId: id, version: 1, parentId: nil, kind: "service-centre", shortCode: shortCode,
                name: .init(fr: "Centre \(shortCode)", en: "\(shortCode) centre")))
        try await eventually("payment knows the organisation") {
            try await database.count("SELECT count(*) FROM payment.organisations WHERE id = '\(id.uuidString.lowercased())'") == 1
        }
    }
}

var billingAddress: [String: Any] { ["name": "Marie Gagnon", "line1": "12 rue des Érables", "city": "Gatineau", "postalCode": "j8y3a1"] }

func pay(
    _ client: any TestClientProtocol, checkout: UUID, token cardToken: String, key: String = UUID().uuidString, bearer accessToken: String? = nil,
    guestToken: String? = nil
) async throws -> TestResponse {
    var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: key]
    if let accessToken { headers[.authorization] = "Bearer \(accessToken)" }
    if let guestToken { headers[HTTPField.Name("Guest-Token")!] = guestToken }
    return try await client.execute(
        uri: "/v1/payments", method: .post, headers: headers,
        body: jsonBody(["checkoutId": checkout.uuidString, "cardToken": cardToken, "billingAddress": billingAddress]))
}

extension TestDatabase {
    /// The payloads of the events payment recorded with this routing key.
    func paymentEvents(_ routingKey: String) async throws -> [[String: Any]] { try await outboxPayloads(of: "payment", routingKey) }

    /// The payloads of the events enrolment recorded with this routing key.
    func enrolmentEvents(_ routingKey: String) async throws -> [[String: Any]] { try await outboxPayloads(of: "enrolment", routingKey) }

    private func outboxPayloads(of service: String, _ routingKey: String) async throws -> [[String: Any]] {
        try await TestDatabase.admin(database: name) { connection in
            var payloads: [[String: Any]] = []
            for try await payload in try await connection.query(
                "SELECT convert_from(payload, 'UTF8') FROM \(unescaped: service).outbox WHERE routing_key = \(routingKey) ORDER BY position",
                logger: TestEnvironment.logger
            ).decode(String.self) {
                payloads.append(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] ?? [:])
            }
            return payloads
        }
    }

    /// Every row of every payment table and the outbox's payloads, as text: what a test searches for a secret.
    func paymentDump() async throws -> String {
        try await TestDatabase.admin(database: name) { connection in
            var text = ""
            for try await table in try await connection.query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'payment'", logger: TestEnvironment.logger
            ).decode(String.self) {
                for try await row in try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT row_to_json(t)::text FROM payment.\(table) t"), logger: TestEnvironment.logger
                ).decode(String.self) {
                    text += row + "\n"
                }
            }
            for try await payload in try await connection.query(
                "SELECT convert_from(payload, 'UTF8') FROM payment.outbox", logger: TestEnvironment.logger
            ).decode(String.self) {
                text += payload + "\n"
            }
            return text
        }
    }
}
