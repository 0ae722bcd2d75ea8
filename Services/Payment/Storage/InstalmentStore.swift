import Contracts
import DomainKit
import Foundation
import Logging
import Mail
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// A payment plan's later parts. Each instalment is kept in `checkouts` (kind `instalment`, one line: its share of the
/// registration) so a payment charges it as any checkout: one live payment at most, a receipt, its lines in the
/// statement and in the Relevé 24 of the year it is paid. The reconciler charges the card the processor saved at
/// checkout on the due date; a refusal is tried again 1, 3 and 7 days later, the family told each time, and they may
/// pay it themselves by card from the portal meanwhile. A cancelled registration's unpaid instalments are cancelled.
struct InstalmentStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    let processor: any PaymentProcessor
    let payments: PaymentStore

    /// Days after a refusal before the next try; once spent, the instalment waits for the family.
    static let retryDays = [1, 3, 7]
    /// Payable until cancelled, however late, as an invoice is.
    static let payableDaysAfterDue = 3_650

    struct Instalment: Sendable, Equatable {
        enum Status: String, Sendable { case scheduled, paid, failed, cancelled }
        var id: UUID
        var checkoutId: UUID
        var registrationId: UUID
        var number: Int
        var count: Int
        var dueOn: CalendarDate
        var amountCents: Int64
        var status: Status
        var attempts: Int
        var nextAttemptAt: Date?
        var lastFailureCode: String?
        var line: CheckoutEvent.Line
        var sellingOrganisationId: UUID
        var paymentId: UUID?
        var receiptNumber: String?
    }

    /// The plan's instalments, kept in the transaction that settled its deposit. `paymentMethod` is the processor's
    /// id of the saved card; without one, each instalment waits for the family to pay it.
    static func schedule(
        _ checkout: CheckoutEvent, paymentMethod: String?, billingAddress: String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for instalment in checkout.instalments ?? [] {
            guard let due = CalendarDate(instalment.dueDate), let part = instalment.line.planPart, part.number > 0 else { continue }
            let document = CheckoutEvent(
                checkoutId: instalment.instalmentId, version: 1, sellingOrganisationId: checkout.sellingOrganisationId, payer: checkout.payer,
                lines: [instalment.line], total: .init(amountCents: instalment.line.totalCents),
                holdExpiresAt: due.adding(days: payableDaysAfterDue).noon)
            try await CheckoutCopies.keep(document, expired: false, kind: "instalment", on: connection, logger: logger)
            // Charged on its date, in the morning in Quebec (noon less six hours).
            try await connection.query(
                """
                INSERT INTO instalments (id, checkout_id, registration_id, payer_account_id, number, count, due_on, amount_cents, status,
                    next_attempt_at, payment_method, billing_address, created_at, updated_at)
                VALUES (\(instalment.instalmentId), \(checkout.checkoutId), \(instalment.line.registrationId), \(checkout.payer.accountId),
                    \(part.number), \(part.count), \(due.description)::date, \(instalment.line.totalCents), 'scheduled',
                    \(due.noon.addingTimeInterval(-6 * 3600)), \(paymentMethod), \(billingAddress)::jsonb, \(now), \(now))
                ON CONFLICT (id) DO NOTHING
                """, logger: logger)
        }
    }

    /// Days before its date that the family is told an instalment will be charged.
    static let reminderDays = 3

    /// Mails the families whose saved card is charged within `reminderDays` (not on the day itself: the charge is
    /// then under way), once per instalment, 50 a call; returns how many were mailed.
    @discardableResult
    func remindDue(now: Date) async throws -> Int {
        let today = CalendarDate(now)
        return try await client.transaction(logger: logger) { connection in
            var due: [(UUID, Int, Int, String, String, String?, String?)] = []
            for try await row in try await connection.query(
                """
                SELECT i.id, i.number, i.count, i.due_on::text, c.document::text, p.card_brand, p.card_last4
                FROM instalments i JOIN checkouts c ON c.id = i.id
                LEFT JOIN payments p ON p.checkout_id = i.checkout_id AND p.status = 'succeeded'
                WHERE i.status = 'scheduled' AND i.reminded_at IS NULL AND i.attempts = 0
                  AND i.due_on > \(today.description)::date AND i.due_on <= \(today.adding(days: Self.reminderDays).description)::date
                ORDER BY i.due_on LIMIT 50 FOR UPDATE OF i SKIP LOCKED
                """, logger: logger
            ).decode((UUID, Int, Int, String, String, String?, String?).self) {
                due.append(row)
            }
            for (id, number, count, dueText, text, brand, last4) in due {
                try await connection.query("UPDATE instalments SET reminded_at = \(now) WHERE id = \(id)", logger: logger)
                let document = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(text.utf8))
                guard let line = document.lines.first, let dueOn = CalendarDate(dueText) else { continue }
                let card = brand.flatMap { brand in last4.map { Payment.Card(brand: brand, last4: $0, expMonth: 0, expYear: 0) } }
                try await payments.mailing.queueInstalmentReminder(
                    id, line: line, number: number, count: count, dueOn: dueOn, card: card, payer: document.payer, at: now, on: connection,
                    logger: logger)
            }
            return due.count
        }
    }

    /// Charges one instalment due by `now` to its saved card; returns how many were tried (0 or 1: the caller loops).
    /// The try is claimed (its payment row and the attempt counted) just before the processor is asked, under the key
    /// `<instalment>:<attempt>`, so a crash between the two is settled by the reconciler's lookup and never charges
    /// twice; one at a time, so that no claim waits behind others' charges long enough to be taken for a lost one.
    @discardableResult
    func chargeDue(now: Date) async throws -> Int {
        let claimed: [(payment: UUID, method: String?, total: Int64, description: String)]
        do {
            claimed = try await claim(now: now)
        } catch  where error.sqlState == "23505" {
            // The family paying it on the portal at this very moment: theirs is the live payment.
            return 0
        }
        for attempt in claimed {
            let outcome: ChargeOutcome =
                if let method = attempt.method {
                    await processor.charge(
                        .savedMethod(method), amountCents: attempt.total, reference: attempt.payment,
                        description: String(attempt.description.prefix(200)))
                } else {
                    .declined(code: "no_saved_card")
                }
            _ = try await payments.settle(attempt.payment, outcome: outcome, at: now, logger: logger)
        }
        return claimed.count
    }

    private func claim(now: Date) async throws -> [(payment: UUID, method: String?, total: Int64, description: String)] {
        try await client.transaction(logger: logger) { connection in
            var due: [(UUID, String?, String, Int, String)] = []
            for try await row in try await connection.query(
                """
                SELECT i.id, i.payment_method, i.billing_address::text, i.attempts, c.document::text
                FROM instalments i JOIN checkouts c ON c.id = i.id
                WHERE i.status = 'scheduled' AND i.next_attempt_at <= \(now) AND NOT c.expired
                  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = i.id AND p.status <> 'declined')
                ORDER BY i.next_attempt_at LIMIT 1 FOR UPDATE OF i SKIP LOCKED
                """, logger: logger
            ).decode((UUID, String?, String, Int, String).self) {
                due.append(row)
            }
            var claimed: [(UUID, String?, Int64, String)] = []
            for (id, method, billing, attempts, text) in due {
                let document = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(text.utf8))
                let payment = UUID()
                try await connection.query(
                    """
                    UPDATE instalments SET attempts = attempts + 1, next_attempt_at = NULL, updated_at = \(now) WHERE id = \(id)
                    """, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO payments (id, version, checkout_id, payer_account_id, selling_organisation_id, amount_cents, status,
                        billing_address, idempotency_scope, idempotency_key, created_at, updated_at)
                    VALUES (\(payment), 1, \(id), \(document.payer.accountId), \(document.sellingOrganisationId), \(document.total.amountCents),
                        'pending', \(billing)::jsonb, 'instalment', \("\(id.uuidString.lowercased()):\(attempts + 1)"), \(now), \(now))
                    """, logger: logger)
                claimed.append((payment, method, document.total.amountCents, document.lines.map(\.offeringCode).joined(separator: ", ")))
            }
            return claimed
        }
    }

    /// An instalment paid, in the settling transaction: told to enrolment, even when its registration was cancelled
    /// meanwhile (the charge crossed the cancellation): enrolment then asks it back, as it decides every refund.
    static func paid(
        _ id: UUID, payment: UUID, receiptNumber: String, checkout: CheckoutEvent, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        var found: (String, UUID, UUID)?
        for try await row in try await connection.query(
            "SELECT status, checkout_id, registration_id FROM instalments WHERE id = \(id) FOR UPDATE", logger: logger
        ).decode((String, UUID, UUID).self) {
            found = row
        }
        guard let (status, parent, registration) = found, status != "paid" else { return }
        try await connection.query(
            """
            UPDATE instalments SET status = 'paid', payment_id = \(payment), next_attempt_at = NULL, updated_at = \(now) WHERE id = \(id)
            """, logger: logger)
        try await Outbox.enqueue(
            PendingEvent(
                routingKey: EventName.instalmentPaid, subject: id.uuidString.lowercased(), occurredAt: now,
                payload: InstalmentPaidEvent(
                    instalmentId: id, version: 2, checkoutId: parent, registrationId: registration, paymentId: payment,
                    receiptNumber: receiptNumber, amount: checkout.total)),
            on: connection, logger: logger)
    }

    /// A refused charge, in the settling transaction: tried again later while tries remain, and the family told.
    static func declined(
        _ id: UUID, code: String, checkout: CheckoutEvent, mailing: PaymentMailing, at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        var found: (String, Int, Int, Int, String, String?, String?)?
        for try await row in try await connection.query(
            """
            SELECT i.status, i.attempts, i.number, i.count, i.due_on::text, p.card_brand, p.card_last4
            FROM instalments i LEFT JOIN payments p ON p.checkout_id = i.checkout_id AND p.status = 'succeeded'
            WHERE i.id = \(id) FOR UPDATE OF i
            """, logger: logger
        ).decode((String, Int, Int, Int, String, String?, String?).self) {
            found = row
        }
        guard let (status, attempts, number, count, due, brand, last4) = found, status == "scheduled" else { return }
        let card = brand.flatMap { brand in last4.map { Payment.Card(brand: brand, last4: $0, expMonth: 0, expYear: 0) } }
        let retryAt: Date? =
            attempts <= Self.retryDays.count && attempts > 0
            ? CalendarDate(now).adding(days: Self.retryDays[attempts - 1]).noon.addingTimeInterval(-6 * 3600) : nil
        try await connection.query(
            """
            UPDATE instalments SET status = \(retryAt == nil ? "failed" : "scheduled"), next_attempt_at = \(retryAt),
                last_failure_code = \(code), updated_at = \(now)
            WHERE id = \(id)
            """, logger: logger)
        guard let line = checkout.lines.first, let dueOn = CalendarDate(due) else { return }
        try await mailing.queueInstalmentDeclined(
            id, line: line, number: number, count: count, dueOn: dueOn, card: card, retryAt: retryAt, payer: checkout.payer, at: now,
            on: connection, logger: logger)
    }

    /// A cancelled registration's unpaid instalments: never charged, and not payable any more. Returns how many.
    @discardableResult
    static func cancel(registration: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var cancelled: [UUID] = []
        for try await id in try await connection.query(
            """
            UPDATE instalments SET status = 'cancelled', next_attempt_at = NULL, updated_at = \(now)
            WHERE registration_id = \(registration) AND status IN ('scheduled', 'failed')
            RETURNING id
            """, logger: logger
        ).decode(UUID.self) {
            cancelled.append(id)
        }
        if !cancelled.isEmpty {
            try await connection.query("UPDATE checkouts SET expired = true WHERE id = ANY(\(cancelled))", logger: logger)
        }
        return cancelled.count
    }

    private static let columns = """
        i.id, i.checkout_id, i.registration_id, i.number, i.count, i.due_on::text, i.amount_cents, i.status, i.attempts, i.next_attempt_at,
        i.last_failure_code, c.document::text, i.payment_id, r.number
        """
    private static let from = "FROM instalments i JOIN checkouts c ON c.id = i.id LEFT JOIN receipts r ON r.payment_id = i.payment_id"

    private func decode(_ rows: PostgresRowSequence) async throws -> [Instalment] {
        var instalments: [Instalment] = []
        for try await (id, checkout, registration, number, count, due, amount, status, attempts, next, failure, text, payment, receipt)
            in rows.decode((UUID, UUID, UUID, Int, Int, String, Int64, String, Int, Date?, String?, String, UUID?, String?).self)
        {
            let document = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(text.utf8))
            guard let line = document.lines.first, let dueOn = CalendarDate(due) else { continue }
            instalments.append(
                .init(
                    id: id, checkoutId: checkout, registrationId: registration, number: number, count: count, dueOn: dueOn, amountCents: amount,
                    status: Instalment.Status(rawValue: status) ?? .scheduled, attempts: attempts, nextAttemptAt: next, lastFailureCode: failure,
                    line: line, sellingOrganisationId: document.sellingOrganisationId, paymentId: payment, receiptNumber: receipt))
        }
        return instalments
    }

    /// The payer's instalments by due date: at most 200.
    func instalments(payer: UUID) async throws -> [Instalment] {
        try await decode(
            client.query(
                "SELECT \(unescaped: Self.columns) \(unescaped: Self.from) WHERE i.payer_account_id = \(payer) ORDER BY i.due_on, i.number, i.id LIMIT 200",
                logger: logger))
    }

    func instalment(_ id: UUID, payer: UUID) async throws -> Instalment? {
        try await decode(
            client.query(
                "SELECT \(unescaped: Self.columns) \(unescaped: Self.from) WHERE i.id = \(id) AND i.payer_account_id = \(payer)", logger: logger)
        ).first
    }
}

extension PaymentMailing {
    /// The payer's mail a few days before their saved card is charged for an instalment, in their language.
    func queueInstalmentReminder(
        _ id: UUID, line: CheckoutEvent.Line, number: Int, count: Int, dueOn: CalendarDate, card: Payment.Card?, payer: CheckoutEvent.Payer,
        at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let english = payer.language == "en"
        let language: Language = english ? .en : .fr
        let values: [String: Any] = [
            "name": payer.name ?? "", "number": String(number), "count": String(count),
            "amount": MoneyText.format(line.totalCents, english: english), "participant": line.participantName, "code": line.offeringCode,
            "title": line.offeringTitle.fr, "titleEn": line.offeringTitle.en, "dueOn": DateText.day(dueOn.noon, language),
            "card": card?.masked ?? "—", "link": "\(publicBaseURL)/versements/\(id.uuidString.lowercased())/payer",
        ]
        let message = mails.instalmentReminder.message(
            language: english ? .en : .fr, from: from, to: .init(email: payer.email, name: payer.name), values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }

    /// The payer's mail for a refused instalment, in their language, in the settling transaction.
    func queueInstalmentDeclined(
        _ id: UUID, line: CheckoutEvent.Line, number: Int, count: Int, dueOn: CalendarDate, card: Payment.Card?, retryAt: Date?,
        payer: CheckoutEvent.Payer, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let english = payer.language == "en"
        let language: Language = english ? .en : .fr
        let mailLanguage: MailTemplate.Language = english ? .en : .fr
        var values: [String: Any] = [
            "name": payer.name ?? "", "number": String(number), "count": String(count),
            "amount": MoneyText.format(line.totalCents, english: english), "participant": line.participantName, "code": line.offeringCode,
            "title": line.offeringTitle.fr, "titleEn": line.offeringTitle.en, "dueOn": DateText.day(dueOn.noon, language),
            "card": card?.masked ?? "—", "link": "\(publicBaseURL)/versements/\(id.uuidString.lowercased())/payer",
        ]
        if let retryAt { values["retryOn"] = DateText.day(retryAt, language) }
        let message = mails.instalmentDeclined.message(
            language: mailLanguage, from: from, to: .init(email: payer.email, name: payer.name), values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }
}
