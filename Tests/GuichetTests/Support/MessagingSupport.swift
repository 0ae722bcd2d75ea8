import Contracts
import HummingbirdTesting
import Foundation
import Messaging
import PostgresNIO
import ServiceLifecycle
import Testing

/// Runs AMQP services (publisher, consumer) for the duration of `body`, then stops them.
func withAMQP<T: Sendable>(_ services: [any Service], _ body: @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        for service in services {
            group.addTask {
                try await service.run()
                return nil
            }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}

func waitUntilConnected(_ publisher: AMQPPublisher) async throws {
    try await eventually("the publisher is connected", timeout: .seconds(15)) { publisher.isConnected }
}

/// An offering event as the catalogue would publish it.
func offeringEvent(
    id: UUID = UUID(), offeringId: UUID, version: Int64, title: String = "Mathématiques 4e",
    data: [UInt8]? = nil
) throws -> CloudEvent {
    let payload = OfferingEvent(
        offeringId: offeringId, version: version, status: "published", sellingOrganisationId: UUID(), code: "063-414",
        title: .init(fr: title, en: "Mathematics 4"), basePrice: .init(amountCents: 25_000), registrationOpensAt: nil,
        registrationClosesAt: nil,
        sessions: [
            .init(
                sessionId: UUID(), name: .init(fr: "Été", en: "Summer"), startsOn: "2027-07-05", endsOn: "2027-07-30", capacity: 30, waitlistSize: 5)
        ])
    return CloudEvent(
        id: id.uuidString.lowercased(), source: "/guichet/catalogue", type: CloudEvent.type(routingKey: EventName.offeringPublished),
        time: Date(), subject: offeringId.uuidString.lowercased(), data: try data ?? Array(EventJSON.encoder.encode(payload)))
}

extension TestDatabase {
    func count(_ sql: String) async throws -> Int {
        try await TestDatabase.admin(database: name) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger).collect().first!.decode(Int.self)
        }
    }

    func messageCount(queue: String) throws -> Int {
        try AMQPAdmin.messageCount(queue: amqpNamespace + queue, settings: amqpSettings)
    }
}

/// Creates a draft offering with one session through the catalogue's API, as staff; returns its id.
func createOffering(
    on catalogue: any TestClientProtocol, staff: String, organisation: UUID, code: String, titleFr: String = "Camp de jour",
    priceCents: Int = 9_500, capacity: Int = 60, extra: [String: Any] = [:]
) async throws -> String {
    var body: [String: Any] = [
        "sellingOrganisationId": organisation.uuidString, "code": code, "title": ["fr": titleFr, "en": "English title"],
        "basePrice": ["amountCents": priceCents, "currency": "CAD"],
        "sessions": [["name": ["fr": "Été 2027", "en": "Summer 2027"], "startsOn": "2027-07-05", "endsOn": "2027-07-30", "capacity": capacity]],
        // What publication asks for: a category, a registration window, a refund policy.
        "categoryId": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006",
        "registrationOpensAt": "2026-01-01T09:00:00-05:00", "registrationClosesAt": "2027-06-30T23:59:00-04:00",
        "refundPolicy": ["kind": "full-before-start"],
    ]
    body.merge(extra) { $1 }
    let created = try await catalogue.execute(uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true), body: jsonBody(body))
    #expect(created.status == .created, "\(created.text)")
    return try #require(try created.json()["id"] as? String, "\(created.text)")
}

/// Runs `body`, failing with `TimedOut` after `timeout`: a broker that never delivers fails the test instead of hanging the run.
func withTimeout<T: Sendable>(
    _ description: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("timed out after \(timeout): \(description)", sourceLocation: sourceLocation)
            throw TimedOut()
        }
        return value
    }
}
