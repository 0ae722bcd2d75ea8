import Contracts
import DomainKit
import Foundation
import Logging
import Mail
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// Invoices from enrolment's events. An invoice is numbered `<ORG>-F-YYYY-NNNNNN` when first heard of, mailed to its
/// payer, and kept in `checkouts` (kind `invoice`) as what a payment charges: paying it is paying a checkout, with the
/// same idempotency, receipt, lines, statement and Relevé 24.
struct InvoiceStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// Payable until cancelled, however late (still owed): the chargeable document's end is set far past the due date.
    static let payableDaysAfterDue = 3_650

    struct Invoice: Sendable, Equatable {
        enum Status: String, Sendable { case open, paid, cancelled }
        var id: UUID
        var number: String
        var organisation: Receipt.Organisation
        var payerAccountId: UUID
        var status: Status
        var dueOn: CalendarDate
        var issuedAt: Date
        var document: CheckoutEvent
        var paymentId: UUID?
        var receiptNumber: String?
    }

    static func keep(
        _ invoice: InvoiceEvent, cancelled: Bool, mailing: PaymentMailing, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard let due = CalendarDate(invoice.dueDate), let payer = invoice.payer.accountId else {
            logger.error("an invoice without a due date or a payer's account; not kept", metadata: ["invoice": "\(invoice.invoiceId)"])
            return
        }
        let document = CheckoutEvent(
            checkoutId: invoice.invoiceId, version: invoice.version, sellingOrganisationId: invoice.sellingOrganisationId, payer: invoice.payer,
            lines: invoice.lines, total: invoice.total, holdExpiresAt: due.adding(days: payableDaysAfterDue).noon)
        try await CheckoutCopies.keep(document, expired: cancelled, kind: "invoice", on: connection, logger: logger)
        if cancelled {
            try await connection.query(
                "UPDATE invoices SET status = 'cancelled', settled_at = \(now) WHERE id = \(invoice.invoiceId) AND status = 'open'", logger: logger)
            return
        }
        let known = try await connection.query("SELECT 1 FROM invoices WHERE id = \(invoice.invoiceId) FOR UPDATE", logger: logger).collect()
        guard known.isEmpty else { return }
        // Its cancellation came first (events may cross): nothing is owed, so nothing is numbered or mailed.
        let cancelledFirst = try await connection.query(
            "SELECT 1 FROM checkouts WHERE id = \(invoice.invoiceId) AND expired", logger: logger
        ).collect()
        guard cancelledFirst.isEmpty else { return }
        let organisation = try await PaymentStore.prefix(of: invoice.sellingOrganisationId, on: connection, logger: logger)
        let year = CalendarDate(now).year
        let sequence = try await PaymentStore.nextNumber(
            organisation: organisation.id, year: year, series: "invoice", on: connection, logger: logger)
        let number = Receipt.number(prefix: organisation.shortCode + "-F", year: year, sequence: sequence)
        try await connection.query(
            """
            INSERT INTO invoices (id, organisation_id, payer_account_id, number, due_on, status, issued_at)
            VALUES (\(invoice.invoiceId), \(organisation.id), \(payer), \(number), \(due.description)::date, 'open', \(now))
            """, logger: logger)
        try await mailing.queueInvoice(
            number: number, invoice: invoice, organisation: organisation, due: due, at: now, on: connection, logger: logger)
    }

    /// An invoice paid: marked so in the settling transaction, and told to enrolment.
    static func paid(
        _ id: UUID, payment: UUID, receiptNumber: String, checkout: CheckoutEvent, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        var number: String?
        for try await found in try await connection.query(
            """
            UPDATE invoices SET status = 'paid', payment_id = \(payment), settled_at = \(now) WHERE id = \(id) AND status <> 'paid'
            RETURNING number
            """, logger: logger
        ).decode(String.self) {
            number = found
        }
        guard let number else { return }
        try await Outbox.enqueue(
            PendingEvent(
                routingKey: EventName.invoicePaid, subject: id.uuidString.lowercased(), occurredAt: now,
                payload: InvoicePaidEvent(
                    invoiceId: id, version: checkout.version + 1, invoiceNumber: number, paymentId: payment, receiptNumber: receiptNumber,
                    registrationIds: checkout.lines.map(\.registrationId), amount: checkout.total)),
            on: connection, logger: logger)
    }

    private static let columns = """
        i.id, i.number, i.organisation_id, coalesce(o.short_code, ''), coalesce(o.name_fr, ''), coalesce(o.name_en, ''), i.payer_account_id,
        i.status, i.due_on::text, i.issued_at, c.document::text, i.payment_id, r.number
        """
    private static let from = """
        FROM invoices i JOIN checkouts c ON c.id = i.id LEFT JOIN organisations o ON o.id = i.organisation_id
        LEFT JOIN receipts r ON r.payment_id = i.payment_id
        """

    private func decode(_ rows: PostgresRowSequence) async throws -> [Invoice] {
        var invoices: [Invoice] = []
        for try await (id, number, organisation, code, fr, en, payer, status, due, issued, document, payment, receipt) in rows.decode(
            (UUID, String, UUID, String, String, String, UUID, String, String, Date, String, UUID?, String?).self)
        {
            invoices.append(
                .init(
                    id: id, number: number, organisation: .init(id: organisation, shortCode: code, name: .init(fr: fr, en: en)),
                    payerAccountId: payer, status: Invoice.Status(rawValue: status) ?? .open, dueOn: CalendarDate(due)!, issuedAt: issued,
                    document: try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(document.utf8)), paymentId: payment, receiptNumber: receipt)
            )
        }
        return invoices
    }

    /// The payer's invoices, newest first: at most the 100 newest.
    func invoices(payer: UUID) async throws -> [Invoice] {
        try await decode(
            client.query(
                "SELECT \(unescaped: Self.columns) \(unescaped: Self.from) WHERE i.payer_account_id = \(payer) ORDER BY i.issued_at DESC, i.id LIMIT 100",
                logger: logger))
    }

    func invoice(_ id: UUID) async throws -> Invoice? {
        try await decode(client.query("SELECT \(unescaped: Self.columns) \(unescaped: Self.from) WHERE i.id = \(id)", logger: logger)).first
    }
}

extension PaymentMailing {
    /// The invoice's mail, in the payer's language, in the transaction that numbers it.
    func queueInvoice(
        number: String, invoice: InvoiceEvent, organisation: Receipt.Organisation, due: CalendarDate, at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        let english = invoice.payer.language == "en"
        let values: [String: Any] = [
            "name": invoice.payer.name ?? "", "number": number, "total": MoneyText.format(invoice.total.amountCents, english: english),
            "dueOn": DateText.day(due.noon, english ? .en : .fr), "organisation": english ? organisation.name.en : organisation.name.fr,
            "link": "\(publicBaseURL)/factures/\(invoice.invoiceId.uuidString.lowercased())",
            "lines": invoice.lines.map {
                [
                    "participant": $0.participantName, "code": $0.offeringCode, "title": $0.offeringTitle.fr, "titleEn": $0.offeringTitle.en,
                    "amount": MoneyText.format($0.subtotal.amountCents + $0.taxes.reduce(0) { $0 + $1.amount.amountCents }, english: english),
                ]
            },
        ]
        let message = mails.invoiceIssued.message(
            language: english ? .en : .fr, from: from, to: .init(email: invoice.payer.email, name: invoice.payer.name), values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }
}
