import Database
import Foundation
import Logging
import PostgresNIO

/// Signed-in browsers and the identity tokens they act with. The browser holds only the secret.
struct BrowserSessionStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    struct Session: Sendable {
        var accountId: UUID
        var tokens: IdentityTokens
        var staySignedIn: Bool
    }

    func create(_ secret: BrowserSecret, session: Session, at now: Date) async throws {
        let sealed = try secret.seal(try JSONEncoder().encode(session.tokens), for: .identityTokens)
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            // Sessions past their refresh token's expiry are of no use to anyone: cleared as new ones come.
            try await connection.query("DELETE FROM browser_sessions WHERE expires_at < \(now)", logger: logger)
            try await connection.query(
                """
                INSERT INTO browser_sessions (secret_hash, account_id, sealed_tokens, stay_signed_in, created_at, expires_at)
                VALUES (\(secret.lookupHash), \(session.accountId), \(sealed), \(session.staySignedIn), \(now), \(session.tokens.refreshExpiresAt))
                """, logger: logger)
        }
    }

    /// The session of this secret, its access token refreshed first when it is about to expire. `refresh` calls
    /// identity with the refresh token and returns the new tokens, or nil when identity no longer accepts it (the
    /// session is then removed). The row stays locked during the refresh: two pages loading at once never present
    /// the same refresh token twice (identity would take that for a copied token and sign the person out).
    /// `refreshNow`: refreshed whatever its expiry (the session just gave the second factor, which only new tokens say).
    func session(
        _ secret: BrowserSecret, at now: Date, refreshNow: Bool = false, refresh: @Sendable (IdentityTokens) async throws -> IdentityTokens?
    ) async throws -> Session? {
        let logger = self.logger
        let hash = secret.lookupHash
        guard let found = try await read(secret, hash: hash, at: now, on: nil) else { return nil }
        if found.tokens.accessUsable(at: now), !refreshNow { return found }
        return try await client.transaction(logger: logger) { connection in
            guard var locked = try await read(secret, hash: hash, at: now, on: connection, forUpdate: true) else { return nil }
            // Refreshed by another page meanwhile.
            if locked.tokens.accessUsable(at: now), !refreshNow || locked.tokens.refreshToken != found.tokens.refreshToken { return locked }
            guard let renewed = try await refresh(locked.tokens) else {
                try await connection.query("DELETE FROM browser_sessions WHERE secret_hash = \(hash)", logger: logger)
                return nil
            }
            locked.tokens = renewed
            let sealed = try secret.seal(try JSONEncoder().encode(renewed), for: .identityTokens)
            try await connection.query(
                "UPDATE browser_sessions SET sealed_tokens = \(sealed), expires_at = \(renewed.refreshExpiresAt) WHERE secret_hash = \(hash)",
                logger: logger)
            return locked
        }
    }

    func delete(_ secret: BrowserSecret) async throws {
        try await client.query("DELETE FROM browser_sessions WHERE secret_hash = \(secret.lookupHash)", logger: logger)
    }

    private func read(
        _ secret: BrowserSecret, hash: Data, at now: Date, on connection: PostgresConnection?, forUpdate: Bool = false
    ) async throws -> Session? {
        let lock = forUpdate ? " FOR UPDATE" : ""
        var query: PostgresQuery =
            try "SELECT account_id, sealed_tokens, stay_signed_in FROM browser_sessions WHERE secret_hash = \(hash) AND expires_at > \(now)"
        query.sql += lock
        let rows: PostgresRowSequence
        if let connection {
            rows = try await connection.query(query, logger: logger)
        } else {
            rows = try await client.query(query, logger: logger)
        }
        for try await (account, sealed, stay) in rows.decode((UUID, Data, Bool).self) {
            guard let opened = secret.open(sealed, for: .identityTokens), let tokens = try? JSONDecoder().decode(IdentityTokens.self, from: opened)
            else {
                return nil
            }
            return Session(accountId: account, tokens: tokens, staySignedIn: stay)
        }
        return nil
    }
}
