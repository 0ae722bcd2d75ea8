import Contracts
import DomainKit
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// A registration staff make and bill to a guardian (Baie-Comeau's desk): priced as the family's cart would be,
/// owed by a due date. Payment numbers the invoice, mails it and takes the card; `payment.invoice.paid` comes back.
enum InvoiceBilling {
    struct Request: Sendable {
        var payerAccountId: UUID
        var dueOn: CalendarDate
    }

    /// What was paid online for the registration `r`: by its checkout, or by its invoice once paid (an invoice still
    /// open was not paid, though the registration carries its price).
    static let paidOnlineCents = """
        CASE WHEN r.checkout_id IS NOT NULL THEN \(PaymentPlans.paidThroughCheckoutCents)
        WHEN EXISTS (SELECT 1 FROM invoices i WHERE i.registration_id = r.id AND i.status = 'paid') THEN r.amount_cents ELSE 0 END
        """

    /// Bills the registration just inserted, in the caller's transaction; returns what it costs.
    static func bill(
        _ request: Request, registration: UUID, participant: UUID, facts: ParticipantFacts, offering: OfferingEvent, sessionId: UUID,
        at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> Int64 {
        var payer: CheckoutEvent.Payer?
        for try await (email, first, last, language) in try await connection.query(
            """
            SELECT a.email, a.first_name, a.last_name, a.language FROM account_contacts a
            JOIN participant_guardians g ON g.account_id = a.account_id
            WHERE g.participant_id = \(participant) AND a.account_id = \(request.payerAccountId)
            """, logger: logger
        ).decode((String, String, String, String).self) {
            payer = .init(accountId: request.payerAccountId, email: email, name: "\(first) \(last)", language: language)
        }
        guard let payer else {
            throw Problem.validation([
                .init(
                    field: "invoice.payerAccountId", code: "notAGuardian",
                    message: .init(fr: "Facturez un parent ou tuteur de cette personne.", en: "Bill one of this person's guardians."))
            ])
        }
        let priced: PricedLine
        do {
            priced = try Pricing.price(offering, origin: facts.origin, residency: facts.residency, quantities: [])
        } catch {
            throw Problem.validation(error.errors.map { FieldError(field: "invoice", code: $0.code, message: $0.message) })
        }
        guard priced.total > 0 else {
            throw Problem.validation([
                .init(
                    field: "invoice", code: "nothingToBill",
                    message: .init(
                        fr: "Cette offre est gratuite pour cette personne\u{00A0}: rien à facturer.",
                        en: "This offering is free for this person: nothing to bill."))
            ])
        }
        let session = offering.sessions.first { $0.sessionId == sessionId }
        let id = UUID()
        let invoice = InvoiceEvent(
            invoiceId: id, version: 1, sellingOrganisationId: offering.sellingOrganisationId, payer: payer,
            lines: [
                .init(
                    registrationId: registration, participantId: participant, participantName: facts.name, offeringId: offering.offeringId,
                    offeringCode: offering.code, offeringTitle: offering.title, sessionId: sessionId, unitPrice: .init(amountCents: priced.unitPrice),
                    items: priced.items, taxes: priced.taxes, subtotal: .init(amountCents: priced.subtotal),
                    releve24: offering.childcareReceipt ?? false,
                    participantBirthDate: facts.birthDate, sessionStartDate: session?.startsOn, sessionEndDate: session?.endsOn)
            ], total: .init(amountCents: priced.total), dueDate: request.dueOn.description)
        try await connection.query(
            """
            INSERT INTO invoices (id, registration_id, payer_account_id, due_on, status, document, created_at, updated_at)
            VALUES (\(id), \(registration), \(request.payerAccountId), \(request.dueOn.description)::date, 'open',
                \(String(decoding: try EventJSON.encoder.encode(invoice), as: UTF8.self))::jsonb, \(now), \(now))
            """, logger: logger)
        try await Outbox.enqueue(
            PendingEvent(routingKey: EventName.invoiceRequested, subject: id.uuidString.lowercased(), occurredAt: now, payload: invoice),
            on: connection, logger: logger)
        return priced.total
    }

    /// The registration's invoice: `paid` is what payment charged (refunds go through it, as for a checkout), `open`
    /// is still owed.
    static func invoice(of registration: UUID, on connection: PostgresConnection, logger: Logger) async throws -> (id: UUID, status: String)? {
        var found: (UUID, String)?
        for try await row in try await connection.query(
            "SELECT id, status FROM invoices WHERE registration_id = \(registration)", logger: logger
        ).decode((UUID, String).self) {
            found = row
        }
        return found.map { (id: $0.0, status: $0.1) }
    }

    /// What paid the registration online, as payment knows it for refunds: its checkout, or the invoice staff billed
    /// once the family paid it (payment finds the invoice's payment by the invoice's id); nil when neither did.
    static func paidThrough(registration: UUID, checkout: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        if let checkout { return checkout }
        guard let invoice = try await invoice(of: registration, on: connection, logger: logger), invoice.status == "paid" else { return nil }
        return invoice.id
    }

    /// The registration is cancelled before its invoice was paid: nothing is owed any more, and payment stops taking it.
    static func cancelOpen(registration: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for try await (id, document) in try await connection.query(
            """
            UPDATE invoices SET status = 'cancelled', updated_at = \(now) WHERE registration_id = \(registration) AND status = 'open'
            RETURNING id, document::text
            """, logger: logger
        ).decode((UUID, String).self) {
            var invoice = try EventJSON.decoder.decode(InvoiceEvent.self, from: Data(document.utf8))
            invoice.version += 1
            try await Outbox.enqueue(
                PendingEvent(routingKey: EventName.invoiceCancelled, subject: id.uuidString.lowercased(), occurredAt: now, payload: invoice),
                on: connection, logger: logger)
        }
    }

    /// `payment.invoice.paid`: once, whatever the redelivery. Paid while its registration was being cancelled (the
    /// card charged before payment heard of the cancellation): what was paid is asked back in full.
    static func paid(_ event: InvoicePaidEvent, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        // The registration's row first, as a cancellation takes it (then the invoice's): one waits for the other, and
        // whichever comes second sees what the first did.
        _ = try await connection.query(
            "SELECT 1 FROM registrations WHERE id = (SELECT registration_id FROM invoices WHERE id = \(event.invoiceId)) FOR UPDATE", logger: logger
        ).collect()
        var found: (status: String, registration: UUID, registrationStatus: String, reason: String?)?
        for try await row in try await connection.query(
            """
            SELECT i.status, i.registration_id, r.status, r.status_reason FROM invoices i JOIN registrations r ON r.id = i.registration_id
            WHERE i.id = \(event.invoiceId) FOR UPDATE OF i
            """, logger: logger
        ).decode((String, UUID, String, String?).self) {
            found = row
        }
        guard let found, found.status != "paid" else { return }
        try await connection.query(
            """
            UPDATE invoices SET status = 'paid', number = \(event.invoiceNumber), receipt_number = \(event.receiptNumber),
                payment_id = \(event.paymentId), updated_at = \(now)
            WHERE id = \(event.invoiceId)
            """, logger: logger)
        guard found.registrationStatus == "cancelled", event.amount.amountCents > 0 else { return }
        logger.warning(
            "an invoice was paid after its registration was cancelled; refunding it", metadata: ["invoice": "\(event.invoiceId)"])
        try await Cancellations.requestRefund(
            registration: found.registration, checkout: event.invoiceId, cents: event.amount.amountCents,
            reason: found.reason ?? "cancelled-by-staff", at: now, on: connection, logger: logger)
    }
}
