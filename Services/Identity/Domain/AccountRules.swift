import DomainKit
import Foundation

/// The decisions of sign-up, verification, reset and email change, from what was read: pure, so each rule is
/// tested without a database, and `AccountStore` only carries out what they decide.
enum AccountRules {
    /// A new code or notice to the same account and purpose: at most one a minute.
    static let mailInterval: TimeInterval = 60

    /// Seconds to wait before another mail of this purpose may go, nil when one may go now.
    static func mailWait(lastMailed: Date?, now: Date) -> Int? {
        guard let lastMailed, now.timeIntervalSince(lastMailed) < mailInterval else { return nil }
        return max(1, Int(mailInterval) - Int(now.timeIntervalSince(lastMailed)))
    }

    enum SignUpDecision: Equatable {
        /// No account has the address, or only a pending sign-up whose id is given (it is replaced).
        case create(replacing: UUID?)
        /// An active account has it: its holder is told (no code), paced like codes.
        case noticeHolder(UUID)
        /// An active account's holder was told less than a minute ago: nothing more.
        case nothing
    }

    /// The answer to the person signing up is the same in every case, so it reveals nothing.
    static func signUp(existing: Account?, lastMailed: Date?, now: Date) -> SignUpDecision {
        guard let existing else { return .create(replacing: nil) }
        guard existing.status == .active else { return .create(replacing: existing.id) }
        return mailWait(lastMailed: lastMailed, now: now) == nil ? .noticeHolder(existing.id) : .nothing
    }

    enum ResetDecision: Equatable {
        case mail(UUID)
        /// Already mailed within the minute: the caller answers as if mailed.
        case alreadyMailed
        /// A pending account: its verification is mailed again instead.
        case pendingAccount
        case noAccount
    }

    static func reset(account: Account?, lastMailed: Date?, now: Date) -> ResetDecision {
        guard let account else { return .noAccount }
        guard account.status == .active else { return .pendingAccount }
        return mailWait(lastMailed: lastMailed, now: now) == nil ? .mail(account.id) : .alreadyMailed
    }

    /// A resent verification: only for a pending account, at most one a minute.
    static func mayResendVerification(account: Account?, lastMailed: Date?, now: Date) -> Bool {
        account?.status == .pending && mailWait(lastMailed: lastMailed, now: now) == nil
    }

    enum CodeDecision: Equatable {
        case accept
        /// Wrong code: the attempts so far, and whether this one voids the challenge.
        case reject(failedAttempts: Int, voids: Bool)
        /// No open challenge, or an expired one: nothing changes.
        case refuse
    }

    /// A typed code (nil for a link, whose lookup by hash was the check) against the open challenge.
    static func check(
        challengeExpiresAt: Date?, failedAttempts: Int, codeMatches: Bool?, maximumAttempts: Int, now: Date
    ) -> CodeDecision {
        guard let challengeExpiresAt, challengeExpiresAt > now else { return .refuse }
        guard codeMatches ?? true else {
            let failed = failedAttempts + 1
            return .reject(failedAttempts: failed, voids: failed >= maximumAttempts)
        }
        return .accept
    }
}
