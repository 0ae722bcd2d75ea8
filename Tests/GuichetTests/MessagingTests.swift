import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Messaging
import Outbox
import PostgresNIO
import ServiceKit
import Testing

@testable import Catalogue
@testable import Enrolment

/// rabbitmq-c through the Swift wrapper, the envelope, and the outbox → RabbitMQ → inbox path,
/// on the shared broker with a namespace of exchanges and queues per test.
@Suite struct MessagingTests {
    @Test func publisherConfirmsConsumerAcksAndUnroutableIsReturned() async throws {
        try await TestDatabase.withDatabase { database in
            let topology = try database.topology
            let publisher = AMQPPublisher(settings: database.amqpSettings, topology: topology, logger: TestEnvironment.logger)
            let consumer = AMQPConsumer(queue: "enrolment.inbox", settings: database.amqpSettings, topology: topology, logger: TestEnvironment.logger)
            try await withAMQP([publisher, consumer]) {
                try await waitUntilConnected(publisher)
                let exchange = database.amqpNamespace + "guichet.catalogue"
                let events = try (0..<50).map { _ in try offeringEvent(offeringId: UUID(), version: 1) }
                let outcomes = try await withThrowingTaskGroup(of: PublishOutcome.self) { group in
                    for event in events {
                        group.addTask { try await publisher.publish(event.message(exchange: exchange, appID: "/guichet/catalogue")) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.count == 50 && outcomes.allSatisfy { $0 == .confirmed })

                var received: [CloudEvent] = []
                for await delivery in consumer.deliveries {
                    let event = try CloudEvent(delivery: delivery)
                    #expect(delivery.routingKey == "catalogue.offering.published")
                    #expect(delivery.messageID == event.id)
                    #expect(delivery.contentType == "application/json")
                    #expect(delivery.headers["cloudEvents_specversion"] == "1.0")
                    received.append(event)
                    consumer.ack(delivery)
                    if received.count == events.count { break }
                }
                #expect(Set(received.map(\.id)) == Set(events.map(\.id)))
                #expect(received.first?.type == "ca.guichet.catalogue.offering.published.v1")

                // No queue is bound to this key: the broker returns it, and it is counted.
                let unroutable = try offeringEvent(offeringId: UUID(), version: 1)
                var message = unroutable.message(exchange: exchange, appID: "/guichet/catalogue")
                message.routingKey = "catalogue.nothing.bound"
                #expect(try await publisher.publish(message) == .returned)
                #expect(Observability.registry.emitToString().contains("guichet_amqp_returned_total"))
                try await eventually("acks reach the broker") { try database.messageCount(queue: "enrolment.inbox") == 0 }
            }
        }
    }

    @Test func amqpsVerifiesTheBrokersCertificate() async throws {
        let caFile = TestEnvironment.dataDirectory + "/rabbitmq/tls/ca.pem"
        try #require(FileManager.default.fileExists(atPath: caFile), "deploy/servers.sh makes the broker's TLS certificate: \(caFile)")
        try await TestDatabase.withDatabase { database in
            var settings = try AMQPSettings(
                url: "amqps://guest:guest@localhost:\(TestEnvironment.amqpTLSPort)/", caCertificateFile: caFile,
                topologyFile: TestEnvironment.topologyFile, namespace: database.amqpNamespace)
            let publisher = AMQPPublisher(settings: settings, topology: try database.topology, logger: TestEnvironment.logger)
            try await withAMQP([publisher]) {
                try await waitUntilConnected(publisher)
                let event = try offeringEvent(offeringId: UUID(), version: 1)
                #expect(
                    try await publisher.publish(event.message(exchange: database.amqpNamespace + "guichet.catalogue", appID: "test")) == .confirmed)
            }
            // The same broker, trusted through the wrong authority: no connection.
            settings.caCertificateFile = "/etc/ssl/certs/ca-certificates.crt"
            let untrusting = AMQPPublisher(settings: settings, topology: try database.topology, logger: TestEnvironment.logger)
            try await withAMQP([untrusting]) {
                try await Task.sleep(for: .seconds(2))
                #expect(!untrusting.isConnected)
            }
        }
    }

    /// A staff member publishes an offering in the catalogue; enrolment's copy appears, once.
    @Test func anOfferingPublishedInTheCatalogueReachesEnrolmentOnce() async throws {
        try await TestDatabase.withDatabase { database in
            let organisation = UUID()
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await withService(CatalogueService.self, on: database) { catalogue in
                    let id = try await createOffering(
                        on: catalogue, staff: staff, organisation: organisation, code: "058-402", titleFr: "Anglais 5e secondaire",
                        priceCents: 27_500, capacity: 25)
                    let before = try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get)
                    try before.problem("/problems/not-found", status: .notFound)

                    let published = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
                    #expect(published.status == .ok, "\(published.text)")
                    #expect(try published.json()["version"] as? Int == 2)
                    let again = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
                    try again.problem("/problems/offering-not-draft", status: .conflict)

                    try await eventually("enrolment has the offering") {
                        try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).status == .ok
                    }
                    let copy = try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).json()
                    #expect(copy["version"] as? Int == 2)
                    #expect(copy["basePriceCents"] as? Int == 27_500)
                    #expect((copy["sessions"] as? [[String: Any]])?.first?["capacity"] as? Int == 25)
                    #expect(try await database.count("SELECT count(*) FROM enrolment.inbox") == 1)
                    #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE published_at IS NULL") == 0)
                }
            }
        }
    }

    @Test func onlyStaffOfTheSellingOrganisationCreateOfferings() async throws {
        try await withService(CatalogueService.self) { catalogue, database in
            let organisation = UUID()
            let parent = try await TestKeys.shared.token(for: UUID())
            let otherStaff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            let body: [String: Any] = [
                "sellingOrganisationId": organisation.uuidString, "code": "X", "title": ["fr": "A", "en": "A"],
                "basePrice": ["amountCents": 100, "currency": "CAD"],
                "sessions": [["name": ["fr": "S", "en": "S"], "startsOn": "2027-01-01", "endsOn": "2027-01-02", "capacity": 1]],
            ]
            for token in [parent, otherStaff] {
                let refused = try await catalogue.execute(
                    uri: "/v1/offerings", method: .post, headers: bearer(token, json: true), body: jsonBody(body))
                try refused.problem("/problems/forbidden", status: .forbidden)
            }
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
            var invalid = body
            invalid["basePrice"] = ["amountCents": -1, "currency": "CAD"]
            invalid["sessions"] = [["name": ["fr": "S", "en": "S"], "startsOn": "2027-01-05", "endsOn": "2027-01-02", "capacity": 1]]
            let refused = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true), body: jsonBody(invalid))
            try refused.problem("/problems/invalid-request", status: .badRequest)
            #expect(try refused.fieldErrors() == ["basePrice.amountCents": "outOfRange"])
            invalid["basePrice"] = ["amountCents": 100, "currency": "CAD"]
            let refusedByRules = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true), body: jsonBody(invalid))
            try refusedByRules.problem("/problems/validation", status: .unprocessableContent)
            #expect(try refusedByRules.fieldErrors() == ["sessions[0].endsOn": "beforeStart"])
            #expect(try await database.count("SELECT count(*) FROM catalogue.offerings") == 0)
        }
    }

    /// The same event twice, an older version after a newer one, and a poison event: the effect happens
    /// once, the newer version stays, the poison is parked after its retries, and events behind it flow.
    @Test func duplicatesOlderVersionsAndPoisonEvents() async throws {
        try await TestDatabase.withDatabase { database in
            let publisher = AMQPPublisher(settings: database.amqpSettings, topology: try database.topology, logger: TestEnvironment.logger)
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await withAMQP([publisher]) {
                    try await waitUntilConnected(publisher)
                    let exchange = database.amqpNamespace + "guichet.catalogue"
                    func send(_ event: CloudEvent) async throws {
                        #expect(try await publisher.publish(event.message(exchange: exchange, appID: "test")) == .confirmed)
                    }
                    let offering = UUID()
                    let newer = try offeringEvent(offeringId: offering, version: 3, title: "Version 3")
                    try await send(newer)
                    try await send(newer)
                    try await send(try offeringEvent(offeringId: offering, version: 2, title: "Version 2"))
                    let poison = try offeringEvent(offeringId: UUID(), version: 1, data: Array(#"{"offeringId": 42}"#.utf8))
                    try await send(poison)
                    let behind = UUID()
                    try await send(try offeringEvent(offeringId: behind, version: 1))

                    try await eventually("the event behind the poison is applied") {
                        try await enrolment.execute(uri: "/v1/offerings/\(behind)", method: .get).status == .ok
                    }
                    let kept = try await enrolment.execute(uri: "/v1/offerings/\(offering)", method: .get).json()
                    #expect(kept["version"] as? Int == 3)
                    #expect((kept["title"] as? [String: String])?["fr"] == "Version 3")
                    #expect(try await database.count("SELECT count(*) FROM enrolment.inbox WHERE event_id = '\(newer.id)'") == 1)

                    try await eventually("the poison event is parked after its retries", timeout: .seconds(30)) {
                        try database.messageCount(queue: "enrolment.inbox.parking") == 1
                    }
                    #expect(try await database.count("SELECT count(*) FROM enrolment.inbox WHERE event_id = '\(poison.id)'") == 0)
                    #expect(try database.messageCount(queue: "enrolment.inbox") == 0)
                }
            }
        }
    }

    /// A consumer that dies before acknowledging: the broker redelivers, and the effect happens once.
    @Test func aConsumerDyingBeforeItsAckLosesNothing() async throws {
        try await TestDatabase.withDatabase { database in
            let topology = try database.topology
            let publisher = AMQPPublisher(settings: database.amqpSettings, topology: topology, logger: TestEnvironment.logger)
            let offering = UUID()
            let event = try offeringEvent(offeringId: offering, version: 1)
            let dying = AMQPConsumer(queue: "enrolment.inbox", settings: database.amqpSettings, topology: topology, logger: TestEnvironment.logger)
            try await withAMQP([publisher, dying]) {
                try await waitUntilConnected(publisher)
                _ = try await publisher.publish(event.message(exchange: database.amqpNamespace + "guichet.catalogue", appID: "test"))
                var iterator = dying.deliveries.makeAsyncIterator()
                let first = try #require(await iterator.next())
                #expect(!first.redelivered)
                dying.stop()  // gone without an ack
            }
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await eventually("the redelivered event is applied") {
                    try await enrolment.execute(uri: "/v1/offerings/\(offering)", method: .get).status == .ok
                }
                #expect(try await database.count("SELECT count(*) FROM enrolment.inbox") == 1)
            }
        }
    }

    /// With a 1 s heartbeat, a publisher idle for 5 s keeps its connection: the owning thread services
    /// heartbeats between publishes (the broker closes a connection after two missed ones).
    @Test func anIdleConnectionStaysUpThroughHeartbeats() async throws {
        try await TestDatabase.withDatabase { database in
            var settings = database.amqpSettings
            settings.heartbeatSeconds = 1
            let publisher = AMQPPublisher(settings: settings, topology: try database.topology, logger: TestEnvironment.logger)
            try await withAMQP([publisher]) {
                try await waitUntilConnected(publisher)
                try await Task.sleep(for: .seconds(5))
                let event = try offeringEvent(offeringId: UUID(), version: 1)
                #expect(
                    try await publisher.publish(event.message(exchange: database.amqpNamespace + "guichet.catalogue", appID: "test")) == .confirmed)
                #expect(publisher.connectionCount == 1, "no reconnection was needed")
            }
        }
    }

    /// After a consumer loses its copy, `republish` records the producer's current state again and the
    /// copy is rebuilt.
    @Test func republishRebuildsALostProjection() async throws {
        try await TestDatabase.withDatabase { database in
            let organisation = UUID()
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await withService(CatalogueService.self, on: database) { catalogue in
                    let id = try await createOffering(
                        on: catalogue, staff: staff, organisation: organisation, code: "MACARONI", titleFr: "Dîner macaroni",
                        priceCents: 550, capacity: 300)
                    _ = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
                    try await eventually("enrolment has the offering") {
                        try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).status == .ok
                    }
                    try await TestDatabase.admin(database: database.name) { connection in
                        try await connection.query("DELETE FROM enrolment.offerings", logger: TestEnvironment.logger)
                    }
                    #expect(try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).status == .notFound)

                    let postgres = try database.serviceClient("catalogue")
                    let count = try await withRunning(postgres) {
                        try await PostgresOfferingRepository(client: postgres, logger: TestEnvironment.logger).republishAll(at: Date())
                    }
                    #expect(count == 1)
                    try await eventually("the copy is rebuilt") {
                        try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).status == .ok
                    }
                    #expect(try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).json()["version"] as? Int == 2)
                }
            }
        }
    }
}
