import DomainKit
import Foundation
import Hummingbird
import PaymentClient
import ServiceKit

/// The family's invoices (what staff registered first and bill later): the list, each invoice as a printable page,
/// and paying one by card in the processor's framed entry, as a checkout is paid. Payment decides who reads which.
extension CheckoutPages {
    typealias Invoice = PaymentClient.Components.Schemas.Invoice

    static let invoicesPath = "/factures"

    func registerInvoices(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get(RouterPath(stringLiteral: Self.invoicesPath)) { request, _ in try await invoicesPage(request) }
        group.get("/factures/:invoiceId") { request, context in try await invoicePage(request, id: try context.parameters.require("invoiceId")) }
        group.get("/factures/:invoiceId/payer") { request, context in
            try await invoicePayment(request, id: try context.parameters.require("invoiceId"))
        }
        group.post("/factures/:invoiceId/payer") { request, context in
            try await payInvoice(request, id: try context.parameters.require("invoiceId"))
        }
    }

    static func invoiceStatus(_ invoice: Invoice, _ language: Language) -> (text: String, tone: String) {
        switch invoice.status {
        case .open where invoice.overdue: (Strings.text(.invoiceStatusOverdue, language), "error")
        case .open: (Strings.text(.invoiceStatusOpen, language), "notice")
        case .paid: (Strings.text(.invoiceStatusPaid, language), "notice")
        case .cancelled: (Strings.text(.invoiceStatusCancelled, language), "notice")
        }
    }

