import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// Who paid what, for whom: per account, per participant (only the asking guardian's own payments), per
/// organisation and year for staff (the data a Relevé 24 needs).
struct HistoryRepository: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    struct PaidLine: Sendable {
        var paymentId: UUID
        var receiptNumber: String?
        var paidAt: Date
        var offeringCode: String
        var title: LocalizedName
        var totalCents: Int64
        var paymentRefundedCents: Int64
    }

    struct StaffLine: Sendable {
        var paymentId: UUID
        var receiptNumber: String
        var paidAt: Date
        var payerAccountId: UUID?
        var payerName: String?
        var payerEmail: String
        var participantId: UUID
        var participantName: String
        var offeringCode: String
        var subtotalCents: Int64
        var taxCents: Int64
        var totalCents: Int64
        var paymentRefundedCents: Int64
        var releve24: Bool
    }

    /// Newest first, ordered by (created_at, id) descending, before the given key (created_at in whole
    /// microseconds, PostgreSQL's own precision, so paging is exact).
    func payments(payer: UUID, before: (createdMicros: Int64, id: UUID)?, limit: Int) async throws -> [(Payment, Int64)] {
        let micros = before?.createdMicros ?? Int64.max / 2
        let id = before?.id ?? UUID(uuidString: "ffffffff-ffff-ffff-ffff-ffffffffffff")!
        let rows = try await client.query(
            """
            SELECT \(unescaped: PaymentStore.columns) FROM payments p LEFT JOIN receipts r ON r.payment_id = p.id
            WHERE p.payer_account_id = \(payer)
              AND (p.created_at, p.id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id))
            ORDER BY p.created_at DESC, p.id DESC LIMIT \(limit)
            """, logger: logger)
        let payments = try await PaymentStore.decode(rows)
        return payments.map { ($0, Int64(($0.createdAt.timeIntervalSince1970 * 1_000_000).rounded())) }
    }

    func participant(_ participant: UUID, payer: UUID) async throws -> [PaidLine] {
        var lines: [PaidLine] = []
        for try await (payment, receipt, paid, code, fr, en, total, refunded) in try await client.query(
            """
            SELECT p.id, r.number, p.settled_at, l.offering_code, l.title_fr, l.title_en, l.total_cents, p.refunded_cents
            FROM payment_lines l JOIN payments p ON p.id = l.payment_id LEFT JOIN receipts r ON r.payment_id = p.id
            WHERE l.participant_id = \(participant) AND p.payer_account_id = \(payer) AND p.status = 'succeeded'
            ORDER BY p.settled_at DESC, p.id, l.offering_code
            """, logger: logger
        ).decode((UUID, String?, Date, String, String, String, Int64, Int64).self) {
            lines.append(
                .init(
                    paymentId: payment, receiptNumber: receipt, paidAt: paid, offeringCode: code, title: .init(fr: fr, en: en), totalCents: total,
                    paymentRefundedCents: refunded))
        }
        return lines
    }

    func organisation(_ organisation: UUID, year: Int) async throws -> [StaffLine] {
        var lines: [StaffLine] = []
        let yearInstants = CalendarDate.yearInstants(year)
        for try await (
            payment, receipt, paid, payer, payerName, payerEmail, participant, participantName, code, subtotal, tax, total, refunded, releve24
        )
            in try await client.query(
                """
                SELECT p.id, r.number, p.settled_at, p.payer_account_id, c.document->'payer'->>'name', c.document->'payer'->>'email',
                       l.participant_id, l.participant_name, l.offering_code, l.subtotal_cents, l.tax_cents, l.total_cents, p.refunded_cents, l.releve24
                FROM payments p JOIN receipts r ON r.payment_id = p.id JOIN payment_lines l ON l.payment_id = p.id JOIN checkouts c ON c.id = p.checkout_id
                WHERE p.selling_organisation_id = \(organisation) AND p.status = 'succeeded'
                  AND p.settled_at >= \(yearInstants.start)
                  AND p.settled_at < \(yearInstants.end)
                ORDER BY r.number, l.participant_name, l.offering_code
                """, logger: logger
            ).decode((UUID, String, Date, UUID?, String?, String, UUID, String, String, Int64, Int64, Int64, Int64, Bool).self)
        {
            lines.append(
                .init(
                    paymentId: payment, receiptNumber: receipt, paidAt: paid, payerAccountId: payer, payerName: payerName, payerEmail: payerEmail,
                    participantId: participant, participantName: participantName, offeringCode: code, subtotalCents: subtotal, taxCents: tax,
                    totalCents: total, paymentRefundedCents: refunded, releve24: releve24))
        }
        return lines
    }

    /// A receipt and who may read it.
    func receipt(payment: UUID) async throws -> (Receipt, payer: UUID?, guestTokenSHA256: String?, organisation: UUID)? {
        for try await (document, payer, guest, organisation) in try await client.query(
            """
            SELECT r.document::text, p.payer_account_id, c.guest_token_sha256, p.selling_organisation_id
            FROM receipts r JOIN payments p ON p.id = r.payment_id JOIN checkouts c ON c.id = p.checkout_id WHERE r.payment_id = \(payment)
            """, logger: logger
        ).decode((String, UUID?, String?, UUID).self) {
            return (try EventJSON.decoder.decode(Receipt.self, from: Data(document.utf8)), payer, guest, organisation)
        }
        return nil
    }

    /// Who may read a payment: its payer (account or guest token digest) and its organisation's staff.
    func owners(payment: UUID) async throws -> (payer: UUID?, guestTokenSHA256: String?, organisation: UUID)? {
        for try await values in try await client.query(
            """
            SELECT p.payer_account_id, c.guest_token_sha256, p.selling_organisation_id
            FROM payments p JOIN checkouts c ON c.id = p.checkout_id WHERE p.id = \(payment)
            """, logger: logger
        ).decode((UUID?, String?, UUID).self) {
            return values
        }
        return nil
    }
}

