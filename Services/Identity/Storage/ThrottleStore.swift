import Database
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// How many failures a key may have in an hour before each further attempt must wait, and the longest wait.
/// Waits grow 1 s, 2 s, 4 s … up to `maximumDelay`, and the count starts again an hour after the first
/// failure: an attacker can slow an account down, never lock it for good. With a 60 s ceiling an account
/// sees at most about 65 failed sign-ins an hour (ASVS 2.2.1 asks for no more than 100).
struct ThrottleRule: Sendable {
    var name: String
    var freeFailures: Int
    var maximumDelay: Int

    static let signInByEmail = ThrottleRule(name: "sign-in:email", freeFailures: 5, maximumDelay: 60)
    static let signInByAddress = ThrottleRule(name: "sign-in:address", freeFailures: 30, maximumDelay: 60)
    static let codeByEmail = ThrottleRule(name: "code:email", freeFailures: 5, maximumDelay: 300)
    static let codeByAddress = ThrottleRule(name: "code:address", freeFailures: 30, maximumDelay: 300)
    /// Requests that mail someone (sign-up, resend, reset): counted whether the address has an account or not; a
    /// sign-up refused by its own rules (nothing hashed, nothing mailed) is given back.
    static let mailByAddress = ThrottleRule(name: "mail:address", freeFailures: 20, maximumDelay: 300)
    static let passwordCheckByAccount = ThrottleRule(name: "password:account", freeFailures: 5, maximumDelay: 60)
    /// Second-factor codes (10⁶ values, three accepted at a time): past 5 wrong ones, waits grow to 5 minutes.
    static let secondFactorByAccount = ThrottleRule(name: "second-factor:account", freeFailures: 5, maximumDelay: 300)

    func key(_ value: String) -> String { "\(name):\(value)" }
}

/// Failure counts in PostgreSQL, so every instance of identity sees the same ones.
struct ThrottleStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// Counts this attempt against each key as a failure before it is made, in one statement per key under the
    /// key's row lock, or throws 429 (with `Retry-After`) while any key must wait — then nothing is counted.
    /// Check and count being one step, a parallel burst cannot slip between them; an attempt that succeeds
    /// gives its count back with `release` (or `reset`).
    func claim(_ attempts: [(ThrottleRule, String?)], at: Date) async throws {
        let keyed = attempts.compactMap { rule, value in value.map { (rule, rule.key($0)) } }.sorted { $0.1 < $1.1 }
        guard !keyed.isEmpty else { return }
        // Now and then, forget counts whose hour has long passed, so the table stays small without a job.
        if Int.random(in: 0..<200) == 0 { try await purge(before: at) }
        let logger = self.logger
        try await client.transaction(logger: logger) { connection in
            for (rule, key) in keyed {
                try await connection.query(
                    "INSERT INTO throttles (key, failures, window_started_at) VALUES (\(key), 0, \(at)) ON CONFLICT (key) DO NOTHING",
                    logger: logger)
                // The window restarts an hour after its first failure; past the free failures each one blocks
                // the key for 1 s, 2 s, 4 s … up to the rule's ceiling.
                // Every expression reads the row as locked (not a snapshot taken before waiting for the lock), so
                // concurrent attempts on one key count one after the other.
                let fresh = "t.window_started_at < to_timestamp(\(at.timeIntervalSince1970)) - interval '1 hour'"
                let next = "(CASE WHEN \(fresh) THEN 1 ELSE t.failures + 1 END)"
                let counted =
                    try await connection.query(
                        """
                        UPDATE throttles t SET failures = \(unescaped: next),
                            window_started_at = CASE WHEN \(unescaped: fresh) THEN \(at) ELSE t.window_started_at END,
                            blocked_until = CASE WHEN \(unescaped: next) > \(rule.freeFailures)
                                THEN \(at) + make_interval(secs => least(\(rule.maximumDelay), power(2, least(\(unescaped: next) - \(rule.freeFailures) - 1, 20))))
                                ELSE NULL END
                        WHERE t.key = \(key) AND (t.blocked_until IS NULL OR t.blocked_until <= \(at) OR \(unescaped: fresh))
                        RETURNING 1
                        """, logger: logger
                    ).collect().count == 1
                guard counted else {
                    let until =
                        try await connection.query(
                            "SELECT blocked_until FROM throttles WHERE key = \(key)", logger: logger
                        ).collect().first?.decode(Date?.self) ?? nil
                    throw Problem.tooManyRequests(retryAfterSeconds: Int((until ?? at).timeIntervalSince(at).rounded(.up)))
                }
            }
        }
    }

    /// Gives back the failure `claim` counted for an attempt that succeeded.
    func release(_ rule: ThrottleRule, _ value: String?) async throws {
        guard let value else { return }
        try await client.query(
            "UPDATE throttles SET failures = greatest(failures - 1, 0) WHERE key = \(rule.key(value))", logger: logger)
    }

    func reset(_ rule: ThrottleRule, _ value: String) async throws {
        try await client.query("DELETE FROM throttles WHERE key = \(rule.key(value))", logger: logger)
    }

    /// Forgets counts whose window ended more than a day ago.
    func purge(before: Date) async throws {
        try await client.query("DELETE FROM throttles WHERE window_started_at < \(before) - interval '25 hours'", logger: logger)
    }
}
