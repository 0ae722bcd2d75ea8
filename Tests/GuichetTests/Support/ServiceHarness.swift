import Foundation
import Synchronization
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceKit
import Testing

/// Builds a whole service on its own test database and drives it in-process through HummingbirdTesting.
func withService<Definition: ServiceDefinition>(
    _ definition: Definition.Type, clock: any WallClock = SystemWallClock(), migrateOnStart: Bool = true,
    environment: [String: String] = [:], logger: Logger = TestEnvironment.logger,
    _ body: @Sendable (any TestClientProtocol, TestDatabase) async throws -> Void
) async throws {
    try await TestDatabase.withDatabase { database in
        try await withService(
            definition, on: database, clock: clock, migrateOnStart: migrateOnStart, environment: environment, logger: logger
        ) { client in
            try await body(client, database)
        }
    }
}

/// The same on a database (and broker namespace) the caller owns, so several services can share them.
func withService<Definition: ServiceDefinition>(
    _ definition: Definition.Type, on database: TestDatabase, clock: any WallClock = SystemWallClock(),
    migrateOnStart: Bool = true, environment: [String: String] = [:], live: Bool = false, logger: Logger = TestEnvironment.logger,
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let settings = try database.settings(service: Definition.name, migrateOnStart: migrateOnStart, extra: environment)
    let app = try await GuichetService.buildApplication(definition, settings: settings, clock: clock, logger: logger)
    // Live: on a real port, for a service another one calls over HTTP (the portal calls identity).
    // A failing body's error is carried out of the test framework rather than thrown through it, so the service
    // shuts down gracefully as after a passing body (thrown, it is cancelled instead; twice a failing test's
    // teardown then never ended and the run hung).
    let outcome: Result<Void, any Error> = try await app.test(live ? .live : .router) { client in
        do {
            try await body(client)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
    try outcome.get()
}

/// Waits until `condition` holds, checking every 100 ms; fails the test after `timeout`.
func eventually(
    _ description: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("timed out waiting until \(description)", sourceLocation: sourceLocation)
    throw TimedOut()
}

struct TimedOut: Error {}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(text)")
    }

    /// Checks the response is an RFC 9457 problem of the given type and status, and returns its fields.
    @discardableResult
    func problem(_ type: String, status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(self.status == status, "body: \(text)", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let fields = try json()
        #expect(fields["type"] as? String == type, "body: \(text)", sourceLocation: sourceLocation)
        #expect(fields["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
        #expect((fields["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        let localized = fields["localized"] as? [String: [String: Any]]
        #expect(localized?["fr"]?["title"] is String && localized?["en"]?["title"] is String, sourceLocation: sourceLocation)
        #expect(headers[.xRequestID] != nil, sourceLocation: sourceLocation)
        return fields
    }

    func fieldErrors() throws -> [String: String] {
        let errors = try json()["errors"] as? [[String: Any]] ?? []
        return Dictionary(errors.map { ($0["field"] as! String, $0["code"] as! String) }, uniquingKeysWith: { a, _ in a })
    }
}

func bearer(_ token: String, json: Bool = false) -> HTTPFields {
    var fields: HTTPFields = [.authorization: "Bearer \(token)"]
    if json { fields[.contentType] = "application/json" }
    return fields
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

/// Every line a logger writes, with its metadata, at every level: what a test reads to prove a secret never reaches the logs.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    var logger: Logger {
        Logger(label: "guichet.captured") { label in Handler(label: label, logs: self) }
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let label: String
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            logs.append("\(event.level) \(event.message) \(metadata.merging(event.metadata ?? [:]) { $1 })")
        }
    }
}
