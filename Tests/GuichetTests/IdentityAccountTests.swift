import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ServiceKit
import Testing

@testable import Identity

/// The account steps of the seeds (Mozaïk, Baie-Comeau, CSSPO, CAL) through identity's HTTP API and its mails.
@Suite struct IdentityAccountTests {
    /// Mozaïk: sign up, receive a 6-digit code, enter it, sign in.
    @Test func signUpVerifyByCodeAndSignIn() async throws {
        try await withIdentity { identity, clock in
            let email = "lea.tremblay@example.ca"
            let accepted = try await identity.signUp("  Lea.Tremblay@Example.ca ", extra: ["phone": "418 555-0199"])
            #expect(accepted.status == .accepted, "\(accepted.text)")
            let mail = try await identity.mailbox.waitForMail(to: email)
            #expect(mail.subject.hasPrefix("Votre code de vérification Guichet"))
            #expect(mail.text.contains("Bonjour Léa"))
            let code = try #require(mail.code)
            #expect(mail.linkToken != nil, "one mail carries both the code and the link")

            // The password does not work before the address is verified, and says what to do.
            let early = try await identity.signIn(email)
            try early.problem("/problems/email-not-verified", status: .forbidden)

            clock.advance(by: 60)
            let verified = try await identity.post("/v1/accounts/verification", ["email": email, "code": code])
            #expect(verified.status == .ok, "\(verified.text)")
            let account = try verified.json()
            #expect(account["email"] as? String == email)
            #expect(account["phone"] as? String == "418 555-0199")
            #expect(account["status"] as? String == "active")

            clock.advance(by: 60)
            let signedIn = try await identity.signIn(email)
            #expect(signedIn.status == .created, "\(signedIn.text)")
            let tokens = try signedIn.json()
            #expect(tokens["tokenType"] as? String == "Bearer")
            #expect(tokens["expiresIn"] as? Int == 900)
            let access = try #require(tokens["accessToken"] as? String)
            let me = try await identity.get("/v1/me", token: access)
            #expect(me.status == .ok)
            #expect(try me.json()["firstName"] as? String == "Léa")

            let events = try await identity.get("/v1/me/security-events", token: access)
            let kinds = try #require(try events.json()["items"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
            #expect(kinds == ["signed-in", "verified", "signed-up"], "newest first")

            // The code is single use.
            let again = try await identity.post("/v1/accounts/verification", ["email": email, "code": code])
            try again.problem("/problems/verification-failed", status: .unprocessableContent)
        }
    }

    /// Baie-Comeau: the link in the mail confirms the address. Opening the page changes nothing (mail scanners
    /// open links); its button does. A used or expired link is refused.
    @Test func theMailedLinkVerifiesOnceAndExpires() async throws {
        try await withIdentity { identity, clock in
            let email = "marc.gagnon@example.ca"
            _ = try await identity.signUp(email, firstName: "Marc", lastName: "Gagnon", language: "en")
            let mail = try await identity.mailbox.waitForMail(to: email)
            #expect(mail.subject.hasPrefix("Your Guichet verification code"), "in the language chosen at sign-up")
            let token = try #require(mail.linkToken)

            #expect(mail.text.contains("http://127.0.0.1:8080/compte/confirmer?token=\(token)"), "the link opens the portal's page")
            try (try await identity.signIn(email)).problem("/problems/email-not-verified", status: .forbidden)

            let confirmed = try await identity.post("/v1/accounts/verification", ["token": token])
            #expect(confirmed.status == .ok, "\(confirmed.text)")
            #expect(try await identity.signIn(email).status == .created)

            let reused = try await identity.post("/v1/accounts/verification", ["token": token])
            try reused.problem("/problems/verification-failed", status: .unprocessableContent)

            // A link older than 24 hours does not work.
            let late = "julie.roy@example.ca"
            _ = try await identity.signUp(late)
            let lateToken = try #require(try await identity.mailbox.waitForMail(to: late).linkToken)
            clock.advance(by: 24 * 3600 + 1)
            try (try await identity.post("/v1/accounts/verification", ["token": lateToken]))
                .problem("/problems/verification-failed", status: .unprocessableContent)
        }
    }

