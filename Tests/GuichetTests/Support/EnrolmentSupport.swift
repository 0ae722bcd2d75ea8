import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Messaging
import Outbox
import PostgresNIO
import ServiceKit
import Testing

@testable import Enrolment

/// Publishes events as the other services would, to the test's own exchanges.
struct EventSender: Sendable {
    let publisher: AMQPPublisher
    let database: TestDatabase

    func send(_ routingKey: String, from service: String, _ payload: some Encodable, traceparent: String? = nil) async throws {
        let type = CloudEvent.type(routingKey: routingKey)
        let event = CloudEvent(
            id: UUID().uuidString.lowercased(), source: "/guichet/\(service)", type: type, time: Date(),
            subject: nil, dataSchema: OutboxRelay.dataSchema(type: type), traceparent: traceparent, data: Array(try EventJSON.encoder.encode(payload))
        )
        #expect(
            try await publisher.publish(event.message(exchange: database.amqpNamespace + EventExchange.of(service: service), appID: "test"))
                == .confirmed)
    }
}

/// Runs `body` with a connected publisher to the test's exchanges.
func withEvents<T: Sendable>(_ database: TestDatabase, _ body: @Sendable (EventSender) async throws -> T) async throws -> T {
    let publisher = AMQPPublisher(settings: database.amqpSettings, topology: try database.topology, logger: TestEnvironment.logger)
    return try await withAMQP([publisher]) {
        try await waitUntilConnected(publisher)
        return try await body(EventSender(publisher: publisher, database: database))
    }
}

/// A published offering open for registration now, as enrolment receives it from the catalogue.
func openOffering(
    seller: UUID = UUID(), code: String = "CAMP-1", priceCents: Int64 = 9_500, capacity: Int = 30, sessions: Int = 1,
    prices: [OfferingPrice]? = nil, items: [OfferingItem]? = nil, taxes: [OfferingTax]? = nil, contract: ContractTerms? = nil,
    eligibility: OfferingEligibility? = nil, details: SessionDetails? = nil, refundPolicy: RefundPolicy? = nil, now: Date = Date()
) -> OfferingEvent {
    OfferingEvent(
        offeringId: UUID(), version: 1, status: "published", sellingOrganisationId: seller, code: code,
        title: .init(fr: "Camp de jour", en: "Day camp"), basePrice: .init(amountCents: priceCents),
        registrationOpensAt: now - 86_400, registrationClosesAt: now + 30 * 86_400,
        sessions: (1...sessions).map {
            .init(
                sessionId: UUID(), name: .init(fr: "Semaine \($0)", en: "Week \($0)"), startsOn: "2027-07-0\($0)", endsOn: "2027-07-0\($0 + 4)",
                capacity: capacity, waitlistSize: 5, details: details)
        },
        prices: prices, items: items, contract: contract, refundPolicy: refundPolicy, eligibility: eligibility, taxes: taxes)
}

extension EventSender {
    /// Sends the offering and waits until enrolment holds its seats rows.
    func publish(_ offering: OfferingEvent) async throws {
        try await send(EventName.offeringPublished, from: "catalogue", offering)
        let sessions = offering.sessions.map { "'\($0.sessionId.uuidString.lowercased())'" }.joined(separator: ",")
        try await eventually("enrolment knows the offering") {
            try await database.count(
                "SELECT count(*) FROM enrolment.session_seats s JOIN enrolment.offerings o ON o.id = s.offering_id WHERE s.session_id IN (\(sessions)) AND o.version = \(offering.version)"
            ) == offering.sessions.count
        }
    }

    /// A verified account as identity announces it; waits until enrolment has the contact.
    func verifiedAccount(_ account: UUID, email: String) async throws {
        try await send(
            EventName.accountVerified, from: "identity",
            AccountContactEvent(accountId: account, version: 1, email: email, firstName: "Léa", lastName: "Tremblay", language: "fr"))
        try await eventually("enrolment knows the account") {
            try await database.count("SELECT count(*) FROM enrolment.account_contacts WHERE account_id = '\(account.uuidString.lowercased())'") == 1
        }
    }

    func charge(_ checkout: String, amountCents: Int64, succeeded: Bool, paymentId: UUID = UUID(), retryable: Bool? = nil) async throws {
        try await send(
            succeeded ? EventName.chargeSucceeded : EventName.chargeFailed, from: "payment",
            ChargeEvent(
                paymentId: paymentId, version: 1, checkoutId: UUID(uuidString: checkout)!, amount: .init(amountCents: amountCents),
                receiptNumber: succeeded ? "TEST-2026-000001" : nil, reason: succeeded ? nil : "declined", retryable: retryable))
    }
}

extension TestDatabase {
    /// (capacity, held, confirmed) of a session.
    func seats(_ session: UUID) async throws -> (capacity: Int, held: Int, confirmed: Int) {
        try await TestDatabase.admin(database: name) { connection in
            let row = try await connection.query(
                "SELECT capacity, held, confirmed FROM enrolment.session_seats WHERE session_id = \(session)", logger: TestEnvironment.logger
            ).collect().first!
            let (capacity, held, confirmed) = try row.decode((Int, Int, Int).self)
            return (capacity, held, confirmed)
        }
    }
}

/// A guest checkout body for `participants` children in `session`.
func guestCheckout(
    _ offering: OfferingEvent, session: Int = 0, children: [(String, String)] = [("Émile", "2016-03-04")], items: [[String: Any]] = [],
    extra: [String: Any] = [:]
) -> [String: Any] {
    [
        "guest": ["email": "parent@example.org", "firstName": "Marie", "lastName": "Gagnon", "language": "fr"],
        "lines": children.map { child -> [String: Any] in
            var line: [String: Any] = [
                "participant": ["firstName": child.0, "lastName": "Gagnon", "birthDate": child.1],
                "offeringId": offering.offeringId.uuidString, "sessionId": offering.sessions[session].sessionId.uuidString, "items": items,
            ]
            line.merge(extra) { $1 }
            return line
        },
    ]
}

func postCheckout(
    _ client: any TestClientProtocol, _ body: [String: Any], key: String = UUID().uuidString, token: String? = nil
) async throws -> TestResponse {
    var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: key]
    if let token { headers[.authorization] = "Bearer \(token)" }
    return try await client.execute(uri: "/v1/checkouts", method: .post, headers: headers, body: jsonBody(body))
}

/// A guardian adds a child (Noé Roy), puts them in the cart for the offering's first session and checks out;
/// returns the checkout's id.
func checkOutOneChild(_ enrolment: any TestClientProtocol, _ offering: OfferingEvent, token: String) async throws -> String {
    let child = try await enrolment.execute(
        uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
        body: jsonBody(["firstName": "Noé", "lastName": "Roy", "birthDate": "2016-01-01"]))
    let line: [String: Any] = [
        "participantId": try #require(try child.json()["id"] as? String), "offeringId": offering.offeringId.uuidString,
        "sessionId": offering.sessions[0].sessionId.uuidString,
    ]
    _ = try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true), body: jsonBody(line))
    return try #require(
        try await postCheckout(enrolment, ["sellingOrganisationId": offering.sellingOrganisationId.uuidString], token: token).json()["id"] as? String)
}
