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
                        fr: "Cette offre est gratuite pour cette personne : rien à facturer.",
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

    /// `payment.invoice.paid`: once, whatever the redelivery.
    static func paid(_ event: InvoicePaidEvent, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let updated = try await connection.query(
            """
            UPDATE invoices SET status = 'paid', number = \(event.invoiceNumber), receipt_number = \(event.receiptNumber),
                payment_id = \(event.paymentId), updated_at = \(now)
            WHERE id = \(event.invoiceId) AND status <> 'paid'
            RETURNING status
            """, logger: logger
        ).collect()
        guard !updated.isEmpty else { return }
        logger.info("invoice paid", metadata: ["invoice": "\(event.invoiceId)", "payment": "\(event.paymentId)"])
    }
}
