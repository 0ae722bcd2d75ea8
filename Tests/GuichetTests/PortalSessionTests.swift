import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Identity
import NIOCore
import PostgresNIO
import ServiceKit
import Testing

@testable import Portal

/// The portal's accounts against a real identity (on a port) and PostgreSQL: forms refused from another site or
/// without their token, the cookies' attributes, tokens that never reach the browser and are sealed at rest, a
/// refresh done once when two pages load together, sign-out.
@Suite struct PortalSessionTests {
    /// A browser: its cookies, and the token of the last form page it loaded.
    final class Browser: @unchecked Sendable {
        let client: any TestClientProtocol
        var cookies: [String: String] = [:]
        var formToken = ""
        var lastSetCookies: [String] = []

        init(client: any TestClientProtocol) { self.client = client }

        func request(
            _ uri: String, method: HTTPRequest.Method = .get, form: [String: String]? = nil, origin: String? = "http://localhost"
        )
            async throws -> TestResponse
        {
            var headers: HTTPFields = [:]
            if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
            var body: ByteBuffer?
            if let form {
                headers[.contentType] = "application/x-www-form-urlencoded"
                if let origin { headers[.origin] = origin }
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                body = ByteBuffer(
                    string: form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&"))
            }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
            lastSetCookies = response.headers[values: .setCookie]
            for cookie in lastSetCookies {
                let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let (name, value) = (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
                if value.isEmpty || cookie.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
            if let token = String(buffer: response.body).firstMatch(of: /name="form_token" value="([^"]+)"/) { formToken = String(token.1) }
            return response
        }

        func post(_ uri: String, _ fields: [String: String], origin: String? = "http://localhost") async throws -> TestResponse {
            try await request(uri, method: .post, form: fields.merging(["form_token": formToken]) { $1 }, origin: origin)
        }
    }

    @Test func signUpVerifySignInRefreshAndSignOut() async throws {
        let clock = ManualWallClock(Date())
        try await TestDatabase.withDatabase { database in
            try await withService(IdentityService.self, on: database, clock: clock, live: true) { identity in
                let identityURL = "http://127.0.0.1:\(try #require(identity.port))"
                try await withService(PortalService.self, on: database, clock: clock, environment: ["IDENTITY_URL": identityURL]) { portal in
                    try await journey(portal: portal, database: database, clock: clock)
                }
            }
        }
    }

    func journey(portal: any TestClientProtocol, database: TestDatabase, clock: ManualWallClock) async throws {
        let browser = Browser(client: portal)
        let email = "camille.ouellet@example.ca"
        let page = try await browser.request("/compte/inscription")
        #expect(page.status == .ok)
        #expect(page.text.contains("Au moins 8 caractères."), "the password rules are shown before typing")
        #expect(page.text.contains("renseignements personnels"), "the consent text is shown")
        let formCookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("guichet_form=") })
        #expect(formCookie.contains("HttpOnly") && formCookie.contains("SameSite=Lax") && formCookie.contains("Path=/"))
        #expect(!formCookie.contains("Secure"), "plain http on this address: no Secure (the browser would drop it)")

        let fields = [
            "firstName": "Camille", "lastName": "Ouellet", "email": email, "birthDate": "1988-02-29", "password": "Vélo-Rouge-77",
            "consent": "true", "consentVersion": "1",
        ]
        // Another site's form, or one without this browser's token: refused, and no account is made.
        #expect(try await browser.post("/compte/inscription", fields, origin: "https://evil.example").status == .forbidden)
        #expect(try await browser.post("/compte/inscription", fields, origin: "https://localhost").status == .forbidden, "another scheme")
        #expect(try await browser.post("/compte/inscription", fields, origin: "null").status == .forbidden)
        var forged = fields
        // One character changed (never to itself: the token is random and may start with any character).
        forged["form_token"] = (browser.formToken.first == "A" ? "B" : "A") + browser.formToken.dropFirst()
        #expect(try await browser.request("/compte/inscription", method: .post, form: forged).status == .forbidden)
        #expect(try await browser.request("/compte/inscription", method: .post, form: fields).status == .forbidden, "no token")
        #expect(try database.mailbox.mails(to: email).isEmpty)

