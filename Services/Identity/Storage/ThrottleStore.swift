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
    /// Requests that mail someone (sign-up, resend, reset): counted whether they succeed or not.
    static let mailByAddress = ThrottleRule(name: "mail:address", freeFailures: 20, maximumDelay: 300)
    static let passwordCheckByAccount = ThrottleRule(name: "password:account", freeFailures: 5, maximumDelay: 60)

    func key(_ value: String) -> String { "\(name):\(value)" }
}

/// Failure counts in PostgreSQL, so every instance of identity sees the same ones.
struct ThrottleStore: Sendable {
    let client: PostgresClient

    private var logger: Logger { RequestScope.logger }

    /// Throws 429 (with `Retry-After`) while any of the keys must wait.
    func check(_ keys: [String], at: Date) async throws {
        guard !keys.isEmpty else { return }
        for try await until in try await client.query(
            "SELECT max(blocked_until) FROM throttles WHERE key = ANY(\(keys)) AND blocked_until > \(at)", logger: logger
        ).decode(Date?.self) {
            if let until { throw Problem.tooManyRequests(retryAfterSeconds: Int(until.timeIntervalSince(at).rounded(.up))) }
        }
    }

    func recordFailure(_ rule: ThrottleRule, _ value: String?, at: Date) async throws {
        guard let value else { return }
        // Now and then, forget counts whose hour has long passed, so the table stays small without a job.
        if Int.random(in: 0..<200) == 0 { try await purge(before: at) }
        let key = rule.key(value)
        for try await failures in try await client.query(
            """
            INSERT INTO throttles (key, failures, window_started_at) VALUES (\(key), 1, \(at))
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN throttles.window_started_at < \(at) - interval '1 hour' THEN 1 ELSE throttles.failures + 1 END,
                window_started_at = CASE WHEN throttles.window_started_at < \(at) - interval '1 hour' THEN \(at)
                    ELSE throttles.window_started_at END,
                blocked_until = CASE WHEN throttles.window_started_at < \(at) - interval '1 hour' THEN NULL
                    ELSE throttles.blocked_until END
            RETURNING failures
            """, logger: logger
        ).decode(Int.self) where failures > rule.freeFailures {
            let delay = min(rule.maximumDelay, 1 << min(failures - rule.freeFailures - 1, 20))
            try await client.query(
                "UPDATE throttles SET blocked_until = \(at.addingTimeInterval(TimeInterval(delay))) WHERE key = \(key)", logger: logger)
        }
    }

    func reset(_ rule: ThrottleRule, _ value: String) async throws {
        try await client.query("DELETE FROM throttles WHERE key = \(rule.key(value))", logger: logger)
    }

    /// Forgets counts whose window ended more than a day ago.
    func purge(before: Date) async throws {
        try await client.query("DELETE FROM throttles WHERE window_started_at < \(before) - interval '25 hours'", logger: logger)
    }
}
