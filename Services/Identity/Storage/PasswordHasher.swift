import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import ServiceKit
import Synchronization

/// bcrypt on a pool of its own threads, so that a burst of sign-ins never stalls the event loops that serve
/// every other request. The queue is bounded: past `queueLimit` waiting hashes, callers get 503 and retry,
/// rather than every sign-in waiting ever longer.
final class PasswordHasher: Sendable {
    let cost: UInt8
    private let pool: NIOThreadPool
    private let queueLimit: Int
    private let waiting = Atomic<Int>(0)
    /// A hash of a random password, checked when an email has no account, so that answer takes as long.
    private let decoyHash: String

    init(cost: UInt8, threads: Int, queueLimit: Int) {
        self.cost = cost
        self.queueLimit = queueLimit
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        decoyHash = Bcrypt.hash(Self.preHash(SecretCodec.newToken()), cost: cost)
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// bcrypt reads at most 72 bytes: the NFC password is first reduced to its SHA-256 in base64 (44 bytes,
    /// no NUL), so every character of a long passphrase counts.
    static func preHash(_ password: String) -> String {
        Data(SHA256.hash(data: Array(PasswordPolicy.normalized(password).utf8))).base64EncodedString()
    }

    func hash(_ password: String) async throws -> String {
        let (input, cost) = (Self.preHash(password), self.cost)
        return try await run { Bcrypt.hash(input, cost: cost) }
    }

    /// Checks `password` against `hash`, or against the decoy when there is no account (same time, always false).
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let input = Self.preHash(password)
        let stored = hash ?? decoyHash
        let matches = try await run { Bcrypt.verify(input, hash: stored) }
        return matches && hash != nil
    }

    /// Spends the time of one verification, for answers that must not reveal whether an account exists.
    func spendVerificationTime() async throws {
        _ = try await verify(SecretCodec.newToken(), hash: nil)
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard waiting.add(1, ordering: .relaxed).newValue <= queueLimit else {
            waiting.subtract(1, ordering: .relaxed)
            throw Problem.unavailable
        }
        defer { waiting.subtract(1, ordering: .relaxed) }
        return try await pool.runIfActive(work)
    }
}