    /// After the fifth wrong code the code is void: even the right one then fails, and a new code works.
    @Test func theSixthAttemptFailsEvenWithTheRightCode() async throws {
        try await withIdentity { identity, clock in
            let email = "sophie.cote@example.ca"
            _ = try await identity.signUp(email)
            let code = try #require(try await identity.mailbox.waitForMail(to: email).code)
            let wrong = code == "000000" ? "111111" : "000000"
            for _ in 1...5 {
                try (try await identity.post("/v1/accounts/verification", ["email": email, "code": wrong]))
                    .problem("/problems/verification-failed", status: .unprocessableContent)
            }
            clock.advance(by: 120)  // past the growing delay the failures earned
            try (try await identity.post("/v1/accounts/verification", ["email": email, "code": code]))
                .problem("/problems/verification-failed", status: .unprocessableContent)

            #expect(try await identity.post("/v1/accounts/verification/resend", ["email": email]).status == .accepted)
            let fresh = try #require(try await identity.mailbox.waitForMail(to: email, count: 2).code)
            clock.advance(by: 600)
            let verified = try await identity.post("/v1/accounts/verification", ["email": email, "code": fresh])
            #expect(verified.status == .ok, "\(verified.text)")
        }
    }

    /// Mozaïk's "create your account again with the same email": the latest sign-up wins, the first one's
    /// password and code stop working. An address that has an account is not taken over, and the answer is
    /// the same, so nobody learns who has an account.
    @Test func aSecondSignUpReplacesAnUnverifiedOne() async throws {
        try await withIdentity { identity, clock in
            let email = "nadia.belanger@example.ca"
            let first = try await identity.signUp(email, password: "Premier-Essai-1")
            let firstCode = try #require(try await identity.mailbox.waitForMail(to: email).code)
            let second = try await identity.signUp(email, password: "Second-Essai-2", firstName: "Nadia")
            #expect(first.status == second.status && first.text == second.text)
            let secondCode = try #require(try await identity.mailbox.waitForMail(to: email, count: 2).code)
            if firstCode != secondCode {
                try (try await identity.post("/v1/accounts/verification", ["email": email, "code": firstCode]))
                    .problem("/problems/verification-failed", status: .unprocessableContent)
            }
            #expect(try await identity.post("/v1/accounts/verification", ["email": email, "code": secondCode]).status == .ok)
            try (try await identity.signIn(email, password: "Premier-Essai-1")).problem("/problems/sign-in-failed", status: .unauthorized)
            #expect(try await identity.signIn(email, password: "Second-Essai-2").status == .created)

            // Now verified: a third sign-up changes nothing and mails the holder instead.
            clock.advance(by: 61)
            let third = try await identity.signUp(email, password: "Troisieme-Essai-3")
            #expect(third.status == second.status && third.text == second.text)
            let notice = try await identity.mailbox.waitForMail(to: email, count: 3)
            #expect(notice.code == nil && notice.subject.contains("inscription a été tentée"))
            #expect(try await identity.signIn(email, password: "Second-Essai-2").status == .created)
            try (try await identity.signIn(email, password: "Troisieme-Essai-3")).problem("/problems/sign-in-failed", status: .unauthorized)
        }
    }

    /// The rules a person reads before typing are the ones a refusal names, in the same words.
    @Test func thePasswordRulesArePublishedInTheWordsOfARefusal() async throws {
        try await withIdentity { identity, _ in
            let published = try await identity.get("/v1/password-rules")
            #expect(published.status == .ok)
            let body = try published.json()
            #expect(body["minimumLength"] as? Int == 8)
            let rules = try #require(body["rules"] as? [[String: Any]])
            let texts = Dictionary(uniqueKeysWithValues: rules.map { ($0["code"] as! String, $0["text"] as! [String: String]) })
            #expect(Set(texts.keys) == ["tooShort", "tooLong", "notEnoughCharacterKinds", "common", "containsEmail"])
            let refused = try await identity.signUp("x@example.ca", password: "xqz")
            let errors = try #require(try refused.json()["errors"] as? [[String: Any]])
            for error in errors where error["field"] as? String == "password" {
                #expect(error["message"] as? [String: String] == texts[error["code"] as! String], "\(error)")
            }
            #expect(errors.count == 2)
        }
    }

