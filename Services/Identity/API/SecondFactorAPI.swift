import DomainKit
import Foundation
import ServiceKit

/// The second factor: turning an authenticator app on and off, recovery codes, and the code asked at sign-in and
/// again before sensitive actions.
extension IdentityAPI {
    func startSecondFactor(_ input: Operations.StartSecondFactor.Input) async throws -> Operations.StartSecondFactor.Output {
        let (_, account) = try await signedInAccount()
        let secret = Totp.newSecret()
        let sealed = try codec.sealSecondFactorSecret(secret, account: account.id)
        guard try await secondFactors.begin(account: account.id, sealedSecret: sealed, at: clock.now()) else {
            throw Problem.secondFactorAlreadyOn
        }
        return .created(
            .init(
                body: .json(
                    .init(
                        secret: Base32.encode(secret), keyUri: Totp.keyURI(secret: secret, account: account.email), algorithm: .sha1,
                        digits: Totp.digits, period: Int(Totp.period)))))
    }

    func confirmSecondFactor(_ input: Operations.ConfirmSecondFactor.Input) async throws -> Operations.ConfirmSecondFactor.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (principal, account) = try await signedInAccount()
        let now = clock.now()
        guard let factor = try await secondFactors.factor(account: account.id) else { throw Problem.secondFactorNotStarted }
        guard factor.confirmedAt == nil else { throw Problem.secondFactorAlreadyOn }
        try await confirmPassword(body.currentPassword, of: account)
        let key = account.id.uuidString
        try await throttles.claim([(.secondFactorByAccount, key)], at: now)
        let secret = try codec.openSecondFactorSecret(factor.sealedSecret, account: account.id)
        guard let step = Totp.matchingStep(Self.digits(body.code), secret: secret, at: now, after: factor.lastUsedStep) else {
            throw Problem.secondFactorCodeInvalid
        }
        let (codes, hashes) = newRecoveryCodes(account: account.id)
        guard
            try await secondFactors.confirm(
                account: account, step: step, sealedSecret: factor.sealedSecret, recoveryHashes: hashes, session: principal.sessionId,
                mail: mail(mails.secondFactorEnabled, to: account, values: [:]), at: now, client: client)
        else { throw Problem.secondFactorNotStarted }
        try await throttles.release(.secondFactorByAccount, key)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func renewRecoveryCodes(_ input: Operations.RenewRecoveryCodes.Input) async throws -> Operations.RenewRecoveryCodes.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (_, account) = try await signedInAccount()
        try await checkSecondFactor(body.code, of: account.id)
        let (codes, hashes) = newRecoveryCodes(account: account.id)
        try await secondFactors.replaceRecoveryCodes(account: account.id, with: hashes, at: clock.now(), client: client)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func removeSecondFactor(_ input: Operations.RemoveSecondFactor.Input) async throws -> Operations.RemoveSecondFactor.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (_, account) = try await signedInAccount()
        try await confirmPassword(body.currentPassword, of: account)
        try await checkSecondFactor(body.code, of: account.id)
        guard
            try await secondFactors.remove(
                account: account.id, mail: mail(mails.secondFactorDisabled, to: account, values: [:]), at: clock.now(), client: client)
        else { throw Problem.secondFactorOff }
        return .noContent(.init())
    }

    func completeSignIn(_ input: Operations.CompleteSignIn.Input) async throws -> Operations.CompleteSignIn.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        guard
            let challenge = try await secondFactors.openChallenge(
                tokenHash: SecretCodec.tokenHash(body.secondFactorToken), at: now, maximumAttempts: IdentitySettings.maximumCodeAttempts),
            let account = try await accounts.find(id: challenge.accountId)
        else { throw Problem.secondFactorChallengeInvalid }
        guard try await secondFactors.claimAttempt(challenge: challenge.id, maximumAttempts: IdentitySettings.maximumCodeAttempts) else {
            throw Problem.secondFactorChallengeInvalid
        }
        try await checkSecondFactor(body.code, of: account.id)
        guard try await secondFactors.useChallenge(challenge.id, at: now) else { throw Problem.secondFactorChallengeInvalid }
        let refreshToken = SecretCodec.newToken()
        let session = try await sessions.create(
            account: account.id, staySignedIn: challenge.staySignedIn, refreshHash: SecretCodec.tokenHash(refreshToken),
            expiresAt: now.addingTimeInterval(challenge.staySignedIn ? IdentitySettings.staySignedInLifetime : IdentitySettings.refreshLifetime),
            secondFactorAt: now, at: now, client: client)
        return .created(.init(body: .json(try await tokens(for: account, session: session, refreshToken: refreshToken, at: now))))
    }

    func confirmSecondFactorAgain(
        _ input: Operations.ConfirmSecondFactorAgain.Input
    ) async throws -> Operations.ConfirmSecondFactorAgain.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (principal, account) = try await signedInAccount()
        guard let session = principal.sessionId else { throw Problem.invalidToken }
        try await checkSecondFactor(body.code, of: account.id)
        guard try await sessions.recordSecondFactor(session: session, account: account.id, at: clock.now()) else {
            throw Problem.invalidToken
        }
        return .noContent(.init())
    }

    /// A sign-in with the right password, for an account with a second factor: the challenge its code completes.
    func secondFactorChallenge(for account: Account, staySignedIn: Bool, at now: Date) async throws -> Components.Schemas.SecondFactorChallenge {
        let token = SecretCodec.newToken()
        let expiresAt = now.addingTimeInterval(IdentitySettings.secondFactorChallengeLifetime)
        try await secondFactors.createChallenge(
            account: account.id, tokenHash: SecretCodec.tokenHash(token), staySignedIn: staySignedIn, expiresAt: expiresAt, at: now)
        return .init(secondFactorToken: token, expiresAt: expiresAt)
    }

    /// Checks an app code or a recovery code against the account's second factor, each usable once, under the
    /// account's throttle; throws 422 for a wrong one and 409 if the factor is off.
    func checkSecondFactor(_ code: String, of account: UUID) async throws {
        let now = clock.now()
        let key = account.uuidString
        try await throttles.claim([(.secondFactorByAccount, key)], at: now)
        guard let factor = try await secondFactors.factor(account: account), factor.confirmedAt != nil else {
            try await throttles.release(.secondFactorByAccount, key)
            throw Problem.secondFactorOff
        }
        let accepted: Bool
        let digits = Self.digits(code)
        if digits.count == Totp.digits, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let secret = try codec.openSecondFactorSecret(factor.sealedSecret, account: account)
            if let step = Totp.matchingStep(digits, secret: secret, at: now, after: factor.lastUsedStep) {
                accepted = try await secondFactors.useStep(account: account, step: step)
            } else {
                accepted = false
            }
        } else if let recovery = RecoveryCode.normalized(code) {
            let holder = try await accounts.find(id: account)
            let (api, template) = (self, mails.recoveryCodeUsed)
            accepted = try await secondFactors.useRecoveryCode(
                account: account, hash: codec.recoveryCodeHash(recovery, account: account), at: now, client: client
            ) { left in holder.map { api.mail(template, to: $0, values: ["left": String(left)]) } }
        } else {
            accepted = false
        }
        guard accepted else {
            try await secondFactors.recordFailure(account: account, at: now, client: client)
            throw Problem.secondFactorCodeInvalid
        }
        try await throttles.release(.secondFactorByAccount, key)
    }

    /// Ten new recovery codes, as shown once, and the hashes they are kept as.
    func newRecoveryCodes(account: UUID) -> (codes: [String], hashes: [Data]) {
        let codes = (0..<RecoveryCode.count).map { _ in RecoveryCode.generate() }
        return (codes, codes.compactMap(RecoveryCode.normalized).map { codec.recoveryCodeHash($0, account: account) })
    }

    /// An app code as typed: "123 456" is 123456.
    static func digits(_ code: String) -> String {
        code.filter { !$0.isWhitespace }
    }
}
