import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Payers' social insurance numbers, for their Relevé 24: sealed under the newest key, shown masked, every
/// opening logged with who asked and why. Never in a log, an event or a page but masked.
struct TaxNumberStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let keys: TaxNumberKeys

    /// Why a number was opened, as the read log says it.
    enum Purpose: String {
        case transmission = "releve24-transmission"
    }

    func save(_ number: TaxNumber, account: UUID, at now: Date) async throws {
        let sealed = try keys.seal(number, account: account)
        try await client.query(
            """
            INSERT INTO payer_tax_numbers (account_id, sealed, key_id, last_digits, updated_at)
            VALUES (\(account), \(sealed), \(keys.current.id), \(String(number.digits.suffix(3))), \(now))
            ON CONFLICT (account_id) DO UPDATE SET sealed = excluded.sealed, key_id = excluded.key_id, last_digits = excluded.last_digits,
                updated_at = excluded.updated_at
            """, logger: logger)
    }

    func remove(account: UUID) async throws {
        try await client.query("DELETE FROM payer_tax_numbers WHERE account_id = \(account)", logger: logger)
    }

    /// `*** *** 046`, or nil when none was given: no opening, nothing logged.
    func masked(account: UUID) async throws -> (masked: String, updatedAt: Date)? {
        for try await (last, updated) in try await client.query(
            "SELECT last_digits, updated_at FROM payer_tax_numbers WHERE account_id = \(account)", logger: logger
        ).decode((String, Date).self) {
            return (TaxNumber.masked(lastDigits: last), updated)
        }
        return nil
    }

    /// Opens the numbers of `accounts` for `purpose`, each opening logged in the same transaction.
    static func open(
        accounts: [UUID], by reader: UUID?, purpose: Purpose, keys: TaxNumberKeys, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID: TaxNumber] {
        guard !accounts.isEmpty else { return [:] }
        var opened: [UUID: TaxNumber] = [:]
        for try await (account, sealed, keyId) in try await connection.query(
            "SELECT account_id, sealed, key_id FROM payer_tax_numbers WHERE account_id = ANY(\(accounts))", logger: logger
        ).decode((UUID, Data, String).self) {
            opened[account] = try keys.open(sealed, keyId: keyId, account: account)
        }
        let read = Array(opened.keys)
        try await connection.query(
            """
            INSERT INTO tax_number_reads (account_id, read_by, purpose, read_at)
            SELECT a, \(reader), \(purpose.rawValue), \(now) FROM unnest(\(read)) AS a
            """, logger: logger)
        return opened
    }

    /// Seals again, under the newest key, up to `limit` numbers sealed under older ones; how many.
    func resealOlder(limit: Int = 500) async throws -> Int {
        try await client.transaction(logger: logger) { connection in
            var rows: [(UUID, Data, String)] = []
            for try await row in try await connection.query(
                """
                SELECT account_id, sealed, key_id FROM payer_tax_numbers WHERE key_id <> \(keys.current.id)
                ORDER BY account_id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).decode((UUID, Data, String).self) {
                rows.append(row)
            }
            var resealed = 0
            for (account, sealed, keyId) in rows {
                guard let number = try keys.open(sealed, keyId: keyId, account: account) else {
                    logger.error("a tax number is sealed under a key no longer configured", metadata: ["key": "\(keyId)"])
                    continue
                }
                try await connection.query(
                    """
                    UPDATE payer_tax_numbers SET sealed = \(try keys.seal(number, account: account)), key_id = \(keys.current.id)
                    WHERE account_id = \(account)
                    """, logger: logger)
                resealed += 1
            }
            return resealed
        }
    }
}
