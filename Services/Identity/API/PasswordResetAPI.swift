import Foundation
import ServiceKit

extension IdentityAPI {
    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        try await throttles.claim([(.mailByAddress, client.address)], at: now)
        guard let email = Self.emailField(body.email) else { throw Self.invalidEmail() }
        let (challenge, code, _) = newChallenge(.passwordReset, lifetime: IdentitySettings.resetCodeLifetime)
        let (api, mails) = (self, self.mails)
        let minutes = String(Int(IdentitySettings.resetCodeLifetime / 60))
        let outcome = try await accounts.requestReset(
            email: email, challenge: challenge, mail: { api.mail(mails.passwordReset, to: $0, values: ["code": code, "minutes": minutes]) },
            at: now, client: client)
        if case .pendingAccount = outcome {
            // Not verified yet: what its owner needs is the verification code again.
            let (signUpChallenge, signUpCode, link) = newChallenge(.signUp, lifetime: settings.signUpCodeLifetime, withLink: true)
            try await accounts.resendSignUp(
                email: email, challenge: signUpChallenge, mail: { api.signUpMail(to: $0, code: signUpCode, linkToken: link!) }, at: now)
        }
        return .accepted(.init(body: .json(Self.checkYourMail)))
    }

    func verifyPasswordReset(_ input: Operations.VerifyPasswordReset.Input) async throws -> Operations.VerifyPasswordReset.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        guard let email = Self.emailField(body.email) else { throw Self.invalidEmail() }
        try await throttles.claim([(.codeByAddress, client.address), (.codeByEmail, email)], at: now)
        let grant = SecretCodec.newToken()
        let expiresAt = now.addingTimeInterval(IdentitySettings.resetCodeLifetime)
        guard
            case .accepted = try await accounts.verifyReset(
                email: email, code: body.code, grantHash: SecretCodec.tokenHash(grant), grantExpiresAt: expiresAt, at: now)
        else { throw Problem.verificationFailed }
        try await throttles.release(.codeByEmail, email)
        try await throttles.release(.codeByAddress, client.address)
        return .ok(.init(body: .json(.init(resetToken: grant, expiresAt: expiresAt))))
    }

    func completePasswordReset(_ input: Operations.CompletePasswordReset.Input) async throws -> Operations.CompletePasswordReset.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        let grantHash = SecretCodec.tokenHash(body.resetToken)
        // The rules need the email (no password containing it): read it through the grant, before the hash.
        guard let email = try await accounts.emailForResetGrant(grantHash, at: now) else { throw Problem.verificationFailed }
        try checkPassword(body.newPassword, email: email, field: "newPassword")
        let newHash = try await hasher.hash(body.newPassword)
        let (api, mails) = (self, self.mails)
        guard
            try await accounts.completeReset(
                grantHash: grantHash, passwordHash: newHash, mail: { api.mail(mails.passwordChanged, to: $0, values: [:]) }, at: now,
                client: client)
        else { throw Problem.verificationFailed }
        return .noContent(.init())
    }
}
