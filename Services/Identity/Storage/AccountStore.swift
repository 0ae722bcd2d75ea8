import Contracts
import Crypto
import Database
import Foundation
import Logging
import Mail
import Outbox
import PostgresNIO
import ServiceKit

/// Accounts, their mailed codes and the changes that follow. Each method is one transaction: the change, the
/// mail it causes (queued in `mail_outbox`), the event (in `outbox`) and the security event commit together.
struct AccountStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let codec: SecretCodec
    let mailKey: SymmetricKey

    static let columns = """
        id, status, email, first_name, last_name, birth_date::text, phone, language, password_hash, version, created_at, verified_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Account] {
        var accounts: [Account] = []
        for try await row in rows {
            let (id, status, email, first, last, birth, phone, language, hash, version, created, verified) = try row.decode(
                (UUID, String, String, String, String, String, String?, String, String, Int64, Date, Date?).self)
            accounts.append(
                Account(
                    id: id, status: Account.Status(rawValue: status) ?? .pending, email: email, firstName: first, lastName: last,
                    birthDate: birth, phone: phone, language: Language(rawValue: language) ?? .fr, passwordHash: hash,
                    version: version, createdAt: created, verifiedAt: verified))
        }
        return accounts
    }

    /// The live (pending or active) account of an address.
    func find(email: String) async throws -> Account? {
        try await Self.decode(
            client.query("SELECT \(unescaped: Self.columns) FROM accounts WHERE email = \(email) AND status <> 'deleted'", logger: logger)
        ).first
    }

    func find(id: UUID) async throws -> Account? {
        try await Self.decode(
            client.query("SELECT \(unescaped: Self.columns) FROM accounts WHERE id = \(id) AND status = 'active'", logger: logger)
        ).first
    }

    private static func lock(email: String, on connection: PostgresConnection, logger: Logger) async throws -> Account? {
        try await decode(
            connection.query(
                "SELECT \(unescaped: columns) FROM accounts WHERE email = \(email) AND status <> 'deleted' FOR UPDATE", logger: logger)
        ).first
    }

    private static func lock(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Account? {
        try await decode(
            connection.query("SELECT \(unescaped: columns) FROM accounts WHERE id = \(id) AND status = 'active' FOR UPDATE", logger: logger)
        ).first
    }

    private static func insert(_ challenge: NewChallenge, account: UUID, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        // A new code voids the earlier ones of the same purpose: only the latest mail works.
        try await connection.query(
            """
            UPDATE email_challenges SET voided_at = \(at)
            WHERE account_id = \(account) AND purpose = \(challenge.purpose.rawValue) AND used_at IS NULL AND voided_at IS NULL
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO email_challenges (id, account_id, purpose, code_hash, link_hash, new_email, created_at, expires_at)
            VALUES (\(challenge.id), \(account), \(challenge.purpose.rawValue), \(challenge.codeHash), \(challenge.linkHash),
                \(challenge.newEmail), \(at), \(challenge.expiresAt))
            """, logger: logger)
    }

    /// `identity.account.verified|updated`: the contact details other services keep.
    private static func publishContact(
        _ routingKey: String, of account: Account, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await Outbox.enqueue(
            PendingEvent(routingKey: routingKey, subject: account.id.uuidString.lowercased(), occurredAt: at, payload: account.contactEvent),
            on: connection, logger: logger)
    }

    /// When the latest code of this purpose was sent, to refuse mailing another within a minute.
    private static func lastChallenge(
        _ purpose: ChallengePurpose, account: UUID, on connection: PostgresConnection, logger: Logger
    ) async throws -> Date? {
        for try await (created) in try await connection.query(
            "SELECT max(created_at) FROM email_challenges WHERE account_id = \(account) AND purpose = \(purpose.rawValue)", logger: logger
        ).decode(Date?.self) {
            return created
        }
        return nil
    }

    // MARK: Sign-up and verification

    /// Creates the pending account, or replaces the pending sign-up of the same address (its password and codes
    /// stop working), or — when the address has an account — only mails its holder.
    func signUp(
        _ account: Account, consentVersion: Int, challenge: NewChallenge, mail: MailMessage,
        mailToHolder: @escaping @Sendable (Account) -> MailMessage, at: Date, client clientInfo: ClientInfo
    ) async throws {
        let logger = self.logger
        do {
            try await client.transaction(logger: logger) { connection in
                let existing = try await Self.lock(email: account.email, on: connection, logger: logger)
                var lastMailed: Date?
                if let existing, existing.status == .active {
                    lastMailed = try await Self.lastChallenge(.signUp, account: existing.id, on: connection, logger: logger)
                }
                switch AccountRules.signUp(existing: existing, lastMailed: lastMailed, now: at) {
                case .nothing:
                    return
                case .noticeHolder(let holder):
                    // Recorded as a voided sign-up challenge, only to pace these notices.
                    try await connection.query(
                        """
                        INSERT INTO email_challenges (id, account_id, purpose, code_hash, created_at, expires_at, voided_at)
                        VALUES (\(UUID()), \(holder), 'sign-up', '\\x00'::bytea, \(at), \(at), \(at))
                        """, logger: logger)
                    try await MailQueue.enqueue(mailToHolder(existing!), at: at, sealedWith: mailKey, on: connection, logger: logger)
                    return
                case .create(let replacing):
                    if let replacing { try await connection.query("DELETE FROM accounts WHERE id = \(replacing)", logger: logger) }
                }
                try await connection.query(
                    """
                    INSERT INTO accounts (id, status, email, first_name, last_name, birth_date, phone, language, password_hash,
                        version, created_at, updated_at)
                    VALUES (\(account.id), 'pending', \(account.email), \(account.firstName), \(account.lastName),
                        \(account.birthDate)::date, \(account.phone), \(account.language.rawValue), \(account.passwordHash), 1, \(at), \(at))
                    """, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO consents (account_id, purpose, version, accepted_at)
                    VALUES (\(account.id), 'personal-information', \(consentVersion), \(at))
                    """, logger: logger)
                try await Self.insert(challenge, account: account.id, at: at, on: connection, logger: logger)
                try await MailQueue.enqueue(mail, at: at, sealedWith: mailKey, on: connection, logger: logger)
                try await SecurityEventLog.record(.signedUp, account: account.id, at: at, client: clientInfo, on: connection, logger: logger)
            }
        } catch  where error.sqlState == "23505" {
            // Two sign-ups of one address at the same instant: the other one won; the answer is the same.
        }
    }

    /// Verifies a pending account with the latest code mailed to `email`.
    func verifySignUp(email: String, code: String, at: Date, client clientInfo: ClientInfo) async throws -> CodeCheck<Account> {
        try await verify(at: at, client: clientInfo, code: code) { connection, logger in
            try await Self.openChallenge(
                .signUp, accountCondition: "a.email = $1 AND a.status = 'pending'", binding: email, on: connection, logger: logger)
        }
    }

    /// Verifies a pending account with the token of the mailed link.
    func verifySignUp(linkToken: String, at: Date, client clientInfo: ClientInfo) async throws -> CodeCheck<Account> {
        let hash = SecretCodec.tokenHash(linkToken)
        return try await verify(at: at, client: clientInfo, code: nil) { connection, logger in
            var bindings = PostgresBindings()
            try bindings.append(hash)
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT c.id, c.code_hash, c.failed_attempts, c.expires_at, a.id FROM email_challenges c
                        JOIN accounts a ON a.id = c.account_id
                        WHERE c.link_hash = $1 AND c.purpose = 'sign-up' AND c.used_at IS NULL AND c.voided_at IS NULL
                          AND a.status = 'pending'
                        FOR UPDATE OF c, a
                        """, binds: bindings), logger: logger)
            for try await row in rows.decode((UUID, Data, Int, Date, UUID).self) { return OpenChallenge(row) }
            return nil
        }
    }

    struct OpenChallenge: Sendable {
        var id: UUID
        var codeHash: Data
        var failedAttempts: Int
        var expiresAt: Date
        var accountId: UUID

        init(_ row: (UUID, Data, Int, Date, UUID)) {
            (id, codeHash, failedAttempts, expiresAt, accountId) = row
        }
    }

    /// The latest unused, unvoided challenge of `purpose` of the account matching `accountCondition`, locked.
    private static func openChallenge(
        _ purpose: ChallengePurpose, accountCondition: String, binding: some PostgresEncodable & Sendable,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> OpenChallenge? {
        var bindings = PostgresBindings()
        try bindings.append(binding)
        bindings.append(purpose.rawValue)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.id, c.code_hash, c.failed_attempts, c.expires_at, a.id FROM accounts a
                    JOIN email_challenges c ON c.account_id = a.id AND c.purpose = $2
                    WHERE \(accountCondition) AND c.used_at IS NULL AND c.voided_at IS NULL
                    ORDER BY c.created_at DESC LIMIT 1
                    FOR UPDATE OF c, a
                    """, binds: bindings), logger: logger)
        for try await row in rows.decode((UUID, Data, Int, Date, UUID).self) { return OpenChallenge(row) }
        return nil
    }

    /// Checks `code` (nil for a link, whose lookup by hash is the check) against the open challenge; a wrong
    /// code counts, and the fifth voids the challenge. On success the account becomes active.
    private func verify(
        at: Date, client clientInfo: ClientInfo, code: String?,
        find: @escaping @Sendable (PostgresConnection, Logger) async throws -> OpenChallenge?
    ) async throws -> CodeCheck<Account> {
        try await check(at: at, code: code, find: find) { challenge, connection, logger in
            try await connection.query(
                """
                UPDATE accounts SET status = 'active', verified_at = \(at), updated_at = \(at), version = version + 1
                WHERE id = \(challenge.accountId)
                """, logger: logger)
            guard let account = try await Self.lock(id: challenge.accountId, on: connection, logger: logger) else {
                throw Problem.internalError
            }
            try await Self.publishContact(EventName.accountVerified, of: account, at: at, on: connection, logger: logger)
            try await SecurityEventLog.record(.verified, account: account.id, at: at, client: clientInfo, on: connection, logger: logger)
            return account
        }
    }

    /// The code check every purpose shares. `code` is the code typed, or `nil` when the challenge was found by
    /// its link token (the lookup was the check).
    private func check<Success: Sendable>(
        at: Date, code: String?, find: @escaping @Sendable (PostgresConnection, Logger) async throws -> OpenChallenge?,
        onSuccess: @escaping @Sendable (OpenChallenge, PostgresConnection, Logger) async throws -> Success
    ) async throws -> CodeCheck<Success> {
        let (logger, codec) = (self.logger, self.codec)
        return try await client.transaction(logger: logger) { connection in
            let challenge = try await find(connection, logger)
            let decision = AccountRules.check(
                challengeExpiresAt: challenge?.expiresAt, failedAttempts: challenge?.failedAttempts ?? 0,
                codeMatches: challenge.flatMap { challenge in
                    code.map { SecretCodec.equal(codec.codeHash($0, challenge: challenge.id), challenge.codeHash) }
                },
                maximumAttempts: IdentitySettings.maximumCodeAttempts, now: at)
            switch decision {
            case .refuse:
                return .rejected
            case .reject(let failed, let voids):
                try await connection.query(
                    """
                    UPDATE email_challenges SET failed_attempts = \(failed), voided_at = \(voids ? at : nil)
                    WHERE id = \(challenge!.id)
                    """, logger: logger)
                return .rejected
            case .accept:
                break
            }
            guard let challenge else { return .rejected }
            try await connection.query("UPDATE email_challenges SET used_at = \(at) WHERE id = \(challenge.id)", logger: logger)
            return .accepted(try await onSuccess(challenge, connection, logger))
        }
    }

    /// A new code and link for a pending sign-up, at most one a minute; nothing for other addresses.
    func resendSignUp(email: String, challenge: NewChallenge, mail: @escaping @Sendable (Account) -> MailMessage, at: Date) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            guard let account = try await Self.lock(email: email, on: connection, logger: logger), account.status == .pending else { return }
            let last = try await Self.lastChallenge(.signUp, account: account.id, on: connection, logger: logger)
            guard AccountRules.mayResendVerification(account: account, lastMailed: last, now: at) else { return }
            try await Self.insert(challenge, account: account.id, at: at, on: connection, logger: logger)
            try await MailQueue.enqueue(mail(account), at: at, sealedWith: mailKey, on: connection, logger: logger)
        }
    }

    // MARK: Password reset

    enum ResetRequestOutcome: Sendable {
        case mailed, pendingAccount, none
    }

    /// Mails a reset code to an active account (at most one a minute). A pending account is told so, and the
    /// caller mails its verification again instead: its owner has not finished signing up.
    func requestReset(
        email: String, challenge: NewChallenge, mail: @escaping @Sendable (Account) -> MailMessage, at: Date, client clientInfo: ClientInfo
    ) async throws -> ResetRequestOutcome {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            let account = try await Self.lock(email: email, on: connection, logger: logger)
            var last: Date?
            if let account, account.status == .active {
                last = try await Self.lastChallenge(.passwordReset, account: account.id, on: connection, logger: logger)
            }
            switch AccountRules.reset(account: account, lastMailed: last, now: at) {
            case .noAccount: return .none
            case .pendingAccount: return .pendingAccount
            case .alreadyMailed: return .mailed
            case .mail: break
            }
            guard let account else { return .none }
            try await Self.insert(challenge, account: account.id, at: at, on: connection, logger: logger)
            try await MailQueue.enqueue(mail(account), at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(
                .passwordResetRequested, account: account.id, at: at, client: clientInfo, on: connection, logger: logger)
            return .mailed
        }
    }

    /// Checks a reset code; on success stores the hash of a grant, valid 15 minutes, that sets the password.
    func verifyReset(email: String, code: String, grantHash: Data, grantExpiresAt: Date, at: Date) async throws -> CodeCheck<Void> {
        try await check(at: at, code: code) { connection, logger in
            try await Self.openChallenge(
                .passwordReset, accountCondition: "a.email = $1 AND a.status = 'active'", binding: email, on: connection, logger: logger)
        } onSuccess: { challenge, connection, logger in
            try await connection.query(
                "UPDATE email_challenges SET grant_hash = \(grantHash), expires_at = \(grantExpiresAt) WHERE id = \(challenge.id)",
                logger: logger)
        }
    }

    /// Sets the new password with a grant (once), signs every session out and mails a notice.
    func completeReset(
        grantHash: Data, passwordHash: String, mail: @escaping @Sendable (Account) -> MailMessage, at: Date, client clientInfo: ClientInfo
    ) async throws -> Bool {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            var accountID: UUID?
            for try await id in try await connection.query(
                """
                UPDATE email_challenges SET voided_at = \(at)
                WHERE grant_hash = \(grantHash) AND purpose = 'password-reset' AND used_at IS NOT NULL AND voided_at IS NULL
                  AND expires_at > \(at)
                RETURNING account_id
                """, logger: logger
            ).decode(UUID.self) {
                accountID = id
            }
            guard let accountID, let account = try await Self.lock(id: accountID, on: connection, logger: logger) else { return false }
            try await Self.setPassword(passwordHash, account: account.id, keepingSession: nil, at: at, on: connection, logger: logger)
            try await MailQueue.enqueue(mail(account), at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(.passwordReset, account: account.id, at: at, client: clientInfo, on: connection, logger: logger)
            return true
        }
    }

    private static func setPassword(
        _ hash: String, account: UUID, keepingSession session: UUID?, at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            "UPDATE accounts SET password_hash = \(hash), updated_at = \(at) WHERE id = \(account)", logger: logger)
        try await connection.query(
            """
            UPDATE sign_in_sessions SET revoked_at = \(at), revoked_reason = 'password-changed'
            WHERE account_id = \(account) AND revoked_at IS NULL AND id IS DISTINCT FROM \(session)
            """, logger: logger)
        // Codes mailed before the change are of no use after it, nor sign-ins waiting for their second factor.
        try await connection.query(
            "UPDATE email_challenges SET voided_at = \(at) WHERE account_id = \(account) AND used_at IS NULL AND voided_at IS NULL",
            logger: logger)
        try await connection.query("DELETE FROM second_factor_challenges WHERE account_id = \(account)", logger: logger)
    }

    // MARK: One's own account

    /// Changes the password (the caller checked the current one), signing out every other session.
    func changePassword(
        account: UUID, expectedHash: String, newHash: String, keepingSession: UUID?, mail: @escaping @Sendable (Account) -> MailMessage,
        at: Date, client clientInfo: ClientInfo
    ) async throws -> Bool {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            // The hash checked must still be the stored one: two changes at once cannot both pass.
            guard let current = try await Self.lock(id: account, on: connection, logger: logger), current.passwordHash == expectedHash else {
                return false
            }
            try await Self.setPassword(newHash, account: account, keepingSession: keepingSession, at: at, on: connection, logger: logger)
            try await MailQueue.enqueue(mail(current), at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(.passwordChanged, account: account, at: at, client: clientInfo, on: connection, logger: logger)
            return true
        }
    }

    struct ProfileChange: Sendable {
        var firstName: String?
        var lastName: String?
        /// `.some(nil)` removes the phone.
        var phone: String??
        var language: Language?
    }

    func updateProfile(account: UUID, change: ProfileChange, at: Date, client clientInfo: ClientInfo) async throws -> Account? {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            guard var current = try await Self.lock(id: account, on: connection, logger: logger) else { return nil }
            let before = current
            if let firstName = change.firstName { current.firstName = firstName }
            if let lastName = change.lastName { current.lastName = lastName }
            if let phone = change.phone { current.phone = phone }
            if let language = change.language { current.language = language }
            guard current != before else { return current }
            current.version += 1
            try await connection.query(
                """
                UPDATE accounts SET first_name = \(current.firstName), last_name = \(current.lastName), phone = \(current.phone),
                    language = \(current.language.rawValue), version = \(current.version), updated_at = \(at)
                WHERE id = \(account)
                """, logger: logger)
            try await Self.publishContact(EventName.accountUpdated, of: current, at: at, on: connection, logger: logger)
            try await SecurityEventLog.record(.profileUpdated, account: account, at: at, client: clientInfo, on: connection, logger: logger)
            return current
        }
    }

    /// Mails a code to the new address. When the address already has an account its owner is told instead
    /// (no code), so this route does not reveal who has an account either.
    func requestEmailChange(
        account: UUID, newEmail: String, challenge: NewChallenge, codeMail: @escaping @Sendable (Account) -> MailMessage,
        takenMail: @escaping @Sendable (Account) -> MailMessage, at: Date, client clientInfo: ClientInfo
    ) async throws {
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            guard let current = try await Self.lock(id: account, on: connection, logger: logger) else { throw Problem.notFound }
            if let holder = try await Self.lock(email: newEmail, on: connection, logger: logger), holder.status == .active {
                if holder.id != account {
                    try await MailQueue.enqueue(takenMail(holder), at: at, sealedWith: mailKey, on: connection, logger: logger)
                }
                return
            }
            let last = try await Self.lastChallenge(.emailChange, account: account, on: connection, logger: logger)
            if let wait = AccountRules.mailWait(lastMailed: last, now: at) { throw Problem.tooManyRequests(retryAfterSeconds: wait) }
            try await Self.insert(challenge, account: account, at: at, on: connection, logger: logger)
            try await MailQueue.enqueue(codeMail(current), at: at, sealedWith: mailKey, on: connection, logger: logger)
            try await SecurityEventLog.record(.emailChangeRequested, account: account, at: at, client: clientInfo, on: connection, logger: logger)
        }
    }

    /// The email change takes effect with the code mailed to the new address; the old one gets a notice.
    func confirmEmailChange(
        account: UUID, code: String, noticeToOldAddress: @escaping @Sendable (Account, String) -> MailMessage, at: Date,
        client clientInfo: ClientInfo
    ) async throws -> CodeCheck<Account> {
        do {
            return try await check(at: at, code: code) { connection, logger in
                try await Self.openChallenge(
                    .emailChange, accountCondition: "a.id = $1 AND a.status = 'active'", binding: account, on: connection, logger: logger)
            } onSuccess: { challenge, connection, logger in
                guard var current = try await Self.lock(id: account, on: connection, logger: logger) else { throw Problem.notFound }
                let newEmail = try await Self.pendingEmail(challenge: challenge.id, on: connection, logger: logger)
                // Whoever proved this mailbox wins over an unverified sign-up of the same address.
                try await connection.query(
                    "DELETE FROM accounts WHERE email = \(newEmail) AND status = 'pending'", logger: logger)
                let oldAddress = current
                current.email = newEmail
                current.version += 1
                try await connection.query(
                    "UPDATE accounts SET email = \(newEmail), version = \(current.version), updated_at = \(at) WHERE id = \(account)",
                    logger: logger)
                try await MailQueue.enqueue(noticeToOldAddress(oldAddress, newEmail), at: at, sealedWith: mailKey, on: connection, logger: logger)
                try await Self.publishContact(EventName.accountUpdated, of: current, at: at, on: connection, logger: logger)
                try await SecurityEventLog.record(.emailChanged, account: account, at: at, client: clientInfo, on: connection, logger: logger)
                return current
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.emailTaken
        }
    }

    private static func pendingEmail(challenge: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String {
        for try await email in try await connection.query(
            "SELECT new_email FROM email_challenges WHERE id = \(challenge)", logger: logger
        ).decode(String?.self) {
            if let email { return email }
        }
        throw Problem.internalError
    }

    /// The new address waiting for its code, if any.
    func pendingEmail(account: UUID, at: Date) async throws -> String? {
        for try await email in try await client.query(
            """
            SELECT new_email FROM email_challenges
            WHERE account_id = \(account) AND purpose = 'email-change' AND used_at IS NULL AND voided_at IS NULL AND expires_at > \(at)
            ORDER BY created_at DESC LIMIT 1
            """, logger: logger
        ).decode(String?.self) {
            return email
        }
        return nil
    }

    /// Erases what identifies the person, keeps the row (other services' records refer to the id), signs every
    /// session out and publishes `identity.account.deleted`. Consents stay as proof of what was agreed.
    func delete(account: UUID, expectedHash: String, at: Date) async throws -> Bool {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection in
            guard let current = try await Self.lock(id: account, on: connection, logger: logger), current.passwordHash == expectedHash else {
                return false
            }
            let version = current.version + 1
            try await connection.query(
                """
                UPDATE accounts SET status = 'deleted', email = NULL, first_name = NULL, last_name = NULL, birth_date = NULL,
                    phone = NULL, password_hash = NULL, version = \(version), updated_at = \(at), deleted_at = \(at)
                WHERE id = \(account)
                """, logger: logger)
            try await connection.query(
                "UPDATE sign_in_sessions SET revoked_at = \(at), revoked_reason = 'account-deleted' WHERE account_id = \(account) AND revoked_at IS NULL",
                logger: logger)
            try await connection.query(
                "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sign_in_sessions WHERE account_id = \(account))", logger: logger)
            try await connection.query("DELETE FROM email_challenges WHERE account_id = \(account)", logger: logger)
            try await connection.query("DELETE FROM security_events WHERE account_id = \(account)", logger: logger)
            try await connection.query("DELETE FROM staff_grants WHERE account_id = \(account)", logger: logger)
            // The row stays (status 'deleted'), so nothing cascades: the second factor goes explicitly.
            for table in ["second_factor_challenges", "recovery_codes", "second_factors"] {
                try await connection.query("DELETE FROM \(unescaped: table) WHERE account_id = \(account)", logger: logger)
            }
            try await Outbox.enqueue(
                PendingEvent(
                    routingKey: EventName.accountDeleted, subject: account.uuidString.lowercased(), occurredAt: at,
                    payload: AccountDeletedEvent(accountId: account, version: version)),
                on: connection, logger: logger)
            return true
        }
    }
}

extension AccountStore {
    /// The email of the account a valid, unused reset grant belongs to.
    func emailForResetGrant(_ grantHash: Data, at: Date) async throws -> String? {
        for try await email in try await client.query(
            """
            SELECT a.email FROM email_challenges c JOIN accounts a ON a.id = c.account_id AND a.status = 'active'
            WHERE c.grant_hash = \(grantHash) AND c.purpose = 'password-reset' AND c.used_at IS NOT NULL AND c.voided_at IS NULL
              AND c.expires_at > \(at)
            """, logger: logger
        ).decode(String.self) {
            return email
        }
        return nil
    }
}
