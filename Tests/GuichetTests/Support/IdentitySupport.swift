import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import ServiceKit
import Testing

@testable import Identity

/// Drives identity as a person would: through its HTTP API and the mails it sends.
struct IdentityDriver {
    let client: any TestClientProtocol
    let database: TestDatabase

    static let password = "Vélo-Rouge-77"

    func post(_ uri: String, _ body: [String: Any], token: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: .post, headers: headers, body: jsonBody(body))
    }

    func get(_ uri: String, token: String? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: token.map { bearer($0) } ?? [:])
    }

    func signUp(
        _ email: String, password: String = IdentityDriver.password, firstName: String = "Léa", lastName: String = "Tremblay",
        birthDate: String = "1985-04-12", language: String = "fr", extra: [String: Any] = [:]
    ) async throws -> TestResponse {
        var body: [String: Any] = [
            "firstName": firstName, "lastName": lastName, "email": email, "password": password, "language": language,
            "birthDate": birthDate, "consentVersion": 1,
        ]
        body.merge(extra) { $1 }
        return try await post("/v1/accounts", body)
    }

    var mailbox: Mailbox { database.mailbox }

    func signIn(_ email: String, password: String = IdentityDriver.password, staySignedIn: Bool = false) async throws -> TestResponse {
        try await post("/v1/sessions", ["email": email, "password": password, "staySignedIn": staySignedIn])
    }

    /// Signs up, verifies with the mailed code and signs in; returns the tokens.
    func verifiedAccount(
        _ email: String, password: String = IdentityDriver.password
    ) async throws -> (account: String, access: String, refresh: String) {
        #expect(try await signUp(email, password: password).status == .accepted)
        let code = try #require(try await mailbox.waitForMail(to: email).code)
        let verified = try await post("/v1/accounts/verification", ["email": email, "code": code])
        #expect(verified.status == .ok, "\(verified.text)")
        let signedIn = try await signIn(email, password: password)
        #expect(signedIn.status == .created, "\(signedIn.text)")
        let body = try signedIn.json()
        return (
            try #require(body["accountId"] as? String), try #require(body["accessToken"] as? String),
            try #require(body["refreshToken"] as? String)
        )
    }
}

/// Identity on a test database, with a clock the test moves and settings it may change.
func withIdentity(
    clock: ManualWallClock = ManualWallClock(Date()), environment: [String: String] = [:],
    _ body: @Sendable (IdentityDriver, ManualWallClock) async throws -> Void
) async throws {
    try await withService(IdentityService.self, clock: clock, environment: environment) { client, database in
        try await body(IdentityDriver(client: client, database: database), clock)
    }
}
