import Crypto
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ServiceKit
import Testing

@testable import Catalogue
@testable import Enrolment
@testable import Identity
@testable import Payment

/// Each service's own route, backed by its schema: what it answers, and the problem it gives on bad input.
@Suite struct ServiceRouteTests {
    @Test func catalogueListsCategoriesPageByPage() async throws {
        try await withService(CatalogueService.self) { client, _ in
            let first = try await client.execute(uri: "/v1/categories?limit=4", method: .get)
            #expect(first.status == .ok, "\(first.text)")
            let firstPage = try first.json()
            let firstItems = try #require(firstPage["items"] as? [[String: Any]])
            #expect(firstItems.map { $0["code"] as? String } == ["cours-de-formation", "cours-de-rattrapage", "activites", "sorties"])
            #expect((firstItems[1]["name"] as? [String: String])?["en"] == "Recovery courses")
            let cursor = try #require(firstPage["nextCursor"] as? String)

            let second = try await client.execute(uri: "/v1/categories?limit=4&cursor=\(cursor)", method: .get)
            let secondPage = try second.json()
            #expect((secondPage["items"] as? [[String: Any]])?.map { $0["code"] as? String } == ["campagnes-de-financement", "camps-de-jour"])
            #expect(secondPage["nextCursor"] == nil, "the last page has no cursor: \(second.text)")
        }
    }

    @Test(arguments: ["limit=0", "limit=101", "limit=abc", "cursor=%21%21", "cursor=WyJ4Il0"])
    func catalogueRefusesBadPaging(query: String) async throws {
        try await withService(CatalogueService.self) { client, _ in
            let response = try await client.execute(uri: "/v1/categories?\(query)", method: .get, headers: [.acceptLanguage: "en-CA"])
            // Bounds the document states are checked from it (invalid-request); a cursor only the service can read.
            let bounded = query.hasPrefix("limit")
            let problem = try response.problem(bounded ? "/problems/invalid-request" : "/problems/malformed-request", status: .badRequest)
            #expect(response.headers[.contentLanguage] == "en")
            #expect(problem["title"] as? String == (bounded ? "Some fields do not have the expected form." : "The request is malformed."))
        }
    }

    @Test func identityServesTheCurrentConsentText() async throws {
        try await withService(IdentityService.self) { client, _ in
            let response = try await client.execute(uri: "/v1/consent-texts/current?purpose=personal-information", method: .get)
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.json()
            #expect(body["version"] as? Int == 1)
            #expect((body["text"] as? [String: String])?["fr"]?.contains("renseignements personnels") == true)

            let unknown = try await client.execute(uri: "/v1/consent-texts/current?purpose=marketing", method: .get)
            let problem = try unknown.problem("/problems/invalid-request", status: .badRequest)
            #expect(problem["title"] as? String == "Certains champs ne respectent pas le format attendu.", "French when no language is asked for")
            #expect(try unknown.fieldErrors() == ["purpose": "notAllowed"])
            let missing = try await client.execute(uri: "/v1/consent-texts/current", method: .get)
            try missing.problem("/problems/invalid-request", status: .badRequest)
            #expect(try missing.fieldErrors() == ["purpose": "required"])
        }
    }

