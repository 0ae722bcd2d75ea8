import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO

/// Payment's copy of what enrolment asks to be paid — a cart's checkout, or an invoice (`kind`): the newest version
/// wins, and expiry (a cancelled invoice) is never undone.
enum CheckoutCopies {
    static func keep(
        _ checkout: CheckoutEvent, expired: Bool, kind: String = "cart", on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO checkouts (id, version, selling_organisation_id, payer_account_id, guest_token_sha256, amount_cents, hold_expires_at,
                expired, document, received_at, kind)
            VALUES (\(checkout.checkoutId), \(checkout.version), \(checkout.sellingOrganisationId), \(checkout.payer.accountId),
                \(checkout.payer.guestTokenSHA256), \(checkout.total.amountCents), \(checkout.holdExpiresAt), \(expired),
                \(String(decoding: try EventJSON.encoder.encode(checkout), as: UTF8.self))::jsonb, now(), \(kind))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, hold_expires_at = EXCLUDED.hold_expires_at,
                expired = checkouts.expired OR EXCLUDED.expired, document = EXCLUDED.document
            WHERE checkouts.version < EXCLUDED.version OR (EXCLUDED.expired AND NOT checkouts.expired)
            """, logger: logger)
    }
}
