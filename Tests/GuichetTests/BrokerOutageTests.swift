import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Catalogue
@testable import Enrolment

/// Stops the shared RabbitMQ node's application, so deploy/test.sh runs this suite on its own, after the others.
@Suite(.serialized) struct BrokerOutageTests {
    /// Published while RabbitMQ is stopped: the request succeeds, the event waits in the outbox, and when
    /// the broker is back the effect happens in enrolment exactly once.
    @Test func anEventAcceptedWhileRabbitMQIsDownArrivesOnceItReturns() async throws {
        try await TestDatabase.withDatabase { database in
            let organisation = UUID()
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
            try await withService(EnrolmentService.self, on: database) { enrolment in
                try await withService(CatalogueService.self, on: database) { catalogue in
                    try await eventually("both services reach RabbitMQ") {
                        try await catalogue.execute(uri: "/readyz", method: .get).text.contains(
                            #""rabbitmq":{"detail":"publisher connected","up":true}"#)
                    }
                    let id = try await createOffering(on: catalogue, staff: staff, organisation: organisation, code: "CAMP-1")

                    try rabbitmqctl("stop_app")
                    do {
                        try await eventually("the publisher notices") {
                            try await catalogue.execute(uri: "/readyz", method: .get).text.contains(#""up":false"#)
                        }
                        let ready = try await catalogue.execute(uri: "/readyz", method: .get)
                        #expect(ready.status == .ok, "RabbitMQ down does not make the service unready: \(ready.text)")
                        let published = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
                        #expect(published.status == .ok, "\(published.text)")
                        try await Task.sleep(for: .seconds(1))
                        #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE published_at IS NULL") == 1)
                    } catch {
                        try rabbitmqctl("start_app")
                        throw error
                    }
                    try rabbitmqctl("start_app")

                    try await eventually("enrolment has the offering", timeout: .seconds(60)) {
                        try await enrolment.execute(uri: "/v1/offerings/\(id)", method: .get).status == .ok
                    }
                    #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE published_at IS NULL") == 0)
                    #expect(try await database.count("SELECT count(*) FROM enrolment.inbox") == 1)
                }
            }
        }
    }

    private func rabbitmqctl(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rabbitmqctl", "-q", "-n", TestEnvironment.variables["RABBITMQ_NODE"] ?? "guichet@localhost", command]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "rabbitmqctl \(command) failed")
    }
}
