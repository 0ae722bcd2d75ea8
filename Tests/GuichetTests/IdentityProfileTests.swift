import Contracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Messaging
import PostgresNIO
import ServiceKit
import Testing

@testable import Identity

/// One's own account (profile, email, deletion), identity's events, and staff roles.
@Suite struct IdentityProfileTests {
    func routingKeys(_ database: TestDatabase) async throws -> [String] {
        try await TestDatabase.admin(database: database.name) { connection in
            try await connection.query("SELECT routing_key FROM identity.outbox ORDER BY position", logger: TestEnvironment.logger)
                .collect().map { try $0.decode(String.self) }
        }
    }

    @Test func profileEmailChangeAndDeletion() async throws {
        try await withIdentity { identity, clock in
            let email = "profil@example.ca"
            let (accountId, access, refresh) = try await identity.verifiedAccount(email)
            let patched = try await identity.client.execute(
                uri: "/v1/me", method: .patch, headers: bearer(access, json: true),
                body: jsonBody(["lastName": "Tremblay-Roy", "language": "en", "phone": "+1 418 555 0100"]))
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(try patched.json()["lastName"] as? String == "Tremblay-Roy")
            let emptyName = try await identity.client.execute(
                uri: "/v1/me", method: .patch, headers: bearer(access, json: true), body: jsonBody(["firstName": "  "]))
            #expect(try emptyName.fieldErrors()["firstName"] == "required")
            // JSON allows \u0000; PostgreSQL cannot store it: a clear 400 (schemathesis found the 500), nothing changed.
            let nul = try await identity.client.execute(
                uri: "/v1/me", method: .patch, headers: bearer(access, json: true), body: jsonBody(["lastName": "Tremblay\u{0}Roy"]))
            try nul.problem("/problems/invalid-request", status: .badRequest)
            #expect(try nul.fieldErrors() == ["lastName": "invalidCharacter"])
            #expect(try await identity.get("/v1/me", token: access).json()["lastName"] as? String == "Tremblay-Roy")

            // The new address must be proved before it takes effect; the old one is told.
            let newEmail = "nouveau.profil@example.ca"
            try (try await identity.post("/v1/me/email", ["newEmail": newEmail, "password": "Pas-Le-Bon-1"], token: access))
                .problem("/problems/password-incorrect", status: .forbidden)
            #expect(
                try await identity.post("/v1/me/email", ["newEmail": newEmail, "password": IdentityDriver.password], token: access).status
                    == .accepted)
            #expect(try await identity.get("/v1/me", token: access).json()["email"] as? String == email)
            #expect(try await identity.get("/v1/me", token: access).json()["pendingEmail"] as? String == newEmail)
            let codeMail = try await identity.mailbox.waitForMail(to: newEmail)
            #expect(codeMail.subject.hasPrefix("Confirm your new Guichet email"), "in the account's language, now English")
            let confirmed = try await identity.post("/v1/me/email/verification", ["code": try #require(codeMail.code)], token: access)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(try confirmed.json()["email"] as? String == newEmail)
            #expect(try await identity.mailbox.waitForMail(to: email, count: 2).text.contains(newEmail))
            #expect(try await identity.signIn(newEmail).status == .created)

            // Deleting: password required; personal data erased; every session ends; the event is published.
            clock.advance(by: 5)
            try (try await identity.post("/v1/me/deletion", ["password": "Pas-Le-Bon-1"], token: access))
                .problem("/problems/password-incorrect", status: .forbidden)
            #expect(try await identity.post("/v1/me/deletion", ["password": IdentityDriver.password], token: access).status == .noContent)
            try (try await identity.get("/v1/me", token: access)).problem("/problems/invalid-token", status: .unauthorized)
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": refresh])).problem(
                "/problems/refresh-token-invalid", status: .unauthorized)
            try (try await identity.signIn(newEmail)).problem("/problems/sign-in-failed", status: .unauthorized)
            let left = try await identity.database.count(
                "SELECT count(*) FROM identity.accounts WHERE id = '\(accountId)' AND email IS NULL AND first_name IS NULL AND birth_date IS NULL AND password_hash IS NULL AND status = 'deleted'"
            )
            #expect(left == 1)
            #expect(
                try await routingKeys(identity.database) == [
                    EventName.accountVerified, EventName.accountUpdated, EventName.accountUpdated, EventName.accountDeleted,
                ])
            // The address is free again for a new sign-up.
            #expect(try await identity.signUp(newEmail).status == .accepted)
        }
    }

    /// Identity's events reach RabbitMQ through the outbox, and carry no secret.
    @Test func accountEventsArePublishedWithoutSecrets() async throws {
        try await withIdentity { identity, _ in
            let topology = try identity.database.topology
            let consumer = AMQPConsumer(
                queue: "enrolment.inbox", settings: identity.database.amqpSettings, topology: topology, logger: TestEnvironment.logger)
            try await withAMQP([consumer]) {
                _ = try await identity.verifiedAccount("evenement@example.ca")
                let received: Delivery? = try await withTimeout("identity.account.verified is delivered") {
                    var iterator = consumer.deliveries.makeAsyncIterator()
                    return await iterator.next()
                }
                let delivery = try #require(received)
                consumer.ack(delivery)
                let event = try CloudEvent(delivery: delivery)
                #expect(event.type == "ca.guichet.identity.account.verified.v1")
                let payload = try #require(try JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any])
                #expect(Set(payload.keys) == ["accountId", "version", "email", "firstName", "lastName", "language"])
                #expect(payload["email"] as? String == "evenement@example.ca")
            }
        }
    }

    /// The first admin comes from configuration; admins make staff of an organisation known from the catalogue's
    /// events; staff of a school service centre act on its schools; a revoked role is gone from the next token.
    @Test func adminsGrantStaffRolesScopedByOrganisation() async throws {
        try await withIdentity(environment: ["ADMIN_EMAILS": "admin@cssbe.example.ca,admin2@cssbe.example.ca"]) { identity, clock in
            let database = identity.database
            let centre = UUID()
            let school = UUID()
            let publisher = AMQPPublisher(settings: database.amqpSettings, topology: try database.topology, logger: TestEnvironment.logger)
            try await withAMQP([publisher]) {
                try await waitUntilConnected(publisher)
                for (id, parent, code, version) in [(centre, nil, "CSSBE", Int64(1)), (school, centre, "ESB", Int64(1))]
                    as [(UUID, UUID?, String, Int64)]
                {
                    let payload = OrganisationEvent(
                        organisationId: id, version: version, parentId: parent, kind: parent == nil ? "school-service-centre" : "school",
                        shortCode: code, name: .init(fr: code, en: code))
                    let event = CloudEvent(
                        id: UUID().uuidString.lowercased(), source: "/guichet/catalogue",
                        type: CloudEvent.type(routingKey: EventName.organisationCreated), time: Date(), subject: id.uuidString.lowercased(),
                        data: Array(try EventJSON.encoder.encode(payload)))
                    #expect(
                        try await publisher.publish(event.message(exchange: database.amqpNamespace + "guichet.catalogue", appID: "test"))
                            == .confirmed)
                }
            }
            try await eventually("identity knows both organisations") {
                try await database.count("SELECT count(*) FROM identity.organisations") == 2
            }

            let (_, passwordOnlyAdmin, _) = try await identity.verifiedAccount("admin@cssbe.example.ca")
            let (adminId, adminToken, _) = try await identity.accountWithSecondFactorSession("admin2@cssbe.example.ca", clock: clock)
            let (staffId, staffToken, staffRefresh) = try await identity.accountWithSecondFactorSession("secretariat@cssbe.example.ca", clock: clock)
            let put = { (token: String, organisation: UUID) in
                try await identity.client.execute(uri: "/v1/organisations/\(organisation)/staff/\(staffId)", method: .put, headers: bearer(token))
            }
            try (try await put(staffToken, centre)).problem("/problems/forbidden", status: .forbidden)
            // An admin signed in with a password alone is asked for the second factor; nothing is granted.
            try (try await put(passwordOnlyAdmin, centre)).problem("/problems/second-factor-required", status: .forbidden)
            try (try await put(adminToken, UUID())).problem("/problems/organisation-unknown", status: .notFound)
            #expect(try await put(adminToken, centre).status == .noContent)

            let found = try await identity.get("/v1/accounts?email=SECRETARIAT@cssbe.example.ca", token: adminToken)
            #expect((try found.json()["items"] as? [[String: Any]])?.first?["id"] as? String == staffId)
            let verifier = try await AccessTokenVerifier(publicKeysPEM: TestKeys.shared.publicKeyPEM, clock: SystemWallClock())
            let (newToken, nextRefresh) = try await identity.refresh(staffRefresh)
            let principal = try await verifier.verify(newToken)
            #expect(principal.isStaff(of: centre) && principal.isStaff(of: school), "the centre's staff act on its schools")
            #expect(!principal.isStaff(of: UUID()) && !principal.isAdmin)
            #expect(try await verifier.verify(adminToken).isAdmin)
            let list = try await identity.get("/v1/organisations/\(centre)/staff", token: newToken)
            #expect((try list.json()["items"] as? [[String: Any]])?.count == 1)

            // The organisation's staff read its staff list, not its role log; made its admin, they read both.
            try (try await identity.get("/v1/organisations/\(centre)/staff-changes", token: newToken))
                .problem("/problems/not-found", status: .notFound)
            clock.advance(by: 1)
            let promoted = try await identity.client.execute(
                uri: "/v1/organisations/\(centre)/staff/\(staffId)?role=admin", method: .put, headers: bearer(adminToken))
            #expect(promoted.status == .noContent, "\(promoted.text)")
            let (adminOfCentre, lastRefresh) = try await identity.refresh(nextRefresh)
            #expect(try await verifier.verify(adminOfCentre).roles.contains(.init(organisationId: school, role: "admin")))
            let members = try await identity.get("/v1/organisations/\(centre)/staff", token: adminOfCentre).json()["items"] as? [[String: Any]]
            #expect(members?.first?["role"] as? String == "admin")
            #expect(try await identity.get("/v1/organisations/\(centre)/staff-changes", token: adminOfCentre).status == .ok)
            clock.advance(by: 1)

            let revoked = try await identity.client.execute(
                uri: "/v1/organisations/\(centre)/staff/\(staffId)", method: .delete, headers: bearer(adminToken))
            #expect(revoked.status == .noContent)
            let after = try await identity.refresh(lastRefresh).access
            // Every change in the organisation's log, newest first, with who made it.
            let log = try await identity.get("/v1/organisations/\(centre)/staff-changes", token: adminToken).json()["items"] as? [[String: Any]] ?? []
            #expect(log.map { $0["change"] as? String } == ["revoked", "role-changed", "granted"])
            #expect(log.allSatisfy { $0["changedBy"] as? String == adminId && $0["accountId"] as? String == staffId })
            #expect(log.map { $0["role"] as? String } == ["admin", "admin", "staff"])
            #expect(!(try await verifier.verify(after)).isStaff(of: centre))
            try (try await identity.get("/v1/organisations/\(centre)/staff", token: after)).problem("/problems/not-found", status: .notFound)
        }
    }
}
