import Foundation
import ServiceKit

extension IdentityAPI {
    func signIn(_ input: Operations.SignIn.Input) async throws -> Operations.SignIn.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        let email = EmailAddress.normalized(body.email)
        try await throttles.claim([(.signInByEmail, email), (.signInByAddress, client.address)], at: now)
        // An unknown email is checked against a decoy hash: same work, same time, same answer.
        let account = EmailAddress.isPlausible(email) ? try await accounts.find(email: email) : nil
        guard try await hasher.verify(body.password, hash: account?.passwordHash), let account else {
            if let account { try await recordFailedSignIn(account, at: now) }
            throw Problem.signInFailed
        }
        // Only someone who knows the password learns the address is waiting for its code.
        guard account.status == .active else { throw Problem.emailNotVerified }
        try await throttles.reset(.signInByEmail, email)
        try await throttles.release(.signInByAddress, client.address)
        let staySignedIn = body.staySignedIn ?? false
        if try await secondFactors.isOn(account: account.id) {
            return .accepted(.init(body: .json(try await secondFactorChallenge(for: account, staySignedIn: staySignedIn, at: now))))
        }
        let refreshToken = SecretCodec.newToken()
        let session = try await sessions.create(
            account: account.id, staySignedIn: staySignedIn, refreshHash: SecretCodec.tokenHash(refreshToken),
            expiresAt: now.addingTimeInterval(staySignedIn ? IdentitySettings.staySignedInLifetime : IdentitySettings.refreshLifetime),
            at: now, client: client)
        return .created(.init(body: .json(try await tokens(for: account, session: session, refreshToken: refreshToken, at: now))))
    }

    private func recordFailedSignIn(_ account: Account, at: Date) async throws {
        try await accounts.client.transaction(logger: RequestScope.logger) { connection in
            try await SecurityEventLog.record(
                .signInFailed, account: account.id, at: at, client: client, on: connection, logger: RequestScope.logger)
        }
    }

    /// An access token carrying the account's current roles, and the session's refresh token.
    func tokens(
        for account: Account, session: SessionStore.Session, refreshToken: String, at: Date
    ) async throws
        -> Components.Schemas.SessionTokens
    {
        let roles = try await staff.roles(account: account.id)
        let claims = AccessTokenClaims(
            accountId: account.id, issuedAt: at, expiresAt: at.addingTimeInterval(settings.accessTokenLifetime), roles: roles,
            sessionId: session.id, isAdmin: settings.adminEmails.contains(account.email), secondFactorAt: session.secondFactorAt)
        return .init(
            secondFactorAt: session.secondFactorAt, accessToken: try await signer.sign(claims), tokenType: .bearer,
            expiresIn: Int(settings.accessTokenLifetime), refreshToken: refreshToken, refreshExpiresAt: session.expiresAt,
            accountId: account.id.uuidString.lowercased())
    }

    func refreshSession(_ input: Operations.RefreshSession.Input) async throws -> Operations.RefreshSession.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        let next = SecretCodec.newToken()
        let outcome = try await sessions.rotate(
            presented: SecretCodec.tokenHash(body.refreshToken), next: SecretCodec.tokenHash(next), at: now, client: client)
        guard case .rotated(let session) = outcome, let account = try await accounts.find(id: session.accountId) else {
            if case .reused = outcome {
                RequestScope.logger.warning("refresh token reused; session revoked")
            }
            throw Problem.refreshTokenInvalid
        }
        return .ok(.init(body: .json(try await tokens(for: account, session: session, refreshToken: next, at: now))))
    }

    func signOut(_ input: Operations.SignOut.Input) async throws -> Operations.SignOut.Output {
        let principal = try RequestScope.requirePrincipal()
        if let session = principal.sessionId {
            try await sessions.revoke(session: session, account: principal.accountId, at: clock.now(), client: client)
        }
        return .noContent(.init())
    }
}
