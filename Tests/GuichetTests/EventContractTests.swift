import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Messaging
import Testing

@testable import Catalogue
@testable import Identity
@testable import Enrolment
@testable import Payment

/// What the services really publish matches the committed contracts (deploy/events): every message on
/// the exchanges is captured and checked by deploy/events/validate.py against its JSON Schema.
@Suite struct EventContractTests {
    @Test func publishedEventsMatchTheirSchemas() async throws {
        try await TestDatabase.withDatabase { database in
            let capture = Topology(
                queues: [.init(name: database.amqpNamespace + "capture", durable: false)],
                bindings: ["identity", "catalogue", "enrolment", "payment"].map {
                    .init(
                        source: database.amqpNamespace + EventExchange.of(service: $0), destination: database.amqpNamespace + "capture",
                        routingKey: "#")
                })
            try AMQPAdmin.declare(try database.topology, settings: database.amqpSettings)
            try AMQPAdmin.declare(capture, settings: database.amqpSettings)
            defer { try? AMQPAdmin.delete(capture, settings: database.amqpSettings) }

            let organisation = UUID()
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "admin")])
            try await withService(CatalogueService.self, on: database) { catalogue in
                for (code, price) in [("601-103-MQ", 0), ("058-402", 26_000)] {
                    let id = try await createOffering(
                        on: catalogue, staff: staff, organisation: organisation, code: code, titleFr: "Écriture et littérature",
                        priceCents: price, capacity: 40,
                        extra: [
                            "registrationOpensAt": "2026-01-01T09:00:00-05:00", "registrationClosesAt": "2027-06-15T23:59:00-04:00",
                            "sessions": [
                                [
                                    "name": ["fr": "Groupe 01", "en": "Group 01"], "startsOn": "2027-08-20", "endsOn": "2027-12-15", "capacity": 40,
                                    "waitlistSize": 10,
                                ]
                            ],
                            "taxes": price == 0 ? [] : [["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5"]],
                        ])
                    #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
                }
                let admin = try await TestKeys.shared.token(for: UUID(), isAdmin: true)
                let created = try await catalogue.execute(
                    uri: "/v1/organisations", method: .post, headers: bearer(admin, json: true),
                    body: jsonBody([
                        "kind": "college", "shortCode": "CEGEP-TR", "name": ["fr": "Cégep de Trois-Rivières", "en": "Cégep de Trois-Rivières"],
                    ]))
                #expect(created.status == .created)
                try await eventually("the relay published all three") {
                    try await database.count("SELECT count(*) FROM catalogue.outbox WHERE published_at IS NOT NULL") == 3
                }
            }
            // (offering, session) of the free course and of the paid one, for enrolment below.
            let offerings = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query(
                    "SELECT o.id::text, s.id::text FROM catalogue.offerings o JOIN catalogue.sessions s ON s.offering_id = o.id ORDER BY o.code",
                    logger: TestEnvironment.logger
                ).collect().map { try $0.decode((String, String).self) }
            }
            // Identity: verified, updated, deleted.
            try await withService(IdentityService.self, on: database) { client in
                let identity = IdentityDriver(client: client, database: database)
                let (_, access, _) = try await identity.verifiedAccount("contrat@example.ca")
                let patched = try await client.execute(
                    uri: "/v1/me", method: .patch, headers: bearer(access, json: true), body: jsonBody(["lastName": "Côté-Roy"]))
                #expect(patched.status == .ok)
                #expect(try await identity.post("/v1/me/deletion", ["password": IdentityDriver.password], token: access).status == .noContent)
                try await eventually("the relay published identity's three") {
                    try await database.count("SELECT count(*) FROM identity.outbox WHERE published_at IS NOT NULL") == 3
                }
            }

            // Enrolment: a free registration confirmed at once; a paid checkout requested, then expired.
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await eventually("enrolment received both offerings") {
                    try await database.count("SELECT count(*) FROM enrolment.session_seats") == 2
                }
                for (offering, session) in offerings {
                    let body: [String: Any] = [
                        "guest": ["email": "parent@example.org", "firstName": "Marie", "lastName": "Gagnon"],
                        "lines": [
                            [
                                "participant": ["firstName": "Léo", "lastName": "Gagnon", "birthDate": "2008-01-02"], "offeringId": offering,
                                "sessionId": session,
                            ]
                        ],
                    ]
                    #expect(try await postCheckout(enrolment, body).status == .created)
                }
                try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() - interval '1 second'")
                try await eventually("the relay published enrolment's seven") {
                    try await database.count("SELECT count(*) FROM enrolment.outbox WHERE published_at IS NOT NULL") == 7
                }
            }

            // Payment: a declined card, a charge, a staff refund (the checkout announced as enrolment would).
            try await withSandbox { sandbox in
                try await withService(PaymentService.self, on: database, environment: sandbox.environment) { payment in
                    let payer = UUID()
                    let token = try await TestKeys.shared.token(for: payer)
                    let checkout = checkoutEvent(
                        seller: organisation, payer: .init(accountId: payer, email: "payeur@example.org", name: "Marie", language: "fr"))
                    try await withEvents(database) { events in try await events.checkout(checkout) }
                    _ = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4000000000000002"), bearer: token)
                    let paid = try await pay(
                        payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    let id = try #require(try paid.json()["id"] as? String)
                    var headers = bearer(staff, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                    let refunded = try await payment.execute(
                        uri: "/v1/payments/\(id)/refunds", method: .post, headers: headers,
                        body: jsonBody(["amountCents": 500, "reason": "Geste commercial"]))
                    #expect(refunded.status == .accepted, "\(refunded.text)")
                    try await eventually("the relay published payment's three") {
                        try await database.count("SELECT count(*) FROM payment.outbox WHERE published_at IS NOT NULL") == 3
                    }
                }
            }

            let consumer = AMQPConsumer(queue: "capture", settings: database.amqpSettings, topology: capture, logger: TestEnvironment.logger)
            let captured: [String] = try await withAMQP([consumer]) {
                try await withTimeout("the seventeen events are captured") {
                    var captured: [String] = []
                    for await delivery in consumer.deliveries {
                        let record: [String: Any] = [
                            "headers": delivery.headers, "contentType": delivery.contentType ?? "",
                            "body": String(decoding: delivery.body, as: UTF8.self),
                        ]
                        captured.append(String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self))
                        consumer.ack(delivery)
                        if captured.count == 17 { break }
                    }
                    return captured
                }
            }
            let (status, output) = try runValidator(input: captured.joined(separator: "\n"))
            #expect(status == 0, "\(output)")
            #expect(output.contains("17 conform, 0 do not"), "\(output)")
            // Seat counts go through the outbox like every other event, and are checked with them.
            #expect(captured.filter { $0.contains("ca.guichet.enrolment.session.seats_changed.v1") }.count >= 3)

            // The validator does reject what breaks the contract.
            let broken = captured[0].replacingOccurrences(of: #"\"currency\":\"CAD\""#, with: #"\"currency\":\"USD\""#)
            let (brokenStatus, brokenOutput) = try runValidator(input: broken)
            #expect(brokenStatus == 1, "\(brokenOutput)")
        }
    }

    private func runValidator(input: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestEnvironment.repositoryRoot.appendingPathComponent("deploy/events/validate.py").path]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

/// Tax arithmetic shared by enrolment and payment: thousandths of a percent, rounded half up per line.
@Suite struct OfferingTaxTests {
    @Test func ratesParseAndRoundHalfUp() {
        let qst = OfferingTax(code: "QST", name: .init(fr: "TVQ", en: "QST"), percent: "9.975")
        #expect(qst.milliPercent == 9_975)
        #expect(qst.amountCents(on: 1_000) == 100, "99.75 ¢ rounds up")
        #expect(qst.amountCents(on: 9_500) == 948, "947.625 ¢ rounds up")
        #expect(OfferingTax(code: "GST", name: .init(fr: "TPS", en: "GST"), percent: "5").amountCents(on: 9_500) == 475)
        #expect(OfferingTax(code: "X", name: .init(fr: "", en: ""), percent: "0.5").milliPercent == 500)
        for bad in ["", "9,975", "100", "5.0001", "-5", ".5", "5."] {
            #expect(OfferingTax(code: "X", name: .init(fr: "", en: ""), percent: bad).milliPercent == nil, "\(bad)")
        }
    }
}
