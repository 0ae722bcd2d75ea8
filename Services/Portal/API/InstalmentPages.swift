import DomainKit
import Foundation
import Hummingbird
import PaymentClient
import ServiceKit

/// A payment plan's instalments: listed on the payments page, and one paid by card now (after the saved card was
/// declined, or ahead of its date) in the processor's framed entry, as an invoice is. Payment decides who pays which.
extension CheckoutPages {
    typealias Instalment = PaymentClient.Components.Schemas.Instalment

    func registerInstalments(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/versements/:instalmentId/payer") { request, context in
            try await instalmentPayment(request, id: try context.parameters.require("instalmentId"))
        }
        group.post("/versements/:instalmentId/payer") { request, context in
            try await payInstalment(request, id: try context.parameters.require("instalmentId"))
        }
    }

    /// The account's instalments, or nil when payment does not answer (the payments page still shows the payments).
    func instalments(_ payer: Payer) async throws -> [Instalment]? {
        let answer = try? await acting(payer) { try await payment.listMyInstalments() }
        return try? answer?.ok.body.json.items
    }

    static func instalmentStatus(_ instalment: Instalment, _ language: Language) -> String {
        switch instalment.status {
        case .scheduled where instalment.attempts > 0:
            Strings.text(.instalmentStatusRetry, language).replacingOccurrences(
                of: "{date}", with: instalment.nextAttemptAt.map { DateText.day($0, language) } ?? "")
        case .scheduled: Strings.text(.instalmentStatusScheduled, language)
        case .failed: Strings.text(.instalmentStatusFailed, language)
        case .paid: Strings.text(.instalmentStatusPaid, language)
        case .cancelled: Strings.text(.instalmentStatusCancelled, language)
        }
    }

    static func instalmentPart(_ instalment: Instalment, _ language: Language) -> String {
        Strings.text(.instalmentPartOf, language).replacingOccurrences(of: "{number}", with: String(instalment.number))
            .replacingOccurrences(of: "{count}", with: String(instalment.count))
    }

    /// What part of a line's price a receipt is for: "dépôt", or "versement 1 de 2".
    static func planPart(number: Int, count: Int, _ language: Language) -> String {
        number == 0
            ? Strings.text(.depositPart, language)
            : Strings.text(.instalmentLabel, language).lowercased() + " "
                + Strings.text(.instalmentPartOf, language).replacingOccurrences(of: "{number}", with: String(number))
                .replacingOccurrences(of: "{count}", with: String(count))
    }

    /// One row of the payments page's instalments.
    static func instalmentRow(_ instalment: Instalment, _ language: Language) -> [String: String] {
        var row = [
            "participant": instalment.participantName, "title": instalment.title.text(language), "code": instalment.offeringCode,
            "part": instalmentPart(instalment, language), "dueOn": Formatting.day(instalment.dueDate, language),
            "amount": Formatting.money(cents: instalment.amount.amountCents, language), "status": instalmentStatus(instalment, language),
        ]
        if instalment.status == .scheduled || instalment.status == .failed { row["payHref"] = "/versements/\(instalment.id)/payer" }
        if let paid = instalment.paymentId, let receipt = instalment.receiptNumber {
            row["receiptHref"] = "/paiements/\(paid)/recu"
            row["receiptNumber"] = receipt
        }
        return row
    }

    func instalmentForm(
        _ instalment: Instalment, organisation: String, request: Request, language: Language, typed: PostedForm? = nil,
        errors: [String: [String]] = [:], formErrors: [String] = []
    ) -> FormPage {
        let total = Formatting.money(cents: instalment.amount.amountCents, language)
        var page = cardForm(
            heading: Strings.text(.instalmentPayTitle, language).replacingOccurrences(of: "{number}", with: String(instalment.number))
                .replacingOccurrences(of: "{count}", with: String(instalment.count)),
            intro: Strings.text(.instalmentPayIntro, language), action: "/versements/\(instalment.id)/payer", total: total, request: request,
            language: language, typed: typed, errors: errors, formErrors: formErrors)
        page.invoiceReview = [
            "lines": [
                [
                    "participant": instalment.participantName, "title": instalment.title.text(language), "code": instalment.offeringCode,
                    "amount": total,
                ]
            ],
            "instalment": Self.instalmentPart(instalment, language), "organisation": organisation,
            "dueOn": Formatting.day(instalment.dueDate, language), "total": total, "backHref": "/paiements",
            "backLabel": Strings.text(.backToPayments, language),
        ]
        return page
    }

    /// The payer's instalment still to pay, or where to go instead: its payment once paid, the payments page once cancelled.
    private func payableInstalment(_ id: String, _ payer: Payer) async throws -> Result<Instalment, Redirect> {
        guard UUID(uuidString: id) != nil, let found = try await instalments(payer)?.first(where: { $0.id == id }) else {
            throw HTTPError(.notFound)
        }
        if let paid = found.paymentId { return .failure(Redirect(location: "/paiements/\(paid)")) }
        guard found.status == .scheduled || found.status == .failed else { return .failure(Redirect(location: "/paiements")) }
        return .success(found)
    }

    func instalmentPayment(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        switch try await payableInstalment(id, payer) {
        case .failure(let redirect): return redirect.response
        case .success(let instalment):
            let organisation = try await reference.organisationNames(language)[instalment.organisationId] ?? ""
            let page = instalmentForm(instalment, organisation: organisation, request: request, language: language)
            return kit.formResponse(page, request: request, language: language, signedIn: true)
        }
    }

    func payInstalment(_ request: Request, id: String) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, .account) else { return kit.signInFirst(request) }
        let instalment: Instalment
        switch try await payableInstalment(id, payer) {
        case .failure(let redirect): return redirect.response
        case .success(let found): instalment = found
        }
        let organisation = try await reference.organisationNames(language)[instalment.organisationId] ?? ""
        func again(_ errors: [String: [String]], _ formErrors: [String], status: HTTPResponse.Status = .unprocessableContent) -> Response {
            kit.formResponse(
                instalmentForm(
                    instalment, organisation: organisation, request: request, language: language, typed: form, errors: errors,
                    formErrors: formErrors),
                request: request, language: language, status: status, signedIn: true)
        }
        return try await answerCardPayment(
            form, request: request, language: language, documentPath: "/paiements",
            settledTypes: ["/instalment-already-paid", "/payment-in-progress", "/instalment-cancelled"], again: again
        ) { body, attempt in
            let answer = try await acting(payer) {
                try await payment.payMyInstalment(
                    path: .init(instalmentId: instalment.id), headers: .init(idempotencyKey: attempt), body: .json(body))
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
}
