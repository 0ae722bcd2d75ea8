import Database
import Foundation
import Hummingbird
import Logging
import Messaging
import PostgresNIO

/// A dependency checked by `/readyz`. A check that is not `required` is reported but never makes
/// the service unready (RabbitMQ: the outbox absorbs its outages).
public protocol ReadinessCheck: Sendable {
    var name: String { get }
    var required: Bool { get }
    func check() async -> ReadinessResult
}

public struct ReadinessResult: Codable, Sendable {
    public var up: Bool
    public var detail: String?

    public init(up: Bool, detail: String? = nil) {
        self.up = up
        self.detail = detail
    }
}

/// PostgreSQL answers and the schema is at the version this build expects.
struct DatabaseReadinessCheck: ReadinessCheck {
    let client: PostgresClient
    let migrator: Migrator
    let logger: Logger
    var name: String { "database" }
    var required: Bool { true }

    func check() async -> ReadinessResult {
        do {
            let applied = try await withTimeout(.seconds(2)) {
                try await migrator.appliedVersion(client: client, logger: logger)
            }
            // No migration table yet is version 0: ready only for a service that has no migrations (the portal).
            let version = applied ?? 0
            guard version >= migrator.latestVersion else {
                return .init(up: false, detail: "schema at version \(version), expected \(migrator.latestVersion)")
            }
            return .init(up: true, detail: "schema at version \(version)")
        } catch {
            return .init(up: false, detail: "PostgreSQL unreachable")
        }
    }
}

/// RabbitMQ is reported, never required: the outbox keeps events while it is away.
struct BrokerReadinessCheck: ReadinessCheck {
    let publisher: AMQPPublisher
    var name: String { "rabbitmq" }
    var required: Bool { false }

    func check() async -> ReadinessResult {
        publisher.isConnected
            ? .init(up: true, detail: "publisher connected")
            : .init(up: false, detail: "publisher not connected; events wait in the outbox")
    }
}

struct TimeoutError: Error {}

func withTimeout<T: Sendable>(_ duration: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

enum HealthRoutes {
    struct ReadinessBody: Encodable {
        var status: String
        var checks: [String: ReadinessResult]
    }

    static func add(to router: Router<GuichetRequestContext>, service: String, checks: [any ReadinessCheck], openAPI: [UInt8]) {
        router.get("/healthz") { _, _ -> Response in
            jsonResponse(#"{"status":"alive","service":"\#(service)"}"#, status: .ok)
        }
        router.get("/readyz") { _, _ -> Response in
            let results = await withTaskGroup(of: (any ReadinessCheck, ReadinessResult).self) { group in
                for check in checks { group.addTask { (check, await check.check()) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let ready = results.allSatisfy { !$0.0.required || $0.1.up }
            let body = ReadinessBody(
                status: ready ? "ready" : "unready",
                checks: Dictionary(uniqueKeysWithValues: results.map { ($0.0.name, $0.1) }))
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = (try? encoder.encode(body)) ?? Data()
            return jsonResponse(String(decoding: data, as: UTF8.self), status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/openapi.yaml") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        Observability.addMetricsRoute(to: router)
    }

    static func jsonResponse(_ json: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
