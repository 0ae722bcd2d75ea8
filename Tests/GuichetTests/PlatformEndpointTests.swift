import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Catalogue
@testable import Enrolment
@testable import Identity
@testable import Payment
@testable import Portal

/// What every service serves the same way: health, readiness, metrics, its OpenAPI document, problems.
@Suite struct PlatformEndpointTests {
    nonisolated(unsafe) static let services: [any ServiceDefinition.Type] = [
        IdentityService.self, CatalogueService.self, EnrolmentService.self, PaymentService.self, PortalService.self,
    ]

    @Test(arguments: ["identity", "catalogue", "enrolment", "payment", "portal"])
    func healthReadinessMetricsAndSpec(service: String) async throws {
        let definition = try #require(Self.services.first { $0.name == service })
        try await check(definition)
    }

    private func check<Definition: ServiceDefinition>(_ definition: Definition.Type) async throws {
        let name = Definition.name
        try await withService(definition) { client, _ in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.text.contains(#""service":"\#(name)""#))

            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok, "\(ready.text)")
            let checks = try ready.json()["checks"] as? [String: [String: Any]]
            #expect(checks?["database"]?["up"] as? Bool == true)

            let spec = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(spec.status == .ok)
            #expect(spec.text.hasPrefix("openapi: \"3.1.0\""))
            #expect(spec.text.contains("title: Guichet \(name)"))

            let missing = try await client.execute(uri: "/v1/nothing-here", method: .get)
            if name == "portal" {
                // People read the portal: its 404 is a page, in their language.
                #expect(missing.status == .notFound && missing.headers[.contentType] == "text/html; charset=utf-8")
                // A value the document refuses is a page too (in English here, as the browser asks), and so is a method it does not serve.
                let tooLong = try await client.execute(
                    uri: "/activites?q=" + String(repeating: "a", count: 201), method: .get, headers: [.acceptLanguage: "en-CA"])
                #expect(tooLong.status == .badRequest && tooLong.headers[.contentType] == "text/html; charset=utf-8")
                #expect(tooLong.text.contains("<h1>Address not valid</h1>"))
                let posted = try await client.execute(uri: "/activites", method: .delete)
                #expect(posted.status == .methodNotAllowed && posted.text.contains("<h1>Adresse non valide</h1>"))
            } else {
                try missing.problem("/problems/not-found", status: .notFound)
            }

            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("hb_requests"), "\(metrics.text.prefix(500))")
        }
    }

    @Test func readinessFailsUntilTheSchemaIsMigrated() async throws {
        try await withService(CatalogueService.self, migrateOnStart: false) { client, database in
            // Never ready; under a loaded machine the first checks may time out (2 s) before saying why.
            var ready = try await client.execute(uri: "/readyz", method: .get)
            for _ in 0..<20 where !ready.text.contains("expected") {
                #expect(ready.status == .serviceUnavailable)
                try await Task.sleep(for: .milliseconds(500))
                ready = try await client.execute(uri: "/readyz", method: .get)
            }
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.text.contains("expected \(CatalogueService.migrations.last!.version)"), "\(ready.text)")
            // Once an operator runs `migrate`, the same process becomes ready.
            let settings = try database.settings(service: "catalogue")
            let migrator = try Migrator(schema: "catalogue", migrations: CatalogueService.migrations)
            let postgres = settings.database.makeClient(logger: TestEnvironment.logger)
            try await withRunning(postgres) {
                try await migrator.apply(client: postgres, logger: TestEnvironment.logger)
            }
            let after = try await client.execute(uri: "/readyz", method: .get)
            #expect(after.status == .ok, "\(after.text)")
        }
    }

    @Test func requestIDIsEchoedOrMade() async throws {
        try await withService(CatalogueService.self) { client, _ in
            let given = try await client.execute(uri: "/healthz", method: .get, headers: [.xRequestID: "abc-123"])
            #expect(given.headers[.xRequestID] == "abc-123")
            let unsafe = try await client.execute(uri: "/healthz", method: .get, headers: [.xRequestID: "bad id\u{7}"])
            #expect(unsafe.headers[.xRequestID] != "bad id\u{7}")
            #expect(unsafe.headers[.xRequestID]?.count == 36)
        }
    }
}
