import Foundation
import Logging
import Mail
import PostgresNIO
import ServiceKit

/// In January, each account that paid in the past year is mailed once, in its language, that its statement of
/// that year is ready (the link opens the portal in that language). Several instances may run it: a payer is
/// claimed by the transaction that queues their mail.
struct StatementMailings: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let mailing: PaymentMailing

    /// Queues up to `batch` mails; returns how many. Nothing outside January, nothing once the year is done.
    func mailDue(now: Date, batch: Int = 200) async throws -> Int {
        let today = CalendarDate(now)
        guard today.month == 1 else { return 0 }
        let year = today.year - 1
        let yearInstants = CalendarDate.yearInstants(year)
        let (mailing, logger) = (self.mailing, self.logger)
        return try await client.transaction(logger: logger) { connection in
            let done = try await connection.query("SELECT 1 FROM statement_years WHERE year = \(year)", logger: logger).collect()
            guard done.isEmpty else { return 0 }
            // Each payer's latest receipt of the year gives the address and the language they last used.
            var due = 0
            var claimed: [(email: String, name: String, language: String)] = []
            for try await (mine, email, name, language) in try await connection.query(
                """
                WITH due AS (
                    SELECT DISTINCT ON (p.payer_account_id) p.payer_account_id AS payer, r.document AS receipt
                    FROM payments p JOIN receipts r ON r.payment_id = p.id
                    WHERE p.payer_account_id IS NOT NULL
                      AND r.issued_at >= \(yearInstants.start)
                      AND r.issued_at < \(yearInstants.end)
                      AND NOT EXISTS (SELECT 1 FROM statement_mailings m WHERE m.payer_account_id = p.payer_account_id AND m.year = \(year))
                    ORDER BY p.payer_account_id, r.issued_at DESC
                    LIMIT \(batch)
                ), claimed AS (
                    INSERT INTO statement_mailings (payer_account_id, year, mailed_at) SELECT payer, \(year), \(now) FROM due
                    ON CONFLICT DO NOTHING RETURNING payer_account_id
                )
                SELECT c.payer_account_id IS NOT NULL, d.receipt->'payer'->>'email',
                    coalesce(d.receipt->'payer'->>'name', d.receipt->'payer'->'billingAddress'->>'name', ''), coalesce(d.receipt->>'language', 'fr')
                FROM due d LEFT JOIN claimed c ON c.payer_account_id = d.payer
                """, logger: logger
            ).decode((Bool, String, String, String).self) {
                due += 1
                if mine { claimed.append((email, name, language)) }
            }
            // Nothing left to claim (those another instance claimed are committed by now): the year is done.
            if due == 0 {
                try await connection.query(
                    "INSERT INTO statement_years (year, completed_at) VALUES (\(year), \(now)) ON CONFLICT DO NOTHING", logger: logger)
                return 0
            }
            for payer in claimed {
                try await mailing.queueStatementReady(
                    year: year, to: .init(email: payer.email, name: payer.name), english: payer.language == "en", at: now, on: connection,
                    logger: logger)
            }
            // Payers another instance claimed meanwhile are its to mail; the next round finds the rest.
            return claimed.count
        }
    }
}
