import Database
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Sign-in sessions and their refresh tokens. A session is a family of refresh tokens: each works once and is
/// replaced by the next; presenting one already used means it was copied, and the whole family is revoked.
struct SessionStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    struct Session: Sendable {
        var id: UUID
        var accountId: UUID
        var expiresAt: Date
        /// When the second factor was last given in this session (at sign-in, or again before a sensitive action).
        var secondFactorAt: Date?
    }

    func create(
        account: UUID, staySignedIn: Bool, refreshHash: Data, expiresAt: Date, secondFactorAt: Date? = nil, at: Date,
        client clientInfo: ClientInfo
    ) async throws -> Session {
        let logger = self.logger
        let session = Session(id: UUID(), accountId: account, expiresAt: expiresAt, secondFactorAt: secondFactorAt)
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO sign_in_sessions (id, account_id, stay_signed_in, created_at, expires_at, second_factor_at)
                VALUES (\(session.id), \(account), \(staySignedIn), \(at), \(expiresAt), \(secondFactorAt))
                """, logger: logger)
            try await connection.query(
                "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (\(refreshHash), \(session.id), \(at))",
                logger: logger)
            try await SecurityEventLog.record(.signedIn, account: account, at: at, client: clientInfo, on: connection, logger: logger)
        }
        return session
    }

    enum Refresh: Sendable {
        case rotated(Session)
        case reused
        case invalid
    }

    /// Replaces the refresh token `presented` by `next`; the session keeps its original expiry.
    func rotate(presented: Data, next: Data, at: Date, client clientInfo: ClientInfo) async throws -> Refresh {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT s.id, s.account_id, s.expires_at, s.revoked_at, t.used_at, s.second_factor_at FROM refresh_tokens t
                JOIN sign_in_sessions s ON s.id = t.session_id
                JOIN accounts a ON a.id = s.account_id AND a.status = 'active'
                WHERE t.token_hash = \(presented)
                FOR UPDATE OF s
                """, logger: logger)
            var found: (UUID, UUID, Date, Date?, Date?, Date?)?
            for try await row in rows.decode((UUID, UUID, Date, Date?, Date?, Date?).self) { found = row }
            guard let (id, account, expiresAt, revokedAt, usedAt, secondFactorAt) = found, revokedAt == nil, expiresAt > at else { return .invalid }
            if usedAt != nil {
                try await connection.query(
                    "UPDATE sign_in_sessions SET revoked_at = \(at), revoked_reason = 'refresh-token-reused' WHERE id = \(id)",
                    logger: logger)
                try await SecurityEventLog.record(.refreshTokenReused, account: account, at: at, client: clientInfo, on: connection, logger: logger)
                return .reused
            }
            try await connection.query("UPDATE refresh_tokens SET used_at = \(at) WHERE token_hash = \(presented)", logger: logger)
            try await connection.query(
                "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (\(next), \(id), \(at))", logger: logger)
            return .rotated(Session(id: id, accountId: account, expiresAt: expiresAt, secondFactorAt: secondFactorAt))
        }
    }

    /// The second factor given again in a live session (a step-up before a sensitive action).
    func recordSecondFactor(session: UUID, account: UUID, at: Date) async throws -> Bool {
        try await client.query(
            """
            UPDATE sign_in_sessions SET second_factor_at = \(at)
            WHERE id = \(session) AND account_id = \(account) AND revoked_at IS NULL AND expires_at > \(at) RETURNING 1
            """, logger: logger
        ).collect().count == 1
    }

    func revoke(session: UUID, account: UUID, at: Date, client clientInfo: ClientInfo) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            let revoked = try await connection.query(
                """
                UPDATE sign_in_sessions SET revoked_at = \(at), revoked_reason = 'signed-out'
                WHERE id = \(session) AND account_id = \(account) AND revoked_at IS NULL RETURNING 1
                """, logger: logger
            ).collect().count
            if revoked > 0 {
                try await SecurityEventLog.record(.signedOut, account: account, at: at, client: clientInfo, on: connection, logger: logger)
            }
        }
    }
}
