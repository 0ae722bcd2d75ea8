import DomainKit
import Foundation
import Hummingbird
import OpenAPIRuntime
import PaymentClient
import ServiceKit

/// The organisation's money, for its staff: its payments by year (and their CSV), a payment with its lines, receipt
/// and refunds, a partial or full refund to the card (a code given within 15 minutes, as payment requires), and each
/// refund's credit note as a printable page. Payment decides who may read and refund; the pages ask and say.
struct MoneyDeskPages: Sendable {
    let registrar: RegistrarPages
    let payment: PaymentClient.Client
    var kit: PageKit { registrar.kit }
    var pages: Pages { kit.pages }

    typealias Refund = PaymentClient.Components.Schemas.Refund

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId")
        group.get("paiements") { request, context in try await paymentsPage(request, organisation: try context.parameters.require("organisationId")) }
        group.get("paiements.csv") { request, context in
            try await paymentsFile(request, organisation: try context.parameters.require("organisationId"))
        }
        group.get("paiements/:paymentId") { request, context in
            try await paymentPage(
                request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("paymentId"))
        }
        group.post("paiements/:paymentId/remboursement") { request, context in
            try await refund(request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("paymentId"))
        }
        group.get("remboursements/:refundId") { request, context in
            try await creditNotePage(
                request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("refundId"))
        }
    }

    /// The year asked for (`?annee=2026`), this year by default; nil for one that cannot be.
    func year(_ request: Request) -> Int? {
        Self.year(FormQuery(request.uri.query)["annee"], default: CalendarDate(kit.clock.now()).year)
    }

    /// A year as a page's `annee` gives it: `default` when none is given, nil for one that cannot be.
    static func year(_ text: String?, default fallback: Int) -> Int? {
        guard let text, !text.isEmpty else { return fallback }
        guard let year = Int(text), (2000...2100).contains(year) else { return nil }
        return year
    }

    // MARK: - Payments by year

    func paymentsPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await registrar.organisationPage(request, organisation, back: request.uri.description) { session, found in
            guard let year = year(request) else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) {
                try await payment.listOrganisationPayments(
                    query: .init(organisation: found.id, year: year), headers: .init(accept: [.init(contentType: .json)]))
            }
            guard case .ok(let ok) = answer, case .json(let body) = ok.body else {
                return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path)
            }
            // One row per payment (its lines are its participants and offerings), by receipt number.
            var order: [String] = []
            var byPayment: [String: [PaymentClient.Components.Schemas.StaffPaidLine]] = [:]
            for line in body.items {
                if byPayment[line.paymentId] == nil { order.append(line.paymentId) }
                byPayment[line.paymentId, default: []].append(line)
            }
            let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
            let rows = order.compactMap { id -> [String: String]? in
                guard let lines = byPayment[id], let first = lines.first else { return nil }
                return [
                    "href": "/staff/organisations/\(found.id)/paiements/\(id)", "receipt": first.receiptNumber,
                    "paidOn": DateText.day(first.paidAt, language), "payer": first.payerName ?? first.payerEmail,
                    "participants": Array(Set(lines.map(\.participantName))).sorted().joined(separator: ", "),
                    "total": money(lines.reduce(0) { $0 + $1.total.amountCents }), "refunded": money(first.paymentRefunded.amountCents),
                ]
            }
            let current = CalendarDate(kit.clock.now()).year
            let years = (0..<4).map { current - $0 }.map { ["value": String($0), "selected": $0 == year] as [String: Any] }
            return registrar.render(
                "staff-payments", title: "\(t(.staffPaymentsTitle)) \(year) — \(found.name.text(language))",
                context: [
                    "heading": t(.staffPaymentsTitle), "organisationName": found.name.text(language), "organisationId": found.id,
                    "year": String(year), "years": years, "payments": rows, "hasPayments": !rows.isEmpty,
                    "csvHref": "/staff/organisations/\(found.id)/paiements.csv?annee=\(year)",
                ], request: request)
        }
    }

    func paymentsFile(_ request: Request, organisation: String) async throws -> Response {
        return try await registrar.organisationPage(request, organisation, back: request.uri.description) { session, found in
            guard let year = year(request) else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) {
                try await payment.listOrganisationPayments(
                    query: .init(organisation: found.id, year: year), headers: .init(accept: [.init(contentType: .csv)]))
            }
            guard case .ok(let ok) = answer, case .csv(let body) = ok.body else {
                return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path)
            }
            return try await DocumentPages.csvFile(body, name: "paiements-\(found.shortCode)-\(year)", upTo: 64 * 1024 * 1024)
        }
    }

    // MARK: - A payment, its refunds

    func refundStatusText(_ status: Refund.StatusPayload, _ language: Language) -> String {
        let key: Text =
            switch status {
            case .pending: .refundPending
            case .succeeded: .refundSucceeded
            case .failed: .refundFailed
            }
        return Strings.text(key, language)
    }

    func paymentPage(
        _ request: Request, organisation: String, id: String, amount: String = "", reason: String = "", errors: [String: [String]] = [:],
        formErrors: [String] = [], status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let path = "/staff/organisations/\(organisation)/paiements/\(id)"
        let notice = kit.notice(request, ["rembourse": .refundSentNotice], language)
        return try await registrar.organisationPage(request, organisation, ids: [id], back: path) { session, found in
            let (paid, receipt, refunds) = try await registrar.acting(session) {
                async let paid = payment.getPayment(path: .init(paymentId: id))
                async let receipt = payment.getReceipt(path: .init(paymentId: id), headers: .init(accept: [.init(contentType: .json)]))
                async let refunds = payment.listPaymentRefunds(path: .init(paymentId: id))
                return (try await paid, try await receipt, try await refunds)
            }
            guard case .ok(let paidOK) = paid, case .ok(let receiptOK) = receipt, case .json(let receiptBody) = receiptOK.body,
                case .ok(let refundsOK) = refunds
            else { return registrar.staffArea.notFound(request) }
            let details = try paidOK.body.json
            // Payment answers any organisation's staff for a payment it can read; the page is this organisation's.
            guard details.sellingOrganisationId == found.id else { return registrar.staffArea.notFound(request) }
            let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
            let remaining = details.amount.amountCents - details.refunded.amountCents
            let visit = FormVisit(request, cookies: kit.cookies)
            var context: [String: Any] = [
                "heading": t(.receiptTitle).replacingOccurrences(of: "{number}", with: receiptBody.number),
                "organisationName": found.name.text(language), "paidOn": DateText.dayAndTime(receiptBody.issuedAt, language),
                "payer": receiptBody.payer.name ?? receiptBody.payer.billingAddress.name, "email": receiptBody.payer.email,
                "total": money(details.amount.amountCents), "refunded": money(details.refunded.amountCents),
                "card": details.card.map { CheckoutPages.card($0, language) } ?? "",
                "receiptHref": "/paiements/\(id)/recu", "paymentsHref": "/staff/organisations/\(found.id)/paiements",
                "lines": receiptBody.lines.map { line in
                    [
                        "participant": line.participantName, "title": "\(line.offeringCode) \(line.title.text(language))",
                        "amount": money(line.total.amountCents),
                    ]
                },
                "refunds": try refundsOK.body.json.items.map { refund -> [String: String] in
                    var row = [
                        "date": DateText.dayAndTime(refund.createdAt, language), "amount": money(refund.amount.amountCents), "reason": refund.reason,
                        "status": refundStatusText(refund.status, language),
                    ]
                    if let number = refund.creditNoteNumber {
                        row["creditNote"] = number
                        row["creditNoteHref"] = "/staff/organisations/\(found.id)/remboursements/\(refund.id)"
                    }
                    return row
                },
                "canRefund": remaining > 0, "remaining": money(remaining), "formToken": visit.secret.formToken,
                "attempt": UUID().uuidString.lowercased(), "action": "\(path)/remboursement",
                "amountHint": t(.refundAmountHint).replacingOccurrences(of: "{remaining}", with: money(remaining)),
            ]
            context["hasRefunds"] = !((context["refunds"] as? [[String: String]]) ?? []).isEmpty
            if !amount.isEmpty { context["amount"] = amount }
            if !reason.isEmpty { context["reason"] = reason }
            if let notice { context["notice"] = notice }
            var summary: [[String: String]] = formErrors.map { ["field": "amount", "message": $0] }
            for (field, messages) in errors.sorted(by: { $0.key < $1.key }) {
                let label = t(field == "amount" ? .refundAmount : .refundReason)
                summary += messages.map { ["field": field, "message": label + FormPage.colon(language) + $0] }
                context[field + "Errors"] = messages
                context[field + "Invalid"] = true
            }
            if !summary.isEmpty {
                context["hasErrors"] = true
                context["errors"] = summary
            }
            let title = (summary.isEmpty ? "" : t(.errorTitlePrefix)) + (context["heading"] as? String ?? "")
            var response = pages.render(
                "staff-payment", title: title, context: context, language: language, path: path, status: status, signedIn: true)
            visit.setCookie(on: &response)
            return response
        }
    }

    func refund(_ request: Request, organisation: String, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let path = "/staff/organisations/\(organisation)/paiements/\(id)"
        let amount = form.text("amount", limit: 20)
        let reason = form.text("reason", limit: 500)
        // The attempt key the page made: a double click sends the same one, and payment refunds once.
        let attempt = CheckoutPages.attemptKey(form.text("attempt", limit: 36))
        return try await registrar.organisationPage(request, organisation, ids: [id], back: path) { session, found in
            // Only this organisation's payment, as its page shows it.
            let paid = try await registrar.acting(session) { try await payment.getPayment(path: .init(paymentId: id)) }
            guard case .ok(let paidOK) = paid, try paidOK.body.json.sellingOrganisationId == found.id else {
                return registrar.staffArea.notFound(request)
            }
            guard let cents = OfferingDeskPages.cents(amount), cents > 0 else {
                return try await paymentPage(
                    request, organisation: organisation, id: id, amount: amount, reason: reason, errors: ["amount": [t(.priceError)]],
                    status: .unprocessableContent)
            }
            let answer = try await registrar.acting(session) {
                try await payment.createRefund(
                    path: .init(paymentId: id), headers: .init(idempotencyKey: attempt), body: .json(.init(amountCents: cents, reason: reason)))
            }
            switch answer {
            case .accepted: return Response(status: .seeOther, headers: [.location: "\(path)?fait=rembourse"])
            case .unprocessableContent, .badRequest, .conflict:
                let problem = try ServiceProblem.of(answer)
                var errors: [String: [String]] = [:]
                var formErrors: [String] = []
                if problem.errors.isEmpty {
                    formErrors = [problem.summary]
                } else {
                    for error in problem.errors {
                        errors[error.field == "reason" ? "reason" : "amount", default: []].append(error.message.text(for: language))
                    }
                }
                return try await paymentPage(
                    request, organisation: organisation, id: id, amount: amount, reason: reason, errors: errors, formErrors: formErrors,
                    status: problem.pageStatus)
            default: return try registrar.staffArea.refusal(answer, request: request, back: path)
            }
        }
    }

    // MARK: - A credit note

    func creditNotePage(_ request: Request, organisation: String, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await registrar.organisationPage(request, organisation, ids: [id]) { session, found in
            let answer = try await registrar.acting(session) { try await payment.getRefund(path: .init(refundId: id)) }
            guard case .ok(let ok) = answer else { return registrar.staffArea.notFound(request) }
            let refund = try ok.body.json
            let receipt = try await registrar.acting(session) {
                try await payment.getReceipt(path: .init(paymentId: refund.paymentId), headers: .init(accept: [.init(contentType: .json)]))
            }
            guard case .ok(let receiptOK) = receipt, case .json(let original) = receiptOK.body, original.organisation.id.lowercased() == found.id,
                refund.creditNoteNumber != nil
            else { return registrar.staffArea.notFound(request) }
            let context = MoneyDocumentPages.creditNoteContext(refund, of: original, language: language)
            return registrar.render(
                "credit-note", title: context["heading"] as? String ?? "",
                context: context.merging([
                    "backHref": "/staff/organisations/\(found.id)/paiements/\(refund.paymentId)", "backText": t(.backToPayment),
                ]) { $1 }, request: request)
        }
    }
}
