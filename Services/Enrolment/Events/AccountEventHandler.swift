import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// Keeps guardians' contacts from identity (`identity.account.*`): the payer's email and name at checkout and
/// the addresses of confirmation mails. A deleted account's contact is forgotten.
enum AccountEventHandler {
    static let contact = EventHandler { event, connection, logger in
        let account = try EventJSON.decoder.decode(AccountContactEvent.self, from: Data(event.data))
        try await connection.query(
            """
            INSERT INTO account_contacts (account_id, version, email, first_name, last_name, language)
            VALUES (\(account.accountId), \(account.version), \(account.email), \(account.firstName), \(account.lastName), \(account.language))
            ON CONFLICT (account_id) DO UPDATE SET version = EXCLUDED.version, email = EXCLUDED.email, first_name = EXCLUDED.first_name,
                last_name = EXCLUDED.last_name, language = EXCLUDED.language
            WHERE account_contacts.version < EXCLUDED.version
            """, logger: logger)
    }

    static let deleted = EventHandler { event, connection, logger in
        let account = try EventJSON.decoder.decode(AccountDeletedEvent.self, from: Data(event.data))
        try await connection.query("DELETE FROM account_contacts WHERE account_id = \(account.accountId)", logger: logger)
    }
}
