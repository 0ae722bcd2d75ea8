import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import JWTKit
import Testing

@testable import Identity

@Suite struct PasswordPolicyTests {
    let seeds = PasswordPolicy(mode: .seeds)

    func codes(_ password: String, _ email: String = "lea.tremblay@example.ca", policy: PasswordPolicy? = nil) -> [String] {
        (policy ?? seeds).violations(of: password, email: email).map(\.code)
    }

    @Test func theSeedsRuleAsksForEightCharactersOfThreeKinds() {
        #expect(codes("Vélo-Rouge-77").isEmpty)
        #expect(codes("xqz") == ["tooShort", "notEnoughCharacterKinds"])
        #expect(codes("xqzwvkjhgf") == ["notEnoughCharacterKinds"])
        #expect(codes("xqzwvkjh7") == ["notEnoughCharacterKinds"])
        #expect(codes("bnrtkqwz1!").isEmpty, "lowercase, digit and symbol are three kinds")
        #expect(codes(String(repeating: "Ab1!", count: 33)) == ["tooLong"])
    }

    @Test func commonPasswordsAndTheEmailAreRefused() {
        #expect(CommonPasswords.set.count == 10_000)
        #expect(codes("Password1").contains("common"), "compared without case")
        #expect(codes("Qwerty123").contains("common"))
        #expect(codes("Lea.Tremblay-2027") == ["containsEmail"])
    }

    @Test func commonPasswordsInDisguiseAreRefusedInFrenchAndEnglish() {
        for disguised in [
            "Password123!", "Qwerty123!", "Azerty123!", "Welcome1!", "Passw0rd!", "P@ssw0rd2026", "Bienvenue2026!", "M0tDePa$$e1",
            "!Soleil123", "Bienvenüe99", "Montr3al!!",
        ] {
            #expect(codes(disguised).contains("common"), "\(disguised)")
        }
        for fine in ["Vélo-Rouge-77", "Tortue-Lune-42!", "Q1w!zorb-Kappa"] {
            #expect(!codes(fine).contains("common"), "\(fine)")
        }
    }

    @Test func everyUnmetRuleIsNamedInBothLanguages() throws {
        let errors = seeds.violations(of: "xqz", email: "x@example.ca")
        #expect(errors.allSatisfy { $0.field == "password" && !$0.message.fr.isEmpty && !$0.message.en.isEmpty })
        #expect(errors.first?.message.fr == "Au moins 8 caractères.")
    }

    @Test func passwordsAreComparedInNFC() {
        let composed = "Caf\u{E9}-Noir-42"
        let decomposed = "Cafe\u{301}-Noir-42"
        #expect(composed.unicodeScalars.count != decomposed.unicodeScalars.count)
        #expect(PasswordPolicy.normalized(composed) == PasswordPolicy.normalized(decomposed))
        #expect(Array(PasswordPolicy.normalized(decomposed).utf8) == Array(composed.utf8))
    }

    @Test func theASVS5ModeIsLengthOnly() {
        let strict = PasswordPolicy(mode: .asvs5)
        #expect(codes("Vélo-Rouge-77", policy: strict) == ["tooShort"])
        #expect(codes("un vélo rouge sous la pluie", policy: strict).isEmpty, "no composition rule")
    }
}

@Suite struct JWKSTests {
    /// Partners verify tokens with the published key: it is identity's public key, with the kid tokens carry.
    @Test func identityPublishesItsVerificationKeys() async throws {
        try await withService(IdentityService.self) { client, _ in
            let response = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/jwk-set+json")
            let keys = try #require(try response.json()["keys"] as? [[String: String]])
            #expect(keys.count == 1)
            let key = try #require(keys.first)
            #expect(key["kty"] == "EC" && key["crv"] == "P-256" && key["alg"] == "ES256" && key["use"] == "sig")
            #expect(key["kid"] == (try await AccessTokenSigner(privateKeyPEM: TestKeys.shared.privateKeyPEM)).keyID)
            func bytes(_ text: String?) -> Data {
                var base64 = (text ?? "").replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
                return Data(base64Encoded: base64) ?? Data()
            }
            let rebuilt = try P256.Signing.PublicKey(rawRepresentation: bytes(key["x"]) + bytes(key["y"]))
            #expect(rebuilt.pemRepresentation == TestKeys.shared.publicKeyPEM)
            // A partner loading the set with jwt-kit verifies identity's tokens.
            let partnerKeys = try await JWTKeyCollection().add(
                jwks: JSONDecoder().decode(JWTKit.JWKS.self, from: Data(response.body.readableBytesView)))
            let signer = try await AccessTokenSigner(privateKeyPEM: TestKeys.shared.privateKeyPEM)
            let now = Date()
            let token = try await signer.sign(AccessTokenClaims(accountId: UUID(), issuedAt: now, expiresAt: now + 60, roles: []))
            _ = try await partnerKeys.verify(token, as: AccessTokenClaims.self)
        }
    }
}