    /// Every unmet rule is named, in French and English; a child cannot hold an account; the consent must be
    /// the text in force. Nothing is created.
    @Test func badSignUpsAreRefusedWithEveryReason() async throws {
        try await withIdentity { identity, _ in
            let weak = try await identity.signUp("x@example.ca", password: "xqz", birthDate: "2015-03-01", extra: ["consentVersion": 7])
            let fields = try weak.problem("/problems/validation", status: .unprocessableContent)
            let errors = try #require(fields["errors"] as? [[String: Any]])
            let codes = Set(errors.compactMap { "\($0["field"]!):\($0["code"]!)" })
            #expect(codes == ["password:tooShort", "password:notEnoughCharacterKinds", "birthDate:tooYoung", "consentVersion:notCurrent"])
            #expect(errors.allSatisfy { (($0["message"] as? [String: String])?["en"]?.isEmpty) == false })
            // No consent given: one more reason among the others, never a separate round.
            let unconsented = try await identity.post(
                "/v1/accounts",
                ["firstName": "Zoé", "lastName": "Roy", "email": "z@example.ca", "password": "xqz", "language": "fr", "birthDate": "1990-01-01"])
            let unconsentedCodes = Set(
                (try #require(try unconsented.problem("/problems/validation", status: .unprocessableContent)["errors"] as? [[String: Any]])).map {
                    "\($0["field"]!):\($0["code"]!)"
                })
            #expect(unconsentedCodes == ["password:tooShort", "password:notEnoughCharacterKinds", "consentVersion:required"])
            let common = try await identity.signUp("y@example.ca", password: "Password1")
            #expect(try common.fieldErrors()["password"] == "common")
            let mine = try await identity.signUp("helene.roy@example.ca", password: "Helene.Roy-1985")
            #expect(try mine.fieldErrors()["password"] == "containsEmail")
            let badEmail = try await identity.signUp("pas-une-adresse")
            #expect(try badEmail.fieldErrors()["email"] == "invalid")
            // Nothing invisible, no line break into a mail header, no emoji.
            for email in [
                "lea@example.ca\r\nBcc: tous@example.ca", "l\u{202E}ea@example.ca", "l\u{200B}ea@example.ca", "léa🎉@example.ca",
                "lea@exa\u{2028}mple.ca", "lea..roy@example.ca",
            ] {
                #expect(try await identity.signUp(email).fieldErrors()["email"] == "invalid", "\(email.debugDescription)")
            }
            #expect(try await identity.signUp("léa.côté@exemple.québec").status == .accepted, "letters of any script are addresses")
            #expect(try await identity.database.count("SELECT count(*) FROM identity.accounts") == 1)
            #expect(try await identity.database.count("SELECT count(*) FROM identity.mail_outbox") == 1)
        }
    }

    /// The stricter ASVS 5 rule is one setting away.
    @Test func theASVS5PolicyIsOneSettingAway() async throws {
        try await withIdentity(environment: ["PASSWORD_POLICY": "asvs5"]) { identity, _ async throws in
            #expect(try await identity.signUp("a@example.ca", password: "Vélo-Rouge-77").fieldErrors()["password"] == "tooShort")
            #expect(try await identity.signUp("a@example.ca", password: "un vélo rouge sous la pluie").status == .accepted)
        }
    }

