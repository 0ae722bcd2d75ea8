import DomainKit
import Foundation
import Testing

@testable import Identity

/// Sign-up, reset and code rules, decided without a database.
@Suite struct AccountRulesTests {
    let now = Date()

    func account(_ status: Account.Status) -> Account {
        Account(
            id: UUID(), status: status, email: "a@example.org", firstName: "A", lastName: "B", birthDate: "1980-01-01", phone: nil,
            language: .fr, passwordHash: "", version: 1, createdAt: now, verifiedAt: nil)
    }

    @Test func signUpNeverRevealsAnAccountAndPacesNotices() {
        let pending = account(.pending)
        let active = account(.active)
        #expect(AccountRules.signUp(existing: nil, lastMailed: nil, now: now) == .create(replacing: nil))
        #expect(AccountRules.signUp(existing: pending, lastMailed: now, now: now) == .create(replacing: pending.id), "a pending sign-up is replaced")
        #expect(AccountRules.signUp(existing: active, lastMailed: now - 61, now: now) == .noticeHolder(active.id))
        #expect(AccountRules.signUp(existing: active, lastMailed: now - 30, now: now) == .nothing)
    }

    @Test func resetMailsActiveAccountsAtMostOnceAMinute() {
        let active = account(.active)
        #expect(AccountRules.reset(account: nil, lastMailed: nil, now: now) == .noAccount)
        #expect(AccountRules.reset(account: account(.pending), lastMailed: nil, now: now) == .pendingAccount)
        #expect(AccountRules.reset(account: active, lastMailed: nil, now: now) == .mail(active.id))
        #expect(AccountRules.reset(account: active, lastMailed: now - 59, now: now) == .alreadyMailed)
        #expect(AccountRules.mailWait(lastMailed: now - 10.3, now: now) == 50)
        #expect(AccountRules.mayResendVerification(account: account(.pending), lastMailed: now - 60, now: now))
        #expect(!AccountRules.mayResendVerification(account: account(.active), lastMailed: nil, now: now))
    }

    @Test func theFifthWrongCodeVoidsTheChallengeAndExpiredOnesChangeNothing() {
        #expect(AccountRules.check(challengeExpiresAt: now + 60, failedAttempts: 0, codeMatches: true, maximumAttempts: 5, now: now) == .accept)
        #expect(AccountRules.check(challengeExpiresAt: now + 60, failedAttempts: 0, codeMatches: nil, maximumAttempts: 5, now: now) == .accept)
        #expect(
            AccountRules.check(challengeExpiresAt: now + 60, failedAttempts: 3, codeMatches: false, maximumAttempts: 5, now: now)
                == .reject(failedAttempts: 4, voids: false))
        #expect(
            AccountRules.check(challengeExpiresAt: now + 60, failedAttempts: 4, codeMatches: false, maximumAttempts: 5, now: now)
                == .reject(failedAttempts: 5, voids: true))
        #expect(AccountRules.check(challengeExpiresAt: now, failedAttempts: 0, codeMatches: true, maximumAttempts: 5, now: now) == .refuse)
        #expect(AccountRules.check(challengeExpiresAt: nil, failedAttempts: 0, codeMatches: nil, maximumAttempts: 5, now: now) == .refuse)
    }
}
