import Foundation
import PostgresNIO
import ServiceKit
import Testing

@testable import Catalogue
#if canImport(Glibc)
    import Glibc
#endif

/// Tests that start and signal real service processes. Serialized, and each works on its own
/// processes and database only, so tests running beside them are not disturbed.
@Suite(.serialized) struct LifecycleTests {
    /// SIGTERM while a request is half received: the server stops accepting new connections,
    /// finishes the accepted request, commits its effect, then exits cleanly.
    @Test func sigtermFinishesTheRequestInFlight() async throws {
        try await TestDatabase.withDatabase { database in
            let port = ServiceProcess.freePort()
            let service = try ServiceProcess(
                executable: "guichet-enrolment", environment: database.environment(service: "enrolment", port: port), port: port)
            defer { if service.process.isRunning { kill(service.process.processIdentifier, SIGKILL) } }
            try await service.waitUntilReady()

            let guardian = UUID()
            let token = try await TestKeys.shared.token(for: guardian)
            let body = #"{"firstName":"Jade","lastName":"Bouchard","birthDate":"2014-06-01"}"#
            let split = body.index(body.startIndex, offsetBy: 20)
            let inFlight = try RawHTTP.connect(port: port)
            inFlight.send(
                "POST /v1/participants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                    + body[..<split])
            try await Task.sleep(for: .milliseconds(300))

            service.terminate()
            try await Task.sleep(for: .milliseconds(500))
            #expect(service.process.isRunning, "the service waits for the request in flight")
            #expect(throws: RawHTTP.ConnectionRefused.self, "no new connection once shutting down") {
                _ = try RawHTTP.connect(port: port)
            }

            inFlight.send(String(body[split...]))
            let response = try #require(inFlight.readResponse(), "the accepted request gets its answer")
            #expect(response.status == 201, "\(response.head)\n\(response.body)")

            let status = try await service.waitForExit()
            #expect(status == 0, "\(service.log())")
            let stored = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query(
                    "SELECT count(*) FROM enrolment.participant_guardians WHERE account_id = \(guardian)", logger: TestEnvironment.logger
                ).collect().first!.decode(Int.self)
            }
            #expect(stored == 1)
        }
    }

    /// Two processes of one service started at the same moment on an empty schema both become ready;
    /// the migrations ran once.
    @Test func twoInstancesStartingTogetherMigrateOnce() async throws {
        try await TestDatabase.withDatabase { database in
            let ports = [ServiceProcess.freePort(), ServiceProcess.freePort()]
            let services = try ports.map {
                try ServiceProcess(executable: "guichet-catalogue", environment: database.environment(service: "catalogue", port: $0), port: $0)
            }
            defer { for service in services where service.process.isRunning { kill(service.process.processIdentifier, SIGKILL) } }
            for service in services { try await service.waitUntilReady() }
            let recorded = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query("SELECT count(*) FROM catalogue.schema_migrations", logger: TestEnvironment.logger)
                    .collect().first!.decode(Int.self)
            }
            #expect(recorded == CatalogueService.migrations.count)
            for service in services {
                service.terminate()
                #expect(try await service.waitForExit() == 0)
            }
        }
    }
}
