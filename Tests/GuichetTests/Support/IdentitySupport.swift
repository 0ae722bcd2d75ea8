import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import DomainKit
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

extension IdentityDriver {
    /// A verified account with the second factor on, as staff must have: its session counts the second factor as
    /// given (confirming it does), and `refresh` brings the account's current roles into a new access token.
    func accountWithSecondFactorSession(
        _ email: String, clock: any WallClock
    ) async throws -> (account: String, access: String, refresh: String) {
        let (account, access, refresh) = try await verifiedAccount(email)
        let setup = try await post("/v1/me/second-factor", [:], token: access)
        let secretText = try #require(try setup.json()["secret"] as? String, "\(setup.text)")
        let secret = try #require(Base32.decode(secretText))
        let confirmed = try await post(
            "/v1/me/second-factor/confirmation",
            ["code": Totp.code(secret: secret, step: Totp.step(at: clock.now())), "currentPassword": IdentityDriver.password], token: access)
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        let tokens = try await self.refresh(refresh)
        return (account, tokens.access, tokens.refresh)
    }

    /// New tokens for a session (with the account's roles as they are now).
    func refresh(_ refreshToken: String) async throws -> (access: String, refresh: String) {
        let refreshed = try await post("/v1/sessions/refresh", ["refreshToken": refreshToken])
        #expect(refreshed.status == .ok, "\(refreshed.text)")
        let body = try refreshed.json()
        return (try #require(body["accessToken"] as? String), try #require(body["refreshToken"] as? String))
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
