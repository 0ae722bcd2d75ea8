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
        /// Saving a number: the one held is compared with it (a correction amends the slips issued with the old one).
        case correction = "correction"
    }

    /// Keeps the number; `changed_at` moves only when it is another number than the one held.
    func save(_ number: TaxNumber, account: UUID, at now: Date) async throws {
        try await client.transaction(logger: logger) { connection in
            let held = try await Self.open(
                accounts: [account], by: account, purpose: .correction, keys: keys, at: now, on: connection, logger: logger)
            let changed = held[account] != number
            try await connection.query(
                """
                INSERT INTO payer_tax_numbers (account_id, sealed, key_id, last_digits, updated_at, changed_at)
                VALUES (\(account), \(try keys.seal(number, account: account)), \(keys.current.id), \(String(number.digits.suffix(3))), \(now), \(now))
                ON CONFLICT (account_id) DO UPDATE SET sealed = excluded.sealed, key_id = excluded.key_id, last_digits = excluded.last_digits,
                    updated_at = excluded.updated_at,
                    changed_at = CASE WHEN \(changed) THEN excluded.changed_at ELSE payer_tax_numbers.changed_at END
                """, logger: logger)
        }
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
        var sealed: [(UUID, Data, String)] = []
        for try await row in try await connection.query(
            "SELECT account_id, sealed, key_id FROM payer_tax_numbers WHERE account_id = ANY(\(accounts))", logger: logger
        ).decode((UUID, Data, String).self) {
            sealed.append(row)
        }
        return try await open(sealed, by: reader, purpose: purpose, keys: keys, at: now, on: connection, logger: logger)
    }

    /// Opens sealed numbers (an account's, or a slip's copy), each opening logged in the same transaction.
    static func open(
        _ sealed: [(account: UUID, sealed: Data, keyId: String)], by reader: UUID?, purpose: Purpose, keys: TaxNumberKeys, at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID: TaxNumber] {
        var opened: [UUID: TaxNumber] = [:]
        for (account, box, keyId) in sealed {
            opened[account] = try keys.open(box, keyId: keyId, account: account)
        }
        let read = Array(opened.keys)
        try await connection.query(
            """
            INSERT INTO tax_number_reads (account_id, read_by, purpose, read_at)
            SELECT a, \(reader), \(purpose.rawValue), \(now) FROM unnest(\(read)) AS a
            """, logger: logger)
        return opened
    }

    /// Seals again, under the newest key, up to `limit` numbers sealed under older ones (the payers' and the
    /// issued slips' copies); how many.
    func resealOlder(limit: Int = 500) async throws -> Int {
        var resealed = 0
        for (table, key, sealedColumn, keyColumn, account) in [
            ("payer_tax_numbers", "account_id", "sealed", "key_id", "account_id"),
            ("releve24_slips", "id", "tax_number_sealed", "tax_number_key_id", "payer_account_id"),
        ] {
            resealed += try await client.transaction(logger: logger) { connection in
                var rows: [(UUID, UUID, Data, String)] = []
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: key), \(unescaped: account), \(unescaped: sealedColumn), \(unescaped: keyColumn) FROM \(unescaped: table)
                    WHERE \(unescaped: keyColumn) <> \(keys.current.id) ORDER BY \(unescaped: key) LIMIT \(limit) FOR UPDATE SKIP LOCKED
                    """, logger: logger
                ).decode((UUID, UUID, Data, String).self) {
                    rows.append(row)
                }
                var count = 0
                for (id, owner, sealed, keyId) in rows {
                    guard let number = try keys.open(sealed, keyId: keyId, account: owner) else {
                        logger.error("a tax number is sealed under a key no longer configured", metadata: ["key": "\(keyId)"])
                        continue
                    }
                    try await connection.query(
                        """
                        UPDATE \(unescaped: table) SET \(unescaped: sealedColumn) = \(try keys.seal(number, account: owner)),
                            \(unescaped: keyColumn) = \(keys.current.id)
                        WHERE \(unescaped: key) = \(id)
                        """, logger: logger)
                    count += 1
                }
                return count
            }
        }
        return resealed
    }
}