        // Consent not given: said next to the box, with every other reason (identity checks everything at once).
        var unconsented = fields
        unconsented["consent"] = nil
        let refused = try await browser.post("/compte/inscription", unconsented)
        #expect(refused.status == .unprocessableContent)
        #expect(refused.text.contains("aria-invalid=\"true\"") && refused.text.contains("href=\"#consent\""))

        let weak = try await browser.post("/compte/inscription", fields.merging(["password": "abc"]) { $1 })
        #expect(weak.status == .unprocessableContent)
        #expect(weak.text.contains("Au moins 8 caractères.") && weak.text.contains("Au moins 3 de ces 4 types"), "every refused rule at once")
        #expect(weak.text.contains("value=\"Camille\""), "what was typed is kept")
        #expect(!weak.text.contains("value=\"abc\""), "a password is never sent back")

        let accepted = try await browser.post("/compte/inscription", fields)
        #expect(accepted.status == .accepted)
        let code = try #require(try await database.mailbox.waitForMail(to: email).code)
        let verified = try await browser.post("/compte/verification", ["email": email, "code": code])
        #expect(verified.status == .ok)
        #expect(verified.text.contains("Votre adresse est confirmée"))

        let signedIn = try await browser.post("/connexion", ["email": email, "password": "Vélo-Rouge-77", "staySignedIn": "true", "back": "/compte"])
        #expect(signedIn.status == .seeOther)
        #expect(signedIn.headers[.location] == "/compte")
        let sessionCookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("guichet_session=") })
        #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Lax") && sessionCookie.contains("Max-Age=1209600"))

        let account = try await browser.request("/compte")
        #expect(account.status == .ok)
        #expect(account.text.contains(email) && account.text.contains("Camille Ouellet"))
        // Identity's tokens stay on the server, sealed: not in the page, not readable in the portal's table.
        let sealed = try await TestDatabase.admin(database: database.name) { connection in
            var rows: [Data] = []
            for try await (data) in try await connection.query("SELECT sealed_tokens FROM portal.browser_sessions", logger: TestEnvironment.logger)
                .decode(Data.self)
            {
                rows.append(data)
            }
            return rows
        }
        #expect(sealed.count == 1)
        #expect(!String(decoding: sealed[0], as: UTF8.self).contains("eyJ"), "no JWT readable at rest")
        #expect(!account.text.contains("eyJ"), "no token in the page")

        // Sixteen minutes later the access token has lapsed: two pages at once refresh it once (a second use of the
        // same refresh token would make identity sign the whole session out).
        clock.advance(by: 16 * 60)
        async let first = browser.request("/compte")
        async let second = browser.request("/compte")
        #expect(try await first.status == .ok)
        #expect(try await second.status == .ok)
        #expect(try await browser.request("/compte").status == .ok, "still signed in after the refresh")

        let signOutPage = try await browser.request("/compte")
        _ = signOutPage
        let signedOut = try await browser.post("/deconnexion", [:])
        #expect(signedOut.status == .ok)
        #expect(browser.cookies["guichet_session"] == nil)
        let after = try await browser.request("/compte")
        #expect(after.status == .seeOther)
        #expect(after.headers[.location]?.hasPrefix("/connexion") == true)
    }

    @Test func aBrowserSecretSealsForItselfOnly() throws {
        let secret = BrowserSecret.generate()
        let other = BrowserSecret.generate()
        let sealed = try secret.seal(Data("refresh-token".utf8), for: .identityTokens)
        #expect(secret.open(sealed, for: .identityTokens) == Data("refresh-token".utf8))
        #expect(other.open(sealed, for: .identityTokens) == nil)
        #expect(secret.open(sealed, for: .resetGrant) == nil, "a value sealed for one purpose does not open for another")
        #expect(secret.accepts(formToken: secret.formToken))
        #expect(!secret.accepts(formToken: other.formToken))
        #expect(!secret.accepts(formToken: nil))
        #expect(!secret.formToken.contains(secret.value), "the page never holds the cookie's value")
        #expect(BrowserSecret(cookie: "short") == nil)
        #expect(BrowserSecret(cookie: secret.value) == secret)
    }
}
