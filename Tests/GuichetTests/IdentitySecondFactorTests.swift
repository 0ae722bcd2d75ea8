import DomainKit
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import ServiceKit
import Testing

@testable import Catalogue
@testable import Enrolment
@testable import Identity
@testable import Payment

/// The second factor: TOTP (RFC 6238) with an authenticator app, recovery codes, the code asked at sign-in and
/// again before sensitive actions, and what the tokens say of it.
@Suite struct IdentitySecondFactorTests {
    /// RFC 6238 Appendix B: 8-digit codes for SHA-1, SHA-256 and SHA-512 at six times.
    @Test func rfc6238TestVectors() {
        let secrets: [(Totp.Algorithm, String)] = [
            (.sha1, "12345678901234567890"), (.sha256, "12345678901234567890123456789012"),
            (.sha512, "1234567890123456789012345678901234567890123456789012345678901234"),
        ]
        let vectors: [(Int64, [String])] = [
            (59, ["94287082", "46119246", "90693936"]), (1_111_111_109, ["07081804", "68084774", "25091201"]),
            (1_111_111_111, ["14050471", "67062674", "99943326"]), (1_234_567_890, ["89005924", "91819424", "93441116"]),
            (2_000_000_000, ["69279037", "90698825", "38618901"]), (20_000_000_000, ["65353130", "77737706", "47863826"]),
        ]
        for (time, expected) in vectors {
            for ((algorithm, secret), code) in zip(secrets, expected) {
                let step = Totp.step(at: Date(timeIntervalSince1970: TimeInterval(time)))
                #expect(Totp.code(secret: Array(secret.utf8), step: step, digits: 8, algorithm: algorithm) == code, "\(algorithm) at \(time)")
            }
        }
        // RFC 4648 §10, and a secret read back as people type it.
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw 6ytb oi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
        #expect(RecoveryCode.normalized("ABCDE-FGHJK") == "abcdefghjk")
        #expect(RecoveryCode.normalized("0o1il-23456") == "00111" + "23456")
        #expect(RecoveryCode.normalized("abcde-fghj") == nil)
    }

    /// Turning it on: a secret for the app, then a first code and the password; ten recovery codes come back once.
    @Test func turningOnAsksAFirstCodeAndThePassword() async throws {
        try await withIdentity { identity, clock in
            let email = "deux-etapes@example.ca"
            let (_, access, _) = try await identity.verifiedAccount(email)
            let setup = try await identity.post("/v1/me/second-factor", [:], token: access)
            #expect(setup.status == .created, "\(setup.text)")
            let secretText = try #require(try setup.json()["secret"] as? String)
            let secret = try #require(Base32.decode(secretText))
            #expect(secret.count == 20)
            let keyURI = try #require(try setup.json()["keyUri"] as? String)
            #expect(keyURI.hasPrefix("otpauth://totp/Guichet:deux-etapes@example.ca?secret="))

            let code = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            let elsewhere = try #require(try await identity.signIn(email).json()["refreshToken"] as? String)
            try
                (try await identity.post(
                    "/v1/me/second-factor/confirmation", ["code": code, "currentPassword": "Pas-Le-Bon-2026"], token: access))
                .problem("/problems/password-incorrect", status: .forbidden)
            let wrong = code == "000000" ? "111111" : "000000"
            try
                (try await identity.post(
                    "/v1/me/second-factor/confirmation", ["code": wrong, "currentPassword": IdentityDriver.password], token: access))
                .problem("/problems/second-factor-code-invalid", status: .unprocessableContent)
            let confirmed = try await identity.post(
                "/v1/me/second-factor/confirmation", ["code": code, "currentPassword": IdentityDriver.password], token: access)
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            let codes = try #require(try confirmed.json()["recoveryCodes"] as? [String])
            #expect(codes.count == 10 && Set(codes).count == 10)
            #expect(codes.allSatisfy { $0.count == 11 && RecoveryCode.normalized($0) != nil })
            // Another session, signed in with the password alone, ends.
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": elsewhere]))
                .problem("/problems/refresh-token-invalid", status: .unauthorized)

            let me = try await identity.get("/v1/me", token: access).json()
            let factor = try #require(me["secondFactor"] as? [String: Any])
            #expect(factor["enabled"] as? Bool == true && factor["recoveryCodesLeft"] as? Int == 10)
            let mail = try await identity.mailbox.waitForMail(to: email, count: 2)
            #expect(mail.subject.contains("double authentification est activée"))
            try (try await identity.post("/v1/me/second-factor", [:], token: access))
                .problem("/problems/second-factor-already-on", status: .conflict)
            let events = try await identity.get("/v1/me/security-events", token: access).json()["items"] as? [[String: Any]] ?? []
            #expect(events.contains { $0["kind"] as? String == "second-factor-enabled" })
        }
    }

