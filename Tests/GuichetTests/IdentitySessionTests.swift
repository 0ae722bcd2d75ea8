import Contracts
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Messaging
import PostgresNIO
import ServiceKit
import Testing

@testable import Enrolment
@testable import Identity

/// Sign-in, refresh tokens, sign-out, password reset and change, throttling.
@Suite struct IdentitySessionTests {
    /// Each refresh token works once; presenting a used one revokes the whole session, new tokens included.
    @Test func refreshTokensRotateAndReuseRevokesTheFamily() async throws {
        try await withIdentity { identity, clock in
            let (_, _, first) = try await identity.verifiedAccount("rotation@example.ca")
            let rotated = try await identity.post("/v1/sessions/refresh", ["refreshToken": first])
            #expect(rotated.status == .ok, "\(rotated.text)")
            let second = try #require(try rotated.json()["refreshToken"] as? String)
            #expect(second != first)

            let replayed = try await identity.post("/v1/sessions/refresh", ["refreshToken": first])
            try replayed.problem("/problems/refresh-token-invalid", status: .unauthorized)
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": second]))
                .problem("/problems/refresh-token-invalid", status: .unauthorized)

            // A new sign-in starts a new session; 12 hours later its refresh token has expired.
            let fresh = try #require(try await identity.signIn("rotation@example.ca").json()["refreshToken"] as? String)
            clock.advance(by: 12 * 3600 + 1)
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": fresh]))
                .problem("/problems/refresh-token-invalid", status: .unauthorized)
        }
    }

    /// CSSPO's "stay signed in": 14 days instead of 12 hours. Signing out ends the session.
    @Test func staySignedInLastsFourteenDaysAndSignOutRevokes() async throws {
        try await withIdentity { identity, clock in
            _ = try await identity.verifiedAccount("longue@example.ca")
            let signedIn = try await identity.signIn("longue@example.ca", staySignedIn: true)
            let tokens = try signedIn.json()
            let refreshExpiresAt = try #require(tokens["refreshExpiresAt"] as? String)
            let expected = ISO8601DateFormatter().string(from: clock.now().addingTimeInterval(14 * 24 * 3600))
            #expect(refreshExpiresAt.prefix(16) == expected.prefix(16))
            clock.advance(by: 13 * 24 * 3600)
            let refreshed = try await identity.post("/v1/sessions/refresh", ["refreshToken": tokens["refreshToken"] as! String])
            #expect(refreshed.status == .ok)
            let next = try refreshed.json()
            let access = try #require(next["accessToken"] as? String)
            let signOut = try await identity.client.execute(uri: "/v1/sessions/current", method: .delete, headers: bearer(access))
            #expect(signOut.status == .noContent)
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": next["refreshToken"] as! String]))
                .problem("/problems/refresh-token-invalid", status: .unauthorized)
        }
    }

    /// Mozaïk section 3: forgot password by code. An unknown email gets exactly the same answer.
    @Test func passwordResetByCodeAnswersUnknownEmailsAlike() async throws {
        try await withIdentity { identity, clock in
            let email = "oubli@example.ca"
            let (_, _, refresh) = try await identity.verifiedAccount(email)
            let known = try await identity.post("/v1/password-resets", ["email": email])
            let unknown = try await identity.post("/v1/password-resets", ["email": "personne@example.ca"])
            #expect(known.status == .accepted && unknown.status == .accepted)
            #expect(known.text == unknown.text)
            #expect(known.headers[.contentType] == unknown.headers[.contentType])
            let mail = try await identity.mailbox.waitForMail(to: email, count: 2)
            #expect(mail.subject.contains("Réinitialisation"))
            let code = try #require(mail.code)
            #expect(try identity.mailbox.mails(to: "personne@example.ca").isEmpty)

            let wrong = try await identity.post("/v1/password-resets/verification", ["email": email, "code": code == "123456" ? "654321" : "123456"])
            try wrong.problem("/problems/verification-failed", status: .unprocessableContent)
            let unknownCode = try await identity.post("/v1/password-resets/verification", ["email": "personne@example.ca", "code": code])
            try unknownCode.problem("/problems/verification-failed", status: .unprocessableContent)

            let verified = try await identity.post("/v1/password-resets/verification", ["email": email, "code": code])
            #expect(verified.status == .ok, "\(verified.text)")
            let grant = try #require(try verified.json()["resetToken"] as? String)
            let weak = try await identity.post("/v1/password-resets/completion", ["resetToken": grant, "newPassword": "court"])
            #expect(try weak.fieldErrors()["newPassword"] == "tooShort")
            let done = try await identity.post("/v1/password-resets/completion", ["resetToken": grant, "newPassword": "Nouveau-Depart-2027"])
            #expect(done.status == .noContent, "\(done.text)")
            try (try await identity.post("/v1/password-resets/completion", ["resetToken": grant, "newPassword": "Encore-Autre-2028"]))
                .problem("/problems/verification-failed", status: .unprocessableContent)

            // Every session is signed out, the old password is gone, the holder is told.
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": refresh]))
                .problem("/problems/refresh-token-invalid", status: .unauthorized)
            try (try await identity.signIn(email)).problem("/problems/sign-in-failed", status: .unauthorized)
            #expect(try await identity.signIn(email, password: "Nouveau-Depart-2027").status == .created)
            let notice = try await identity.mailbox.waitForMail(to: email, count: 3)
            #expect(notice.subject.contains("mot de passe Guichet a été changé"))

            // A reset code lives 15 minutes.
            clock.advance(by: 61)
            _ = try await identity.post("/v1/password-resets", ["email": email])
            let late = try #require(try await identity.mailbox.waitForMail(to: email, count: 4).code)
            clock.advance(by: 15 * 60 + 1)
            try (try await identity.post("/v1/password-resets/verification", ["email": email, "code": late]))
                .problem("/problems/verification-failed", status: .unprocessableContent)
        }
    }

