import Contracts
import Foundation
import Logging
import Outbox
import PostgresNIO

/// Enrolment's copy of guardians' contacts; the newest version wins.
enum AccountContacts {
    static func keep(_ account: AccountContactEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO account_contacts (account_id, version, email, first_name, last_name, language)
            VALUES (\(account.accountId), \(account.version), \(account.email), \(account.firstName), \(account.lastName), \(account.language))
            ON CONFLICT (account_id) DO UPDATE SET version = EXCLUDED.version, email = EXCLUDED.email, first_name = EXCLUDED.first_name,
                last_name = EXCLUDED.last_name, language = EXCLUDED.language
            WHERE account_contacts.version < EXCLUDED.version
            """, logger: logger)
    }

    static func forget(_ accountId: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM account_contacts WHERE account_id = \(accountId)", logger: logger)
    }
}