    /// The right password is not enough: the sign-in waits for a code. A code works once, and a challenge takes
    /// five wrong codes and five minutes; the tokens say the second factor was given (`amr`, `mfa_time`).
    @Test func signInAsksTheCodeAndEachCodeWorksOnce() async throws {
        try await withIdentity { identity, clock in
            let email = "code-unique@example.ca"
            let secret = try await identity.accountWithSecondFactor(email, clock: clock).secret
            let challenge = try await identity.signIn(email)
            #expect(challenge.status == .accepted, "\(challenge.text)")
            #expect(try challenge.json()["accessToken"] == nil)
            let token = try #require(try challenge.json()["secondFactorToken"] as? String)
            // The code that turned the factor on was seen: it does not work again.
            let used = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": token, "code": used]))
                .problem("/problems/second-factor-code-invalid", status: .unprocessableContent)
            clock.advance(by: 30)
            let next = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            let signedIn = try await identity.post(
                "/v1/sessions/second-factor", ["secondFactorToken": token, "code": String(next.prefix(3)) + " " + String(next.suffix(3))])
            #expect(signedIn.status == .created, "\(signedIn.text)")
            let tokens = try signedIn.json()
            #expect(tokens["secondFactorAt"] as? String != nil)
            let claims = try jwtClaims(try #require(tokens["accessToken"] as? String))
            #expect(claims["amr"] as? [String] == ["pwd", "otp"])
            #expect(claims["mfa_time"] as? Int == Int(clock.now().timeIntervalSince1970))
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": token, "code": next]))
                .problem("/problems/second-factor-challenge-invalid", status: .unauthorized)

            // A refresh keeps what the session proved.
            let refreshed = try await identity.post("/v1/sessions/refresh", ["refreshToken": try #require(tokens["refreshToken"] as? String)])
            #expect(try jwtClaims(try #require(try refreshed.json()["accessToken"] as? String))["amr"] as? [String] == ["pwd", "otp"])

            // Five wrong codes wear a challenge out; the right one then needs a new sign-in.
            let worn = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            clock.advance(by: 30)
            let fresh = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            let wrong = fresh == "000000" ? "111111" : "000000"
            for _ in 1...5 {
                try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": worn, "code": wrong]))
                    .problem("/problems/second-factor-code-invalid", status: .unprocessableContent)
            }
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": worn, "code": fresh]))
                .problem("/problems/second-factor-challenge-invalid", status: .unauthorized)
            // The account's throttle now makes the next attempt wait; then a new challenge works.
            clock.advance(by: 5)
            let late = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            clock.advance(by: 5 * 60 + 1)
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": late, "code": fresh]))
                .problem("/problems/second-factor-challenge-invalid", status: .unauthorized)
            let again = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            let current = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            #expect(try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": again, "code": current]).status == .created)

            // A password-only token says so.
            let plain = try await identity.verifiedAccount("sans-code@example.ca")
            #expect(try jwtClaims(plain.access)["amr"] as? [String] == ["pwd"])
            #expect(try jwtClaims(plain.access)["mfa_time"] == nil)
        }
    }

    /// A lost phone: each recovery code signs in once, and new ones void the old.
    @Test func recoveryCodesWorkOnceAndRenew() async throws {
        try await withIdentity { identity, clock in
            let email = "recuperation@example.ca"
            let (secret, codes) = try await identity.accountWithSecondFactor(email, clock: clock)
            let first = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            let signedIn = try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": first, "code": codes[0].uppercased()])
            #expect(signedIn.status == .created, "\(signedIn.text)")
            let access = try #require(try signedIn.json()["accessToken"] as? String)
            let second = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": second, "code": codes[0]]))
                .problem("/problems/second-factor-code-invalid", status: .unprocessableContent)
            let me = try await identity.get("/v1/me", token: access).json()
            #expect((me["secondFactor"] as? [String: Any])?["recoveryCodesLeft"] as? Int == 9)
            let events = try await identity.get("/v1/me/security-events", token: access).json()["items"] as? [[String: Any]] ?? []
            #expect(events.contains { $0["kind"] as? String == "recovery-code-used" })
            let notice = try await identity.mailbox.waitForMail(to: email, count: 3)
            #expect(notice.subject.contains("code de récupération a servi") && notice.text.contains("Il vous en reste 9"))
            #expect(events.contains { $0["kind"] as? String == "second-factor-failed" })

            clock.advance(by: 30)
            let renewed = try await identity.post(
                "/v1/me/second-factor/recovery-codes", ["code": Totp.code(secret: secret, step: Totp.step(at: clock.now()))], token: access)
            #expect(renewed.status == .ok, "\(renewed.text)")
            let newCodes = try #require(try renewed.json()["recoveryCodes"] as? [String])
            #expect(newCodes.count == 10 && Set(newCodes).isDisjoint(with: codes))
            try (try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": second, "code": codes[1]]))
                .problem("/problems/second-factor-code-invalid", status: .unprocessableContent)
            #expect(try await identity.post("/v1/sessions/second-factor", ["secondFactorToken": second, "code": newCodes[9]]).status == .created)
        }
    }

    /// Before a sensitive action the code is asked again; the session's next tokens carry the new time.
    /// Turning the factor off takes the password and a code, and tells the holder.
    @Test func stepUpAndTurningOff() async throws {
        try await withIdentity { identity, clock in
            let plain = try await identity.verifiedAccount("sans-facteur@example.ca")
            try (try await identity.post("/v1/sessions/current/second-factor", ["code": "123456"], token: plain.access))
                .problem("/problems/second-factor-off", status: .conflict)

            let email = "etape@example.ca"
            let secret = try await identity.accountWithSecondFactor(email, clock: clock).secret
            let token = try #require(try await identity.signIn(email).json()["secondFactorToken"] as? String)
            clock.advance(by: 30)
            let tokens = try await identity.post(
                "/v1/sessions/second-factor", ["secondFactorToken": token, "code": Totp.code(secret: secret, step: Totp.step(at: clock.now()))]
            ).json()
            let signedInAt = clock.now()
            clock.advance(by: 20 * 60)
            let refreshed = try await identity.post("/v1/sessions/refresh", ["refreshToken": try #require(tokens["refreshToken"] as? String)]).json()
            let access = try #require(refreshed["accessToken"] as? String)
            #expect(try jwtClaims(access)["mfa_time"] as? Int == Int(signedInAt.timeIntervalSince1970))
            let stepUp = try await identity.post(
                "/v1/sessions/current/second-factor", ["code": Totp.code(secret: secret, step: Totp.step(at: clock.now()))], token: access)
            #expect(stepUp.status == .noContent, "\(stepUp.text)")
            let after = try await identity.post("/v1/sessions/refresh", ["refreshToken": try #require(refreshed["refreshToken"] as? String)]).json()
            #expect(try jwtClaims(try #require(after["accessToken"] as? String))["mfa_time"] as? Int == Int(clock.now().timeIntervalSince1970))

            clock.advance(by: 30)
            let code = Totp.code(secret: secret, step: Totp.step(at: clock.now()))
            try (try await identity.post("/v1/me/second-factor/removal", ["code": code, "currentPassword": "Pas-Le-Bon-2026"], token: access))
                .problem("/problems/password-incorrect", status: .forbidden)
            let removed = try await identity.post(
                "/v1/me/second-factor/removal", ["code": code, "currentPassword": IdentityDriver.password], token: access)
            #expect(removed.status == .noContent, "\(removed.text)")
            // The session no longer says it gave a second factor the account does not have.
            let plainAgain = try await identity.post("/v1/sessions/refresh", ["refreshToken": try #require(after["refreshToken"] as? String)])
            #expect(try jwtClaims(try #require(try plainAgain.json()["accessToken"] as? String))["amr"] as? [String] == ["pwd"])
            let mail = try await identity.mailbox.waitForMail(to: email, count: 3)
            #expect(mail.subject.contains("double authentification est désactivée"))
            #expect(try await identity.signIn(email).status == .created)
        }
    }

    /// Staff routes, in every service, refuse a token without the second factor (and sensitive ones an old one);
    /// the spec check (`second_factor.py`) keeps every staff route marked.
    @Test func everyStaffRouteAsksTheSecondFactor() async throws {
        let counts = [
            try await walkSecondFactorRoutes(IdentityService.self), try await walkSecondFactorRoutes(CatalogueService.self),
            try await walkSecondFactorRoutes(EnrolmentService.self), try await walkSecondFactorRoutes(PaymentService.self),
        ]
        #expect(counts == [5, 12, 17, 8], "marked routes per service: \(counts)")
        // A staff member signed in with a password alone acts as a family does on shared routes.
        let organisation = UUID()
        let staff = Principal(accountId: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        #expect(!staff.isStaff(of: organisation))
        #expect(Principal(accountId: UUID(), roles: [], isAdmin: true, secondFactorAt: Date()).isStaff(of: organisation))
    }

    /// Services read the second factor from the token only when `amr` says it was given.
    @Test func principalReadsTheSecondFactorFromAmr() async throws {
        let signer = try await AccessTokenSigner(privateKeyPEM: TestKeys.shared.privateKeyPEM)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let verifier = try await AccessTokenVerifier(publicKeysPEM: TestKeys.shared.publicKeyPEM, clock: ManualWallClock(now))
        let given = try await verifier.verify(
            try await signer.sign(AccessTokenClaims(accountId: UUID(), issuedAt: now, expiresAt: now + 60, secondFactorAt: now - 90)))
        #expect(given.secondFactorAt == now - 90)
        var claims = AccessTokenClaims(accountId: UUID(), issuedAt: now, expiresAt: now + 60, secondFactorAt: now)
        claims.amr = ["pwd"]
        #expect(try await verifier.verify(try await signer.sign(claims)).secondFactorAt == nil)
        #expect(
            try await verifier.verify(try await signer.sign(AccessTokenClaims(accountId: UUID(), issuedAt: now, expiresAt: now + 60))).secondFactorAt
                == nil)
    }
}

/// Every operation a service's document marks `x-guichet-second-factor`, called as staff and platform admin
/// with a password alone (403 second-factor-required), and with a second factor given 16 minutes ago (403
/// second-factor-stale where the mark is `recent`, let through where it is `required`). Returns how many.
func walkSecondFactorRoutes<Definition: ServiceDefinition>(_ definition: Definition.Type) async throws -> Int {
    let document = try #require(try JSONSerialization.jsonObject(with: Data(Definition.openAPIJSON)) as? [String: Any])
    var found: [(method: HTTPRequest.Method, path: String, rule: String)] = []
    for (path, item) in try #require(document["paths"] as? [String: Any]) {
        for (method, operation) in item as? [String: Any] ?? [:] {
            guard let rule = (operation as? [String: Any])?["x-guichet-second-factor"] as? String,
                let method = HTTPRequest.Method(method.uppercased())
            else { continue }
            found.append((method, path, rule))
        }
    }
    let routes = found
    let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))
    try await withService(definition, clock: clock) { client, _ in
        let roles = [OrganisationRole(organisationId: UUID(), role: "staff")]
        let passwordOnly = try await TestKeys.shared.token(
            for: UUID(), roles: roles, isAdmin: true, issuedAt: clock.now(), secondFactorAt: .some(nil))
        let givenLongAgo = try await TestKeys.shared.token(
            for: UUID(), roles: roles, isAdmin: true, issuedAt: clock.now(), secondFactorAt: clock.now() - 16 * 60)
        for route in routes {
            let uri = route.path.split(separator: "/").map { $0.hasPrefix("{") ? UUID().uuidString.lowercased() : String($0) }
                .joined(separator: "/")
            let hasBody = [.post, .put, .patch].contains(route.method)
            let refused = try await client.execute(
                uri: "/" + uri, method: route.method, headers: bearer(passwordOnly, json: hasBody), body: hasBody ? jsonBody([:]) : nil)
            #expect(
                refused.status == .forbidden && (try? refused.json()["type"] as? String) == "/problems/second-factor-required",
                "\(route.method) \(route.path): \(refused.status) \(refused.text)")
            let late = try await client.execute(
                uri: "/" + uri, method: route.method, headers: bearer(givenLongAgo, json: hasBody), body: hasBody ? jsonBody([:]) : nil)
            let lateType = (try? late.json()["type"] as? String) ?? ""
            if route.rule == "recent" {
                #expect(late.status == .forbidden && lateType == "/problems/second-factor-stale", "\(route.method) \(route.path): \(late.text)")
            } else {
                #expect(!lateType.hasPrefix("/problems/second-factor"), "\(route.method) \(route.path): \(late.text)")
            }
        }
    }
    return routes.count
}

/// The payload of a JWT, unverified (the tests read what identity put in it).
func jwtClaims(_ token: String) throws -> [String: Any] {
    let parts = token.split(separator: ".")
    let payload = try #require(Base64URL.decode(String(parts[1])))
    return try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
}

extension IdentityDriver {
    /// A verified account with the second factor on: the app's secret and the recovery codes.
    @discardableResult
    func accountWithSecondFactor(_ email: String, clock: ManualWallClock) async throws -> (secret: [UInt8], recoveryCodes: [String]) {
        let (_, access, _) = try await verifiedAccount(email)
        let setup = try await post("/v1/me/second-factor", [:], token: access)
        let secretText = try #require(try setup.json()["secret"] as? String)
        let secret = try #require(Base32.decode(secretText))
        let confirmed = try await post(
            "/v1/me/second-factor/confirmation",
            ["code": Totp.code(secret: secret, step: Totp.step(at: clock.now())), "currentPassword": IdentityDriver.password], token: access)
        #expect(confirmed.status == .ok, "\(confirmed.text)")
        return (secret, try #require(try confirmed.json()["recoveryCodes"] as? [String]))
    }
}