    func invoicesPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        let answer = try await acting(payer) { try await payment.listMyInvoices() }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return kit.signInFirst(request) }
            _ = try ServiceProblem.of(answer)
            throw PageErrors.Upstream(status: 502)
        }
        let invoices = try ok.body.json.items
        let context: [String: Any] = [
            "hasInvoices": !invoices.isEmpty,
            "invoices": invoices.map { invoice -> [String: String] in
                [
                    "href": "\(Self.invoicesPath)/\(invoice.id)", "number": invoice.number, "organisation": invoice.organisation.name.text(language),
                    "dueOn": Formatting.day(invoice.dueDate, language), "total": Formatting.money(cents: invoice.total.amountCents, language),
                    "status": Self.invoiceStatus(invoice, language).text,
                ]
            },
        ]
        return kit.pages.render(
            "invoices", title: Strings.text(.invoicesTitle, language), context: context, language: language, path: Self.invoicesPath,
            signedIn: true)
    }

    /// The payer's invoice, or nil: another family's, or none.
    func invoice(_ id: String, _ payer: Payer) async throws -> Invoice? {
        guard UUID(uuidString: id) != nil else { return nil }
        let answer = try await acting(payer) { try await payment.getMyInvoice(path: .init(invoiceId: id)) }
        switch answer {
        case .ok(let ok): return try ok.body.json
        case .notFound, .badRequest: return nil
        default:
            _ = try ServiceProblem.of(answer)
            throw PageErrors.Upstream(status: 502)
        }
    }

    func invoicePage(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        guard let invoice = try await invoice(id, payer) else { throw HTTPError(.notFound) }
        let heading = Strings.text(.invoiceTitle, language).replacingOccurrences(of: "{number}", with: invoice.number)
        let status = Self.invoiceStatus(invoice, language)
        var context: [String: Any] = [
            "heading": heading, "status": status.text, "tone": status.tone, "number": invoice.number,
            "issuedOn": DateText.day(invoice.issuedAt, language), "dueOn": Formatting.day(invoice.dueDate, language),
            "organisation": invoice.organisation.name.text(language), "total": Formatting.money(cents: invoice.total.amountCents, language),
            "lines": Self.invoiceLines(invoice, language), "hasTaxes": !invoice.taxes.isEmpty,
            "subtotal": Formatting.money(cents: invoice.subtotal.amountCents, language),
            "taxes": invoice.taxes.map { ["name": $0.name.text(language), "amount": Formatting.money(cents: $0.amount.amountCents, language)] },
        ]
        if invoice.status == .open { context["payHref"] = "\(Self.invoicesPath)/\(invoice.id)/payer" }
        if let paymentId = invoice.paymentId, let receipt = invoice.receiptNumber {
            context["receiptHref"] = "/paiements/\(paymentId)/recu"
            context["receiptNumber"] = receipt
        }
        return kit.pages.render(
            "invoice", title: heading, context: context, language: language, path: "\(Self.invoicesPath)/\(invoice.id)", signedIn: true)
    }

    static func invoiceLines(_ invoice: Invoice, _ language: Language) -> [[String: String]] {
        invoice.lines.map {
            [
                "participant": $0.participantName, "title": $0.title.text(language), "code": $0.offeringCode,
                "amount": Formatting.money(cents: $0.total.amountCents, language),
            ]
        }
    }

    func invoiceForm(
        _ invoice: Invoice, request: Request, language: Language, typed: PostedForm? = nil, errors: [String: [String]] = [:],
        formErrors: [String] = []
    ) -> FormPage {
        let total = Formatting.money(cents: invoice.total.amountCents, language)
        var page = cardForm(
            heading: Strings.text(.invoicePayTitle, language).replacingOccurrences(of: "{number}", with: invoice.number),
            intro: Strings.text(.invoicePayIntro, language), action: "\(Self.invoicesPath)/\(invoice.id)/payer", total: total, request: request,
            language: language, typed: typed, errors: errors, formErrors: formErrors)
        page.invoiceReview = [
            "lines": Self.invoiceLines(invoice, language), "number": invoice.number, "organisation": invoice.organisation.name.text(language),
            "dueOn": Formatting.day(invoice.dueDate, language), "total": total, "backHref": Self.invoicesPath,
            "backLabel": Strings.text(.backToInvoices, language),
        ]
        return page
    }

    /// The payer's open invoice, or where to go instead: its payment once paid, its own page once cancelled.
    private func payableInvoice(_ id: String, _ payer: Payer) async throws -> Result<Invoice, Redirect> {
        guard let invoice = try await invoice(id, payer) else { throw HTTPError(.notFound) }
        if let paid = invoice.paymentId { return .failure(Redirect(location: "/paiements/\(paid)")) }
        guard invoice.status == .open else { return .failure(Redirect(location: "\(Self.invoicesPath)/\(invoice.id)")) }
        return .success(invoice)
    }

    /// The form while the invoice is open; once paid or cancelled, the invoice's own page says so.
    func invoicePayment(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        switch try await payableInvoice(id, payer) {
        case .failure(let redirect): return redirect.response
        case .success(let invoice):
            return kit.formResponse(
                invoiceForm(invoice, request: request, language: language), request: request, language: language, signedIn: true)
        }
    }

    func payInvoice(_ request: Request, id: String) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        let invoice: Invoice
        switch try await payableInvoice(id, payer) {
        case .failure(let redirect): return redirect.response
        case .success(let open): invoice = open
        }
        let invoicePath = "\(Self.invoicesPath)/\(invoice.id)"
        func again(_ errors: [String: [String]], _ formErrors: [String], status: HTTPResponse.Status = .unprocessableContent) -> Response {
            kit.formResponse(
                invoiceForm(invoice, request: request, language: language, typed: form, errors: errors, formErrors: formErrors), request: request,
                language: language, status: status, signedIn: true)
        }
        // Paid meanwhile (another tab) or cancelled: the invoice's page says which.
        return try await answerCardPayment(
            form, request: request, language: language, documentPath: invoicePath,
            settledTypes: ["/invoice-already-paid", "/payment-in-progress", "/invoice-cancelled"], again: again
        ) { body, attempt in
            let answer = try await acting(payer) {
                try await payment.payMyInvoice(path: .init(invoiceId: invoice.id), headers: .init(idempotencyKey: attempt), body: .json(body))
            }
            return switch answer {
            case .created(let created): .made(try created.body.json)
            case .accepted(let accepted): .made(try accepted.body.json)
            case .unauthorized: .unauthorized
            case .notFound: .notFound
            default: .problem(try ServiceProblem.of(answer))
            }
        }
    }

    /// Where a page sends the visitor instead of its form (a document paid or cancelled meanwhile).
    struct Redirect: Error {
        var location: String
        var response: Response { Response(status: .seeOther, headers: [.location: location]) }
    }

    /// What paying a document (an invoice, an instalment) answered, read alike.
    enum CardPaymentAnswer: Sendable {
        case made(PaymentClient.Components.Schemas.Payment)
        case unauthorized
        case notFound
        case problem(ServiceProblem)
    }

    /// Reads a payment form and sends the family's card payment of a document (`send`, given the card and the form's
    /// attempt key), then answers the page: the payment's page once charged or under way; the form again on a field
    /// left empty, a declined card or a refusal; the document's page when it was settled meanwhile (`settledTypes`).
    /// A double click's second request finds the first still with the processor: it asks again with the same key
    /// until the first answer is replayed, so both show the one result.
    func answerCardPayment(
        _ form: PostedForm, request: Request, language: Language, documentPath: String, settledTypes: [String],
        again: ([String: [String]], [String], HTTPResponse.Status) -> Response,
        send: (PaymentClient.Components.Schemas.InvoicePaymentRequest, String) async throws -> CardPaymentAnswer
    ) async throws -> Response {
        let body: PaymentClient.Components.Schemas.InvoicePaymentRequest
        switch Self.posted(form, language: language) {
        case .success(let posted): body = .init(cardToken: posted.cardToken, billingAddress: posted.address)
        case .failure(let errors): return again(errors.fields, errors.form, .unprocessableContent)
        }
        let attempt = Self.attemptKey(form.text("attempt", limit: 36))
        var answer = try await send(body, attempt)
        for _ in 0..<30 {
            guard case .problem(let problem) = answer, problem.type.hasSuffix("/idempotency-in-flight") else { break }
            try await Task.sleep(for: .milliseconds(400))
            answer = try await send(body, attempt)
        }
        switch answer {
        case .made(let paid):
            if paid.status == .declined {
                let reason = paid.failure.map { $0.message.text(language) + " " + Strings.text(.cardDeclined, language) }
                return again([:], [reason ?? Strings.text(.paymentDeclinedText, language)], .unprocessableContent)
            }
            return Response(status: .seeOther, headers: [.location: "/paiements/\(paid.id)"])
        case .unauthorized: return kit.signInFirst(request)
        case .notFound: throw HTTPError(.notFound)
        case .problem(let problem):
            if settledTypes.contains(where: problem.type.hasSuffix) { return Response(status: .seeOther, headers: [.location: documentPath]) }
            let refused = Self.refusal(problem, language: language)
            return again(refused.fields, refused.form, problem.pageStatus)
        }
    }
}
