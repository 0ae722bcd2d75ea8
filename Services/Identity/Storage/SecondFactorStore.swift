import Crypto
import Database
import Foundation
import Logging
import Mail
import PostgresNIO
import ServiceKit

/// Each account's authenticator app (TOTP), its recovery codes, and the challenges of sign-ins waiting for a code.
struct SecondFactorStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    /// Key the queued mails are sealed with (the account store's).
    let mailKey: SymmetricKey

    struct Factor: Sendable {
        var sealedSecret: Data
        var confirmedAt: Date?
        var lastUsedStep: Int64
    }

    func factor(account: UUID) async throws -> Factor? {
        let rows = try await client.query(
            "SELECT sealed_secret, confirmed_at, last_used_step FROM second_factors WHERE account_id = \(account)", logger: logger)
        for try await (sealed, confirmedAt, lastUsedStep) in rows.decode((Data, Date?, Int64).self) {
            return Factor(sealedSecret: sealed, confirmedAt: confirmedAt, lastUsedStep: lastUsedStep)
        }
        return nil
    }

    func isOn(account: UUID) async throws -> Bool {
        try await factor(account: account)?.confirmedAt != nil
    }

    func recoveryCodesLeft(account: UUID) async throws -> Int {
        try await client.query(
            "SELECT count(*)::integer FROM recovery_codes WHERE account_id = \(account) AND used_at IS NULL", logger: logger
        ).collect().first?.decode(Int.self) ?? 0
    }

    /// Keeps a new secret waiting for its first code; replaces one still waiting. False if a factor is on.
    func begin(account: UUID, sealedSecret: Data, at: Date) async throws -> Bool {
        try await client.query(
            """
            INSERT INTO second_factors (account_id, sealed_secret, created_at) VALUES (\(account), \(sealedSecret), \(at))
            ON CONFLICT (account_id) DO UPDATE SET sealed_secret = EXCLUDED.sealed_secret, created_at = EXCLUDED.created_at,
                last_used_step = 0
            WHERE second_factors.confirmed_at IS NULL
            RETURNING 1
            """, logger: logger
        ).collect().count == 1
    }

    /// Turns the waiting secret on with the step of the code that proved the app has it, stores the recovery
    /// codes, counts the current session as having given the second factor, and tells the holder.
    func confirm(
        account: Account, step: Int64, sealedSecret: Data, recoveryHashes: [Data], session: UUID?, mail: MailMessage, at: Date,
        client clientInfo: ClientInfo
    ) async throws -> Bool {
        let logger = self.logger
        let mailKey = self.mailKey
        return try await client.transaction(logger: logger) { connection in
            // The secret must still be the one the code was checked against (a second setup may have replaced it).
            let confirmed =
                try await connection.query(
                    """
                    UPDATE second_factors SET confirmed_at = \(at), last_used_step = \(step)
                    WHERE account_id = \(account.id) AND confirmed_at IS NULL AND sealed_secret = \(sealedSecret) RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            guard confirmed else { return false }
            try await Self.replaceRecoveryCodes(account: account.id, with: recoveryHashes, on: connection, logger: logger)
            if let session {
                try await connection.query(
                    "UPDATE sign_in_sessions SET second_factor_at = \(at) WHERE id = \(session) AND account_id = \(account.id)",
                    logger: logger)
            }
            // Sessions signed in with the password alone end: turning it on after something odd must lock out whoever
            // else holds the password.
            try await connection.query(
                """
                UPDATE sign_in_sessions SET revoked_at = \(at), revoked_reason = 'second-factor-enabled'
                WHERE account_id = \(account.id) AND revoked_at IS NULL AND id IS DISTINCT FROM \(session)
                """, logger: logger)
            try await MailQueue.enqueue(mail, at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(.secondFactorEnabled, account: account.id, at: at, client: clientInfo, on: connection, logger: logger)
            return true
        }
    }

    /// Uses a step's code: true only if no code of that step or a later one was used before.
    func useStep(account: UUID, step: Int64) async throws -> Bool {
        try await client.query(
            """
            UPDATE second_factors SET last_used_step = \(step)
            WHERE account_id = \(account) AND confirmed_at IS NOT NULL AND last_used_step < \(step) RETURNING 1
            """, logger: logger
        ).collect().count == 1
    }

    /// Uses a recovery code: true once per code. The holder is mailed (`mail`, given how many codes are left):
    /// a recovery code used by someone else is the sign that both the password and the codes leaked.
    func useRecoveryCode(
        account: UUID, hash: Data, at: Date, client clientInfo: ClientInfo, mail: @escaping @Sendable (Int) -> MailMessage?
    ) async throws -> Bool {
        let logger = self.logger
        let mailKey = self.mailKey
        return try await client.transaction(logger: logger) { connection in
            let used =
                try await connection.query(
                    """
                    UPDATE recovery_codes SET used_at = \(at)
                    WHERE account_id = \(account) AND code_hash = \(hash) AND used_at IS NULL RETURNING 1
                    """, logger: logger
                ).collect().count == 1
            if used {
                try await SecurityEventLog.record(.recoveryCodeUsed, account: account, at: at, client: clientInfo, on: connection, logger: logger)
                let left =
                    try await connection.query(
                        "SELECT count(*)::integer FROM recovery_codes WHERE account_id = \(account) AND used_at IS NULL", logger: logger
                    ).collect().first?.decode(Int.self) ?? 0
                if let message = mail(left) { try await MailQueue.enqueue(message, at: at, sealedWith: mailKey, on: connection, logger: logger) }
            }
            return used
        }
    }

    func replaceRecoveryCodes(account: UUID, with hashes: [Data], at: Date, client clientInfo: ClientInfo) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            try await Self.replaceRecoveryCodes(account: account, with: hashes, on: connection, logger: logger)
            try await SecurityEventLog.record(.recoveryCodesRenewed, account: account, at: at, client: clientInfo, on: connection, logger: logger)
        }
    }

    /// A wrong code, in the holder's log (someone who knows the password is trying).
    func recordFailure(account: UUID, at: Date, client clientInfo: ClientInfo) async throws {
        let logger = self.logger
        try await client.withConnection { connection in
            try await SecurityEventLog.record(.secondFactorFailed, account: account, at: at, client: clientInfo, on: connection, logger: logger)
        }
    }

    private static func replaceRecoveryCodes(account: UUID, with hashes: [Data], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM recovery_codes WHERE account_id = \(account)", logger: logger)
        for hash in hashes {
            try await connection.query("INSERT INTO recovery_codes (account_id, code_hash) VALUES (\(account), \(hash))", logger: logger)
        }
    }

    /// Turns the second factor off: the secret, the recovery codes and waiting sign-ins go; the holder is told.
    func remove(account: UUID, mail: MailMessage, at: Date, client clientInfo: ClientInfo) async throws -> Bool {
        let logger = self.logger
        let mailKey = self.mailKey
        return try await client.transaction(logger: logger) { connection in
            let removed =
                try await connection.query(
                    "DELETE FROM second_factors WHERE account_id = \(account) AND confirmed_at IS NOT NULL RETURNING 1", logger: logger
                ).collect().count == 1
            guard removed else { return false }
            try await connection.query("DELETE FROM recovery_codes WHERE account_id = \(account)", logger: logger)
            try await connection.query("DELETE FROM second_factor_challenges WHERE account_id = \(account)", logger: logger)
            // No session keeps saying it gave a second factor the account no longer has.
            try await connection.query(
                "UPDATE sign_in_sessions SET second_factor_at = NULL WHERE account_id = \(account) AND second_factor_at IS NOT NULL",
                logger: logger)
            try await MailQueue.enqueue(mail, at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(.secondFactorDisabled, account: account, at: at, client: clientInfo, on: connection, logger: logger)
            return true
        }
    }

    // MARK: Sign-ins waiting for their code

    struct Challenge: Sendable {
        var id: UUID
        var accountId: UUID
        var staySignedIn: Bool
    }

    func createChallenge(account: UUID, tokenHash: Data, staySignedIn: Bool, expiresAt: Date, at: Date) async throws {
        // Now and then, forget the challenges a day past their end, so the table stays small without a job.
        if Int.random(in: 0..<200) == 0 {
            try await client.query(
                "DELETE FROM second_factor_challenges WHERE expires_at < \(at.addingTimeInterval(-86400))", logger: logger)
        }
        try await client.query(
            """
            INSERT INTO second_factor_challenges (id, account_id, token_hash, stay_signed_in, created_at, expires_at)
            VALUES (\(UUID()), \(account), \(tokenHash), \(staySignedIn), \(at), \(expiresAt))
            """, logger: logger)
    }

    /// A challenge still open: not used, not expired, not worn out by wrong codes.
    func openChallenge(tokenHash: Data, at: Date, maximumAttempts: Int) async throws -> Challenge? {
        let rows = try await client.query(
            """
            SELECT id, account_id, stay_signed_in FROM second_factor_challenges
            WHERE token_hash = \(tokenHash) AND used_at IS NULL AND expires_at > \(at) AND failed_attempts < \(maximumAttempts)
            """, logger: logger)
        for try await (id, account, stay) in rows.decode((UUID, UUID, Bool).self) {
            return Challenge(id: id, accountId: account, staySignedIn: stay)
        }
        return nil
    }

    /// Counts an attempt before its code is checked, in one statement: parallel guesses cannot pass the cap.
    func claimAttempt(challenge: UUID, maximumAttempts: Int) async throws -> Bool {
        try await client.query(
            """
            UPDATE second_factor_challenges SET failed_attempts = failed_attempts + 1
            WHERE id = \(challenge) AND used_at IS NULL AND failed_attempts < \(maximumAttempts) RETURNING 1
            """, logger: logger
        ).collect().count == 1
    }

    /// True once: two requests with the same challenge cannot both sign in.
    func useChallenge(_ challenge: UUID, at: Date) async throws -> Bool {
        try await client.query(
            "UPDATE second_factor_challenges SET used_at = \(at) WHERE id = \(challenge) AND used_at IS NULL RETURNING 1", logger: logger
        ).collect().count == 1
    }
}