extension HistoryRepository {
    /// A payer's receipts issued in the year and refunds completed in it (a family has tens, never thousands).
    func statement(payer: UUID, year: Int, participant: UUID?) async throws -> Statement {
        let yearInstants = CalendarDate.yearInstants(year)
        var receipts: [Receipt] = []
        for try await document in try await client.query(
            """
            SELECT r.document::text FROM payments p JOIN receipts r ON r.payment_id = p.id
            WHERE p.payer_account_id = \(payer)
              AND r.issued_at >= \(yearInstants.start)
              AND r.issued_at < \(yearInstants.end)
            ORDER BY r.issued_at, r.number LIMIT 1000
            """, logger: logger
        ).decode(String.self) {
            receipts.append(try EventJSON.decoder.decode(Receipt.self, from: Data(document.utf8)))
        }
        var refunds: [Statement.Refund] = []
        for try await (id, number, completed, amount, reason, registrations, document) in try await client.query(
            """
            SELECT f.id, f.credit_note_number, f.completed_at, f.amount_cents, f.reason, f.registration_ids, r.document::text
            FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN receipts r ON r.payment_id = p.id
            WHERE p.payer_account_id = \(payer) AND f.status = 'succeeded'
              AND f.completed_at >= \(yearInstants.start)
              AND f.completed_at < \(yearInstants.end)
            ORDER BY f.completed_at, f.id LIMIT 1000
            """, logger: logger
        ).decode((UUID, String, Date, Int64, String, [UUID], String).self) {
            refunds.append(
                .init(
                    id: id, creditNoteNumber: number, completedAt: completed, amountCents: amount, reason: reason, registrationIds: registrations,
                    receipt: try EventJSON.decoder.decode(Receipt.self, from: Data(document.utf8))))
        }
        return Statement(year: year, participant: participant, receipts: receipts, refunds: refunds)
    }
}