    @Test func identityHasNoConsentTextBeforeItsPublication() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_700_000_000))  // 2023, before version 1
        try await withService(IdentityService.self, clock: clock) { client, _ in
            let response = try await client.execute(uri: "/v1/consent-texts/current?purpose=personal-information", method: .get)
            try response.problem("/problems/not-found", status: .notFound)
        }
    }

    @Test func enrolmentCreatesAndListsAGuardiansParticipants() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))
        try await withService(EnrolmentService.self, clock: clock) { client, _ in
            let parent = try await TestKeys.shared.token(for: UUID(), issuedAt: clock.now())
            let created = try await client.execute(
                uri: "/v1/participants", method: .post, headers: bearer(parent, json: true),
                body: jsonBody(["firstName": "  Léa ", "lastName": "Tremblay-Gagnon", "birthDate": "2015-03-09"]))
            #expect(created.status == .created, "\(created.text)")
            let participant = try created.json()
            let id = try #require(participant["id"] as? String)
            #expect(created.headers[.location] == "/v1/participants/\(id)")
            #expect(participant["firstName"] as? String == "Léa")

            let fetched = try await client.execute(uri: "/v1/participants/\(id)", method: .get, headers: bearer(parent))
            #expect(fetched.status == .ok)
            #expect(try fetched.json()["birthDate"] as? String == "2015-03-09")

            let list = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(parent))
            #expect((try list.json()["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func aGuardianNeverSeesAnotherFamilysChild() async throws {
        try await withService(EnrolmentService.self) { client, _ in
            let parent = try await TestKeys.shared.token(for: UUID())
            let stranger = try await TestKeys.shared.token(for: UUID())
            let created = try await client.execute(
                uri: "/v1/participants", method: .post, headers: bearer(parent, json: true),
                body: jsonBody(["firstName": "Noah", "lastName": "Roy", "birthDate": "2016-11-30"]))
            let id = try #require(try created.json()["id"] as? String)

            let seen = try await client.execute(uri: "/v1/participants/\(id)", method: .get, headers: bearer(stranger))
            try seen.problem("/problems/not-found", status: .notFound)
            let unknown = try await client.execute(uri: "/v1/participants/\(UUID())", method: .get, headers: bearer(stranger))
            #expect(
                unknown.text.replacingOccurrences(of: #""requestId":"[^"]*""#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""instance":"[^"]*""#, with: "", options: .regularExpression)
                    == seen.text.replacingOccurrences(of: #""requestId":"[^"]*""#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""instance":"[^"]*""#, with: "", options: .regularExpression),
                "another family's child and a missing one answer alike")
            let list = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(stranger))
            #expect((try list.json()["items"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func enrolmentRefusesBadInputAndChangesNothing() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))  // 2026-09-21
        try await withService(EnrolmentService.self, clock: clock) { client, _ in
            let parent = try await TestKeys.shared.token(for: UUID(), issuedAt: clock.now())
            let headers = bearer(parent, json: true)

            let invalid = try await client.execute(
                uri: "/v1/participants", method: .post, headers: headers,
                body: jsonBody(["firstName": " ", "lastName": String(repeating: "x", count: 101), "birthDate": "2030-01-01"]))
            // The document's bounds first (400), then the rules (422).
            try invalid.problem("/problems/invalid-request", status: .badRequest)
            #expect(try invalid.fieldErrors() == ["lastName": "tooLong"])
            #expect(((try invalid.json()["errors"] as? [[String: Any]])?.first?["message"] as? [String: String])?["fr"] == "Au plus 100 caractères.")
            let unruly = try await client.execute(
                uri: "/v1/participants", method: .post, headers: headers,
                body: jsonBody(["firstName": " ", "lastName": "Roy", "birthDate": "2030-01-01"]))
            try unruly.problem("/problems/validation", status: .unprocessableContent)
            #expect(try unruly.fieldErrors() == ["firstName": "required", "birthDate": "inFuture"])
            let errors = try #require(try unruly.json()["errors"] as? [[String: Any]])
            #expect((errors[0]["message"] as? [String: String])?["fr"] == "Ce champ est obligatoire.")

            let badDate = try await client.execute(
                uri: "/v1/participants", method: .post, headers: headers,
                body: jsonBody(["firstName": "A", "lastName": "B", "birthDate": "2015-02-30"]))
            #expect(try badDate.fieldErrors() == ["birthDate": "invalidDate"])

            let notJSON = try await client.execute(
                uri: "/v1/participants", method: .post, headers: headers, body: ByteBuffer(string: "{\"firstName\":"))
            try notJSON.problem("/problems/malformed-request", status: .badRequest)

            let missingField = try await client.execute(
                uri: "/v1/participants", method: .post, headers: headers, body: jsonBody(["firstName": "A"]))
            try missingField.problem("/problems/invalid-request", status: .badRequest)
            #expect(try missingField.fieldErrors() == ["lastName": "required", "birthDate": "required"])

            let list = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(parent))
            #expect((try list.json()["items"] as? [[String: Any]])?.isEmpty == true, "nothing was written")
        }
    }

    @Test func tokensAreCheckedOnEveryProtectedRoute() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))
        try await withService(EnrolmentService.self, clock: clock) { client, _ in
            let none = try await client.execute(uri: "/v1/participants", method: .get)
            let problem = try none.problem("/problems/unauthenticated", status: .unauthorized)
            #expect(problem["title"] as? String == "Veuillez vous connecter.")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")

            let garbage = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer("not.a.token"))
            try garbage.problem("/problems/invalid-token", status: .unauthorized)

            let token = try await TestKeys.shared.token(for: UUID(), issuedAt: clock.now(), lifetime: 900)
            #expect(try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(token)).status == .ok)
            clock.advance(by: 901)
            let expired = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(token))
            try expired.problem("/problems/invalid-token", status: .unauthorized)

            // Signed by a key that is not identity's.
            let otherKey = P256Key()
            let forged = try await AccessTokenSigner(privateKeyPEM: otherKey.pem).sign(
                AccessTokenClaims(accountId: UUID(), issuedAt: clock.now(), expiresAt: clock.now() + 900))
            let refused = try await client.execute(uri: "/v1/participants", method: .get, headers: bearer(forged))
            try refused.problem("/problems/invalid-token", status: .unauthorized)
        }
    }

    @Test func paymentListsTheAccountsOwnPaymentsNewestFirst() async throws {
        try await withService(PaymentService.self) { client, database in
            let payer = UUID()
            let token = try await TestKeys.shared.token(for: payer)
            let postgres = try database.serviceClient("payment")
            try await withRunning(postgres) {
                for (index, owner) in [payer, payer, payer, UUID()].enumerated() {
                    let (checkout, seller) = (UUID(), UUID())
                    try await postgres.query(
                        """
                        INSERT INTO checkouts (id, version, selling_organisation_id, payer_account_id, amount_cents, hold_expires_at, document, received_at)
                        VALUES (\(checkout), 1, \(seller), \(owner), \(Int64(1000 + index)), now(), '{}', now())
                        """, logger: TestEnvironment.logger)
                    try await postgres.query(
                        """
                        INSERT INTO payments (id, version, checkout_id, payer_account_id, selling_organisation_id, amount_cents, status,
                            billing_address, idempotency_scope, idempotency_key, created_at, updated_at)
                        VALUES (\(UUID()), 1, \(checkout), \(owner), \(seller), \(Int64(1000 + index)), 'succeeded', '{}', 'test', \(UUID().uuidString),
                                now() - \(index) * interval '1 minute', now())
                        """, logger: TestEnvironment.logger)
                }
            }
            let first = try await client.execute(uri: "/v1/me/payments?limit=2", method: .get, headers: bearer(token))
            #expect(first.status == .ok, "\(first.text)")
            let firstPage = try first.json()
            let amounts = (firstPage["items"] as? [[String: Any]])?.compactMap { ($0["amount"] as? [String: Any])?["amountCents"] as? Int }
            #expect(amounts == [1000, 1001])
            let cursor = try #require(firstPage["nextCursor"] as? String)
            let second = try await client.execute(uri: "/v1/me/payments?limit=2&cursor=\(cursor)", method: .get, headers: bearer(token))
            let secondItems = try second.json()["items"] as? [[String: Any]]
            #expect(secondItems?.compactMap { ($0["amount"] as? [String: Any])?["amountCents"] as? Int } == [1002])

            let unauthenticated = try await client.execute(uri: "/v1/me/payments", method: .get)
            try unauthenticated.problem("/problems/unauthenticated", status: .unauthorized)
            let badLimit = try await client.execute(uri: "/v1/me/payments?limit=101", method: .get, headers: bearer(token))
            try badLimit.problem("/problems/invalid-request", status: .badRequest)
            #expect(try badLimit.fieldErrors() == ["limit": "outOfRange"])
        }
    }
}

/// A P-256 key that identity never issued.
struct P256Key {
    let pem: String
    init() {
        pem = Crypto.P256.Signing.PrivateKey().pemRepresentation
    }
}