    /// Codes and links are stored only as hashes, and the queued mail that carries them is sealed, then erased.
    @Test func codesAndLinksAreNeverStoredInClear() async throws {
        try await withIdentity { identity, _ in
            let email = "code.secret@example.ca"
            _ = try await identity.signUp(email)
            let mail = try await identity.mailbox.waitForMail(to: email)
            let (code, token) = (try #require(mail.code), try #require(mail.linkToken))
            let dump = try await TestDatabase.admin(database: identity.database.name) { connection in
                var text = ""
                for table in ["accounts", "email_challenges", "mail_outbox", "outbox", "security_events", "consents"] {
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT row_to_json(t)::text FROM identity.\(table) t"), logger: TestEnvironment.logger)
                    for try await row in rows.decode(String.self) { text += row }
                }
                return text
            }
            #expect(!dump.isEmpty)
            #expect(!dump.contains(code) && !dump.contains(token) && !dump.contains(IdentityDriver.password))
            #expect(dump.contains("\\\\x"), "hashes are there, as bytea")
        }
    }

    /// The consent to electronic documents is given and withdrawn in the account, recorded in the ledger with both
    /// moments, and each change announced with a growing version; the sign-up consent is not withdrawn here.
    @Test func electronicDocumentsConsentIsGivenWithdrawnAndAnnounced() async throws {
        try await withIdentity { identity, clock in
            let (_, access, _) = try await identity.verifiedAccount("consent@example.ca")
            func call(_ method: HTTPRequest.Method, _ uri: String, _ body: [String: Any]? = nil) async throws -> TestResponse {
                try await identity.client.execute(uri: uri, method: method, headers: bearer(access, json: body != nil), body: body.map(jsonBody))
            }
            let text = try await identity.get("/v1/consent-texts/current?purpose=electronic-documents").json()
            #expect(text["version"] as? Int == 1 && ((text["text"] as? [String: Any])?["en"] as? String)?.contains("Relevé 24") == true)
            try await call(.put, "/v1/me/consents/electronic-documents", ["version": 2]).problem("/problems/consent-text-outdated", status: .conflict)
            try await call(.delete, "/v1/me/consents/personal-information").problem("/problems/validation", status: .unprocessableContent)
            let given = try await call(.put, "/v1/me/consents/electronic-documents", ["version": 1])
            #expect(given.status == .ok, "\(given.text)")
            clock.advance(by: 60)
            #expect(
                try await call(.put, "/v1/me/consents/electronic-documents", ["version": 1]).json()["givenAt"] as? String == given.json()["givenAt"]
                    as? String)
            let listed = try await call(.get, "/v1/me/consents").json()["items"] as? [[String: Any]] ?? []
            #expect(Set(listed.compactMap { $0["purpose"] as? String }) == ["personal-information", "electronic-documents"])
            #expect(try await call(.delete, "/v1/me/consents/electronic-documents").status == .noContent)
            #expect(try await call(.delete, "/v1/me/consents/electronic-documents").status == .noContent, "withdrawing twice is no change")
            let after = try await call(.get, "/v1/me/consents").json()["items"] as? [[String: Any]] ?? []
            #expect(after.compactMap { $0["purpose"] as? String } == ["personal-information"])
            clock.advance(by: 60)
            #expect(try await call(.put, "/v1/me/consents/electronic-documents", ["version": 1]).status == .ok, "given again")
            let events = try await TestDatabase.admin(database: identity.database.name) { connection in
                var payloads: [[String: Any]] = []
                for try await payload in try await connection.query(
                    "SELECT convert_from(payload, 'UTF8') FROM identity.outbox WHERE routing_key = 'identity.consent.changed' ORDER BY position",
                    logger: TestEnvironment.logger
                ).decode(String.self) {
                    payloads.append(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] ?? [:])
                }
                return payloads
            }
            #expect(events.map { $0["given"] as? Bool } == [true, false, true], "one event per change")
            let versions = events.compactMap { $0["version"] as? Int }
            #expect(versions.count == 3 && versions[0] < versions[1] && versions[1] < versions[2])
            let history = try await identity.database.count("SELECT count(*) FROM identity.consent_changes WHERE purpose = 'electronic-documents'")
            #expect(history == 3, "every giving and withdrawal kept, in order")
        }
    }
}
