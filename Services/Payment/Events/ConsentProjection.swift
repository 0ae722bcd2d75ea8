import Contracts
import Messaging
import Outbox

/// `identity.consent.changed`: who agreed to receive their documents by email (identity's consent ledger is the
/// record; this is payment's copy, to choose between mail and post when a slip is issued). Newest version wins.
enum ConsentProjection {
    static let electronicDocuments = "electronic-documents"

    static let handler = EventHandler(ConsentChangedEvent.self) { consent, context in
        guard consent.purpose == electronicDocuments else { return }
        try await context.connection.query(
            """
            INSERT INTO electronic_delivery_consents (account_id, given, version) VALUES (\(consent.accountId), \(consent.given), \(consent.version))
            ON CONFLICT (account_id) DO UPDATE SET given = excluded.given, version = excluded.version
            WHERE electronic_delivery_consents.version < excluded.version
            """, logger: context.logger)
    }
}
