import Contracts
// Events per second through outbox → RabbitMQ → inbox, and outbox-to-effect latency, on real servers.
// Run with deploy/benchmark.sh (it starts the servers); BENCH_EVENTS sets the count (default 5000).
import Database
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import Synchronization

let environment = ProcessInfo.processInfo.environment
let eventCount = Int(environment["BENCH_EVENTS"] ?? "") ?? 5000
let host = environment["POSTGRES_HOST"] ?? "127.0.0.1"
let port = Int(environment["POSTGRES_PORT"] ?? "") ?? 5432
let adminUser = environment["POSTGRES_ADMIN_USER"] ?? "postgres"
let adminPassword = environment["POSTGRES_ADMIN_PASSWORD"] ?? "postgres"
let logger: Logger = {
    var logger = Logger(label: "guichet.benchmark")
    logger.logLevel = .error
    return logger
}()

let database = "guichet_bench_" + UUID().uuidString.prefix(8).lowercased()
let namespace = database + "."

func admin(_ sql: String, database: String = "postgres") async throws {
    let connection = try await PostgresConnection.connect(
        configuration: .init(host: host, port: port, username: adminUser, password: adminPassword, database: database, tls: .disable),
        id: 1, logger: logger)
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    try await connection.close()
}

func client(_ service: String) -> PostgresClient {
    DatabaseSettings(host: host, port: port, database: database, username: "guichet_\(service)", password: "guichet_\(service)", schema: service)
        .makeClient(logger: logger)
}

/// Collects the handler's latencies (effect time minus the event's occurred_at).
final class Latencies: Sendable {
    let values = Mutex<[Double]>([])
    func add(_ value: Double) { values.withLock { $0.append(value) } }
    var count: Int { values.withLock { $0.count } }
}

try await admin(#"CREATE DATABASE "\#(database)" TEMPLATE guichet_test_template"#)
let amqp = try AMQPSettings(
    url: environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:\(environment["AMQP_PORT"] ?? "5672")/",
    topologyFile: environment["AMQP_TOPOLOGY_FILE"] ?? "deploy/rabbitmq/definitions.json", namespace: namespace)
let topology = try amqp.topology()
let catalogue = client("catalogue")
let enrolment = client("enrolment")
let latencies = Latencies()
let publisher = AMQPPublisher(settings: amqp, topology: topology, logger: logger)
let consumerPublisher = AMQPPublisher(settings: amqp, topology: topology, logger: logger)
let consumer = AMQPConsumer(queue: "enrolment.inbox", settings: amqp, topology: topology, logger: logger)
let relay = OutboxRelay(
    client: catalogue, publisher: publisher, exchange: namespace + EventExchange.of(service: "catalogue"), source: "/guichet/catalogue",
    schema: "catalogue", logger: logger)
let inbox = InboxProcessor(
    consumer: consumer, publisher: consumerPublisher, client: enrolment,
    handlers: [
        "catalogue.offering.published": EventHandler([String: String].self) { _, context in
            latencies.add(Date().timeIntervalSince(context.event.time))
        }
    ],
    logger: logger)

try await withThrowingTaskGroup(of: Void.self) { group in
    for service in [catalogue, enrolment] as [PostgresClient] { group.addTask { await service.run() } }
    for migrator in [
        try Migrator(schema: "catalogue", migrations: [OutboxSchema.migration(1)]),
        try Migrator(schema: "enrolment", migrations: [OutboxSchema.migration(1)]),
    ] {
        try await migrator.apply(client: migrator.schema == "catalogue" ? catalogue : enrolment, logger: logger)
    }
    group.addTask { try await publisher.run() }
    group.addTask { try await consumerPublisher.run() }
    group.addTask { try await consumer.run() }
    while !publisher.isConnected || !consumerPublisher.isConnected || !consumer.isConnected {
        try await Task.sleep(for: .milliseconds(50))
    }
    group.addTask { try await relay.run() }
    group.addTask { try await inbox.run() }

    let payload = Array(#"{"offeringId":"00000000-0000-0000-0000-000000000000","version":1}"#.utf8)
    func enqueue(_ count: Int) async throws {
        try await catalogue.withTransaction(logger: logger) { connection in
            for _ in 0..<count {
                var event = try PendingEvent(
                    routingKey: "catalogue.offering.published", subject: nil, occurredAt: Date(), payload: [String: String]())
                event.payload = payload
                try await Outbox.enqueue(event, on: connection, logger: logger)
            }
        }
    }
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // Throughput: a burst of events written in transactions of 100, drained as fast as the path allows.
    let start = ContinuousClock.now
    for batchStart in stride(from: 0, to: eventCount, by: 100) { try await enqueue(min(100, eventCount - batchStart)) }
    while latencies.count < eventCount { try await Task.sleep(for: .milliseconds(10)) }
    let burst = seconds(ContinuousClock.now - start)
    print(
        String(
            format: "throughput: %d events in %.2f s = %.0f events/s (outbox → RabbitMQ with confirms → inbox, each applied in its own transaction)",
            eventCount, burst, Double(eventCount) / burst))

    // Latency: one event committed every 20 ms, so nothing queues behind it.
    let paced = 250
    latencies.values.withLock { $0.removeAll() }
    for _ in 0..<paced {
        try await enqueue(1)
        try await Task.sleep(for: .milliseconds(20))
    }
    while latencies.count < paced { try await Task.sleep(for: .milliseconds(10)) }
    let sorted = latencies.values.withLock { $0 }.sorted()
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
    print(
        String(
            format: "outbox-to-effect latency (%d events, one every 20 ms): p50 %.1f ms, p99 %.1f ms, max %.1f ms", paced, percentile(0.50),
            percentile(0.99), sorted.last! * 1000))
    group.cancelAll()
}
try? AMQPAdmin.delete(topology, settings: amqp)
try await admin(#"DROP DATABASE "\#(database)" WITH (FORCE)"#)
