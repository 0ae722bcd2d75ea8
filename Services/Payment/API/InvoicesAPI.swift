import Contracts
import DomainKit
import Foundation
import ServiceKit

/// The payer's invoices: listed, read, and paid by card as a checkout is.
extension PaymentAPI {
    func listMyInvoices(_ input: Operations.ListMyInvoices.Input) async throws -> Operations.ListMyInvoices.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        let found = try await invoices.invoices(payer: payer)
        let today = CalendarDate(clock.now())
        return .ok(.init(body: .json(.init(items: found.map { Self.representation($0, today: today) }))))
    }

    func getMyInvoice(_ input: Operations.GetMyInvoice.Input) async throws -> Operations.GetMyInvoice.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.invoiceId), let invoice = try await invoices.invoice(id), invoice.payerAccountId == payer else {
            throw Problem.notFound
        }
        return .ok(.init(body: .json(Self.representation(invoice, today: CalendarDate(clock.now())))))
    }

    func payMyInvoice(_ input: Operations.PayMyInvoice.Input) async throws -> Operations.PayMyInvoice.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let (payment, answered) = try await payDocument(
            kind: "invoice", id: input.path.invoiceId, body: body, idempotencyKey: input.headers.idempotencyKey)
        return answered ? .created(.init(body: .json(payment))) : .accepted(.init(body: .json(payment)))
    }

    /// Pays the signed-in payer's invoice or instalment (`kind`) by card, as a checkout is paid; `answered`: the
    /// processor said charged or declined (201), else the payment waits for it (202).
    func payDocument(
        kind: String, id text: String, body: Components.Schemas.InvoicePaymentRequest, idempotencyKey: String?
    ) async throws -> (payment: Components.Schemas.Payment, answered: Bool) {
        let payer = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: text) else { throw Problem.notFound }
        let key = try Idempotency.key(idempotencyKey)
        var errors: [FieldError] = []
        let (token, address) = Self.card(body.cardToken, billedTo: body.billingAddress, errors: &errors)
        guard errors.isEmpty, let address else { throw Problem.validation(errors) }
        let payment = try await payments.pay(
            .init(
                checkoutId: id, kind: kind, cardToken: token, billingAddress: address, key: key, requestHash: try Idempotency.requestHash(body)),
            payer: .account(payer), now: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/payments/\(payment.id.uuidString.lowercased())")
        return (Self.representation(payment), payment.status == .succeeded || payment.status == .declined)
    }

    static func representation(_ invoice: InvoiceStore.Invoice, today: CalendarDate) -> Components.Schemas.Invoice {
        let totals = Receipt.totals(of: invoice.document.lines)
        return .init(
            id: invoice.id.uuidString.lowercased(), number: invoice.number,
            organisation: .init(
                id: invoice.organisation.id.uuidString.lowercased(),
                name: .init(fr: invoice.organisation.name.fr, en: invoice.organisation.name.en)),
            status: .init(rawValue: invoice.status.rawValue)!, issuedAt: invoice.issuedAt, dueDate: invoice.dueOn.description,
            overdue: invoice.status == .open && invoice.dueOn < today,
            lines: invoice.document.lines.map {
                .init(
                    registrationId: $0.registrationId.uuidString.lowercased(), participantId: $0.participantId.uuidString.lowercased(),
                    participantName: $0.participantName, offeringCode: $0.offeringCode,
                    title: .init(fr: $0.offeringTitle.fr, en: $0.offeringTitle.en),
                    total: money($0.subtotal.amountCents + $0.taxes.reduce(0) { $0 + $1.amount.amountCents }))
            }, subtotal: money(totals.subtotal.amountCents),
            taxes: totals.taxes.map {
                .init(code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en), percent: $0.percent, amount: money($0.amount.amountCents))
            }, total: money(invoice.document.total.amountCents), paymentId: invoice.paymentId?.uuidString.lowercased(),
            receiptNumber: invoice.receiptNumber)
    }
}