    /// Wrong passwords slow down sign-in for that email with a growing delay, the same for an email without
    /// an account; the delay ends, so nobody can lock someone out for good.
    @Test func failedSignInsAreThrottledNeverLocked() async throws {
        try await withIdentity { identity, clock in
            let email = "lente@example.ca"
            _ = try await identity.verifiedAccount(email)
            for emailTried in [email, "inconnu@example.ca"] {
                for _ in 1...5 {
                    try (try await identity.signIn(emailTried, password: "Mauvais-Mot-1")).problem("/problems/sign-in-failed", status: .unauthorized)
                }
                try (try await identity.signIn(emailTried, password: "Mauvais-Mot-1")).problem("/problems/sign-in-failed", status: .unauthorized)
                let blocked = try await identity.signIn(emailTried)
                try blocked.problem("/problems/too-many-requests", status: .tooManyRequests)
                #expect(blocked.headers[.retryAfter] == "1")
            }
            clock.advance(by: 2)
            #expect(try await identity.signIn(email).status == .created, "the wait is over; the right password works")
            let failures = try await identity.database.count(
                "SELECT count(*) FROM identity.security_events WHERE kind = 'sign-in-failed'")
            #expect(failures == 6)
        }
    }

    /// A parallel burst of guesses cannot slip between the check and the count: of 100 wrong passwords sent at
    /// once, only the free failures and the one that starts the wait are tried; the rest wait.
    @Test func aParallelBurstOfWrongPasswordsIsThrottledLikeASequence() async throws {
        try await withIdentity { identity, clock in
            let email = "rafale@example.ca"
            _ = try await identity.verifiedAccount(email)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<100 {
                    group.addTask { Int(try await identity.signIn(email, password: "Mauvais-Mot-1").status.code) }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [401: 6, 429: 94], "\(statuses)")
            let failures = try await identity.database.count("SELECT count(*) FROM identity.security_events WHERE kind = 'sign-in-failed'")
            #expect(failures == 6)
        }
    }

    /// Another service accepts identity's token, and refuses a forged or an expired one.
    @Test func otherServicesTrustIdentitysTokensOnly() async throws {
        try await TestDatabase.withDatabase { database in
            let identityClock = ManualWallClock(Date())
            try await withService(IdentityService.self, on: database, clock: identityClock) { identityClient in
                let identity = IdentityDriver(client: identityClient, database: database)
                let (_, access, _) = try await identity.verifiedAccount("partout@example.ca")
                identityClock.advance(by: -3600)
                let old = try #require(try await identity.signIn("partout@example.ca").json()["accessToken"] as? String)
                let forged = try await AccessTokenSigner(privateKeyPEM: P256Key().pem).sign(
                    AccessTokenClaims(accountId: UUID(), issuedAt: Date(), expiresAt: Date() + 600))
                try await withService(EnrolmentService.self, on: database) { enrolment in
                    #expect(try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(access)).status == .ok)
                    try (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(old)))
                        .problem("/problems/invalid-token", status: .unauthorized)
                    try (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(forged)))
                        .problem("/problems/invalid-token", status: .unauthorized)
                }
            }
        }
    }

    /// Changing the password needs the current one, signs the other sessions out and mails a notice.
    @Test func changingThePasswordNeedsTheCurrentOne() async throws {
        try await withIdentity { identity, _ in
            let email = "change@example.ca"
            let (_, access, refresh) = try await identity.verifiedAccount(email)
            let other = try #require(try await identity.signIn(email).json()["refreshToken"] as? String)
            try (try await identity.post("/v1/me/password", ["currentPassword": "Pas-Le-Bon-1", "newPassword": "Tout-Neuf-2027"], token: access))
                .problem("/problems/password-incorrect", status: .forbidden)
            let changed = try await identity.post(
                "/v1/me/password", ["currentPassword": IdentityDriver.password, "newPassword": "Tout-Neuf-2027"], token: access)
            #expect(changed.status == .noContent, "\(changed.text)")
            #expect(try await identity.post("/v1/sessions/refresh", ["refreshToken": refresh]).status == .ok, "this session stays")
            try (try await identity.post("/v1/sessions/refresh", ["refreshToken": other])).problem(
                "/problems/refresh-token-invalid", status: .unauthorized)
            #expect(try await identity.mailbox.waitForMail(to: email, count: 2).subject.contains("changé"))
        }
    }
}
