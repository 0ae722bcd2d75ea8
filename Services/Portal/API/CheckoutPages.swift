import EnrolmentClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PaymentClient
import ServiceKit

/// Checkout and payment: one organisation's cart lines held at once (enrolment), reviewed with the hold's end
/// shown, paid by a card entered in the processor's own framed page (the portal receives only the single-use
/// token the processor hands to the page), then the payment, its receipt and the history. A declined card is said
/// on the same page and another can be tried while the seats are held.
struct CheckoutPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let payment: PaymentClient.Client
    let reference: CatalogueReference
    let cardEntry: CardEntrySettings
    let clock: any WallClock
    let logger: Logger

    /// The processor's hosted card entry: its page, its origin (the only one framed and listened to), and the
    /// portal's own origin, which the processor's page posts the token to.
    struct CardEntrySettings: Sendable {
        var url: URL
        var origin: String
        var pageOrigin: String
    }

    typealias Checkout = EnrolmentClient.Components.Schemas.Checkout
    typealias Payment = PaymentClient.Components.Schemas.Payment

    /// Who pays: a signed-in account (its access token), or a guest (CSSPO) holding the checkout's token, kept in
    /// a cookie sealed with the browser's form secret. A guest's pages are under `/invite`.
    enum Payer: Sendable {
        case account(accessToken: String)
        case guest(GuestCheckouts.Entry)

        var accessToken: String? { if case .account(let token) = self { token } else { nil } }
        var guestToken: String? { if case .guest(let entry) = self { entry.token } else { nil } }
        var isGuest: Bool { guestToken != nil }
        var prefix: String { isGuest ? "/invite" : "" }
    }

    enum Route: Sendable { case account, guest }

    /// The payer of this request: the signed-in person, or the guest whose sealed cookie holds this checkout (or
    /// this payment).
    func payer(_ request: Request, _ route: Route, checkout: String? = nil, payment: String? = nil) async throws -> Payer? {
        switch route {
        case .account:
            return try await kit.signedIn(request).map { .account(accessToken: $0.1.tokens.accessToken) }
        case .guest:
            let held = kit.guestCheckouts(request)
            return (checkout.flatMap(held.entry(checkout:)) ?? payment.flatMap(held.entry(payment:))).map { .guest($0) }
        }
    }

    /// Without a payer: the sign-in page for an account's page; for a guest's, a page saying it opens only in the
    /// browser that registered (the mail has the payment's details).
    func withoutPayer(_ request: Request, _ route: Route) throws -> Response {
        if route == .account { return kit.signInFirst(request) }
        let language = LanguageChoice.of(request)
        return kit.pages.message(
            .guestElsewhereTitle, .guestElsewhereText, language: language, path: request.uri.path, status: .notFound,
            link: ("/activites", Strings.text(.backToCatalogue, language)))
    }

    /// Runs the calls of `body` as the payer: with the account's access token, or with nothing (a guest's token
    /// goes in each call's `Guest-Token` header).
    func acting<Result: Sendable>(_ payer: Payer, _ body: () async throws -> Result) async throws -> Result {
        if let token = payer.accessToken { return try await OnBehalfOfVisitor.acting(with: token, body) }
        return try await body()
    }

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.post("/panier/caisse") { request, _ in try await startCheckout(request) }
        group.get("/paiements") { request, _ in try await history(request) }
        registerInvoices(on: router)
        registerInstalments(on: router)
        group.post("/invite/terminer") { request, _ in try await forgetGuest(request) }
        for (prefix, route) in [("", Route.account), ("/invite", Route.guest)] {
            group.get("\(prefix)/caisse/:checkoutId") { request, context in
                try await checkoutPage(request, id: context.parameters.get("checkoutId") ?? "", route)
            }
            group.post("\(prefix)/caisse/:checkoutId/payer") { request, context in
                try await pay(request, checkoutId: context.parameters.get("checkoutId") ?? "", route)
            }
            group.post("\(prefix)/caisse/:checkoutId/prolonger") { request, context in
                try await extendHold(request, checkoutId: context.parameters.get("checkoutId") ?? "", route)
            }
            group.get("\(prefix)/paiements/:paymentId") { request, context in
                try await paymentPage(request, id: context.parameters.get("paymentId") ?? "", route)
            }
            group.get("\(prefix)/paiements/:paymentId/recu") { request, context in
                try await receiptPage(request, id: context.parameters.get("paymentId") ?? "", route)
            }
        }
    }

    // MARK: - Checkout

    /// From the cart: holds the seats of one organisation's lines. The form's attempt key is the checkout's
    /// `Idempotency-Key`, so a double click gives the same checkout, never a second hold.
    func startCheckout(_ request: Request) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let attempt = Self.attemptKey(form.text("attempt", limit: 36))
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.createCheckout(
                headers: .init(idempotencyKey: attempt),
                body: .json(
                    .init(paymentPlan: form.text("paymentPlan", limit: 3) == "yes", sellingOrganisationId: form.text("organisationId", limit: 36))))
        }
        switch answer {
        case .created(let created):
            return Response(status: .seeOther, headers: [.location: "/caisse/\(try created.body.json.id)"])
        case .unauthorized: return kit.signInFirst(request)
        default:
            let problem = try ServiceProblem.of(answer)
            let language = LanguageChoice.of(request)
            return kit.pages.message(
                .cannotCheckoutTitle, .cannotCheckoutText, language: language, path: "/panier", status: problem.pageStatus,
                link: ("/panier", Strings.text(.backToCart, language)),
                details: problem.messages(language))
        }
    }

    func checkoutPage(_ request: Request, id: String, _ route: Route) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }  // before signing in: nothing to come back to
        guard let payer = try await payer(request, route, checkout: id) else { return try withoutPayer(request, route) }
        guard let checkout = try await fetchCheckout(id, payer) else { throw HTTPError(.notFound) }
        let path = "\(payer.prefix)/caisse/\(id)"
        switch checkout.status {
        case .awaitingPayment:
            // A payment already under way (or made, and enrolment not told yet): its page, never the form again.
            if let started = try await paymentOf(checkout.id, payer) {
                return Response(status: .seeOther, headers: [.location: "\(payer.prefix)/paiements/\(started.id)"])
            }
            let page = try await paymentForm(checkout, payer, request: request, language: language)
            return kit.formResponse(page, request: request, language: language, signedIn: !payer.isGuest)
        case .confirmed:
            // Paid: the payment's page says so and links the receipt.
            if let paid = try await paymentOf(checkout.id, payer) {
                return Response(status: .seeOther, headers: [.location: "\(payer.prefix)/paiements/\(paid.id)"])
            }
            return kit.pages.message(
                .registrationConfirmedTitle, .registrationConfirmedText, language: language, path: path, status: .ok,
                link: payer.isGuest ? nil : ("/paiements", Strings.text(.paymentsTitle, language)))
        case .expired, .paymentFailed:
            return kit.pages.message(
                .checkoutExpiredTitle, .checkoutExpiredText, language: language, path: path, status: .ok, link: startAgain(payer, language))
        }
    }

    /// Where a payer starts again: the cart, or for a guest the catalogue.
    func startAgain(_ payer: Payer, _ language: Language) -> (String, String) {
        payer.isGuest ? ("/activites", Strings.text(.backToCatalogue, language)) : ("/panier", Strings.text(.backToCart, language))
    }

    /// The review and the payment form: billing address, the framed card entry, and a new attempt key (a key
    /// per try: a declined card then another is two payments; a double click is one).
    func paymentForm(
        _ checkout: Checkout, _ payer: Payer, request: Request, language: Language, typed: PostedForm? = nil, errors: [String: [String]] = [:],
        formErrors: [String] = []
    ) async throws -> FormPage {
        let names = try await reference.organisationNames(language)
        // Each line's group, as the catalogue names it (the checkout carries only its id).
        let offerings = try await reference.offerings(checkout.lines.map(\.offeringId))
        let total = Formatting.money(cents: checkout.total.amountCents, language)
        var page = cardForm(
            heading: Strings.text(.checkoutTitle, language), intro: Strings.text(.checkoutIntro, language),
            action: "\(payer.prefix)/caisse/\(checkout.id)/payer", total: total, request: request, language: language, typed: typed, errors: errors,
            formErrors: formErrors)
        page.review = [
            "organisation": names[checkout.sellingOrganisationId] ?? "", "total": total,
            "holdUntil": DateText.time(checkout.holdExpiresAt, language),
            "holdEndsAt": ISO8601DateFormatter().string(from: checkout.holdExpiresAt),
            "canExtend": (checkout.holdExtensionsLeft ?? 0) > 0, "extendHint": Strings.text(.extendHoldWhere, language),
            "backHref": startAgain(payer, language).0, "backLabel": startAgain(payer, language).1,
            "lines": checkout.lines.map { line -> [String: Any] in
                var values: [String: Any] = [
                    "participant": line.participantName, "title": line.offeringTitle.text(language), "code": line.offeringCode,
                    "price": Formatting.money(cents: (line.paymentPlan?.total ?? line.price.total).amountCents, language),
                ]
                values["session"] = offerings[line.offeringId]?.sessions.first { $0.id == line.sessionId }?.name.text(language)
                if let plan = line.paymentPlan {
                    values["deposit"] = Formatting.money(cents: plan.deposit.amountCents, language)
                    values["instalments"] = CartPages.instalments(plan, language)
                }
                return values
            },
        ]
        if checkout.lines.contains(where: { $0.paymentPlan != nil }) { page.review?["cardKept"] = Strings.text(.cardKeptNotice, language) }
        if let left = checkout.holdExtensionsLeft, left > 0 {
            page.alternate = (
                "\(payer.prefix)/caisse/\(checkout.id)/prolonger", Strings.text(.extendHold, language),
                Strings.text(.extendHoldHint, language).replacingOccurrences(of: "{count}", with: Formatting.number(left, language))
            )
        }
        return page
    }

    /// A payment form: the billing address, the processor's framed card entry, and a new attempt key (a key per try:
    /// a declined card then another is two payments; a double click is one).
    func cardForm(
        heading: String, intro: String, action: String, total: String, request: Request, language: Language, typed: PostedForm?,
        errors: [String: [String]], formErrors: [String]
    ) -> FormPage {
        var entry = URLComponents(url: cardEntry.url, resolvingAgainstBaseURL: false)
        let pageOrigin = PostedForm.pageOrigin(request, publicOrigin: cardEntry.pageOrigin)
        entry?.queryItems = [.init(name: "origin", value: pageOrigin), .init(name: "lang", value: language.rawValue)]
        func field(_ name: String, _ label: Text, autocomplete: String, fallback: String = "") -> FormPage.Field {
            FormPage.Field(
                name: name, label: Strings.text(label, language), value: typed?.text(name, limit: 200) ?? fallback, autocomplete: autocomplete,
                errors: errors[name] ?? [])
        }
        var page = FormPage(
            heading: heading, intro: intro, action: action,
            submit: Strings.text(.paySubmit, language).replacingOccurrences(of: "{amount}", with: total),
            fields: [
                field("name", .cardholderName, autocomplete: "cc-name"),
                field("line1", .streetAddress, autocomplete: "address-line1"),
                field("city", .city, autocomplete: "address-level2"),
                {
                    var province = field("province", .province, autocomplete: "address-level1", fallback: "QC")
                    province.required = false
                    return province
                }(),
                field("postalCode", .postalCode, autocomplete: "postal-code"),
            ],
            hidden: [("attempt", UUID().uuidString.lowercased())])
        page.formErrors = formErrors
        page.formErrorsTarget = "card-entry"
        page.cardEntry = .init(src: entry?.url?.absoluteString ?? cardEntry.url.absoluteString, origin: cardEntry.origin)
        return page
    }

    /// What the payment form posted: the fields left empty (said before asking anyone) or the card's token and
    /// billing address.
    static func posted(
        _ form: PostedForm, language: Language
    ) -> Result<(cardToken: String, address: PaymentClient.Components.Schemas.BillingAddress), CardFormErrors> {
        var missing: [String: [String]] = [:]
        for name in ["name", "line1", "city", "postalCode"] where form.text(name).isEmpty {
            missing[name] = [Strings.text(.requiredField, language)]
        }
        let cardToken = form.text("cardToken", limit: 200)
        if !missing.isEmpty || cardToken.isEmpty {
            // The frame comes back empty with the page: a card entered is asked for again, never kept in the page.
            return .failure(.init(fields: missing, form: [Strings.text(cardToken.isEmpty ? .cardMissing : .cardAgain, language)]))
        }
        let province = form.text("province", limit: 3)
        return .success(
            (
                cardToken,
                .init(
                    name: form.text("name", limit: 200), line1: form.text("line1", limit: 200), city: form.text("city", limit: 100),
                    province: province.isEmpty ? nil : province.uppercased(), postalCode: form.text("postalCode", limit: 12).uppercased())
            ))
    }

    struct CardFormErrors: Error {
        var fields: [String: [String]]
        var form: [String]
    }

    /// Payment's refusal of the form, by field (the billing address's) and for the whole form.
    static func refusal(_ problem: ServiceProblem, language: Language) -> CardFormErrors {
        var fieldErrors: [String: [String]] = [:]
        var others: [String] = []
        for error in problem.errors {
            let name = error.field.replacingOccurrences(of: "billingAddress.", with: "")
            if ["name", "line1", "city", "province", "postalCode"].contains(name) {
                fieldErrors[name, default: []].append(error.message.text(for: language))
            } else {
                others.append(error.message.text(for: language))
            }
        }
        return .init(fields: fieldErrors, form: problem.errors.isEmpty ? [problem.summary] : others)
    }

    // MARK: - Paying

    func pay(_ request: Request, checkoutId: String, _ route: Route) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, route, checkout: checkoutId) else { return try withoutPayer(request, route) }
        guard let checkout = try await fetchCheckout(checkoutId, payer) else { throw HTTPError(.notFound) }
        let checkoutPath = "\(payer.prefix)/caisse/\(checkout.id)"
        guard checkout.status == .awaitingPayment else { return Response(status: .seeOther, headers: [.location: checkoutPath]) }
        func again(
            _ errors: [String: [String]] = [:], _ formErrors: [String] = [], status: HTTPResponse.Status = .unprocessableContent
        ) async throws
            -> Response
        {
            let page = try await paymentForm(
                checkout, payer, request: request, language: language, typed: form, errors: errors, formErrors: formErrors)
            return kit.formResponse(page, request: request, language: language, status: status, signedIn: !payer.isGuest)
        }
        // Said before asking anyone: a field left empty, no card entered in the frame.
        let posted: (cardToken: String, address: PaymentClient.Components.Schemas.BillingAddress)
        switch Self.posted(form, language: language) {
        case .success(let values): posted = values
        case .failure(let errors): return try await again(errors.fields, errors.form)
        }
        let body = PaymentClient.Components.Schemas.PaymentRequest(
            checkoutId: checkout.id, cardToken: posted.cardToken, billingAddress: posted.address)
        let attempt = Self.attemptKey(form.text("attempt", limit: 36))
        // Payment hears of a new checkout through an event: a moment after the hold it may not know it yet.
        var answer = try await createPayment(body, attempt: attempt, payer)
        // A double click's second request finds the first still with the processor (idempotency-in-flight): it
        // waits and asks again with the same key until the first answer is replayed, so both show the one result.
        let waiting = ["/checkout-not-ready", "/idempotency-in-flight"]
        for _ in 0..<30 {
            guard case .conflict = answer, let problem = try? ServiceProblem.of(answer), waiting.contains(where: problem.type.hasSuffix) else {
                break
            }
            try await Task.sleep(for: .milliseconds(400))
            answer = try await createPayment(body, attempt: attempt, payer)
        }
        switch answer {
        case .created(let created):
            let paid = try created.body.json
            if paid.status == .declined {
                let reason = paid.failure.map { $0.message.text(language) + " " + Strings.text(.cardDeclined, language) }
                return try await again([:], [reason ?? Strings.text(.paymentDeclinedText, language)])
            }
            return try toPayment(paid.id, checkout: checkout.id, payer, request)
        case .accepted(let accepted):
            return try toPayment(try accepted.body.json.id, checkout: checkout.id, payer, request)
        case .unauthorized: return try withoutPayer(request, route)
        case .notFound: throw HTTPError(.notFound)
        default:
            let problem = try ServiceProblem.of(answer)
            if problem.type.hasSuffix("/checkout-already-paid") || problem.type.hasSuffix("/payment-in-progress") {
                let started = try await paymentOf(checkout.id, payer)
                return Response(
                    status: .seeOther, headers: [.location: started.map { "\(payer.prefix)/paiements/\($0.id)" } ?? checkoutPath])
            }
            if problem.type.hasSuffix("/checkout-expired") {
                // Payment stops a little before the hold's end, and hears of a longer hold by event: while enrolment
                // still holds the seats, the person is told to ask for more time, not that they were released.
                if let current = try await fetchCheckout(checkout.id, payer), current.status == .awaitingPayment,
                    current.holdExpiresAt > clock.now()
                {
                    return try await again([:], [Strings.text(.holdEndingPay, language)], status: .conflict)
                }
                return kit.pages.message(
                    .checkoutExpiredTitle, .checkoutExpiredText, language: language, path: checkoutPath, status: .conflict,
                    link: startAgain(payer, language))
            }
            let refused = Self.refusal(problem, language: language)
            return try await again(refused.fields, refused.form, status: problem.pageStatus)
        }
    }

    /// To the payment's page; a guest's cookie records the payment, which its page and receipt open with.
    func toPayment(_ paymentId: String, checkout: String, _ payer: Payer, _ request: Request) throws -> Response {
        var headers: HTTPFields = [.location: "\(payer.prefix)/paiements/\(paymentId)"]
        if payer.isGuest {
            var held = kit.guestCheckouts(request)
            held.paid(checkoutId: checkout, paymentId: paymentId.lowercased())
            if let cookie = try kit.guestCookie(held, request) { headers.append(.init(name: .setCookie, value: cookie)) }
        }
        return Response(status: .seeOther, headers: headers)
    }

    /// A guest done on a shared computer: this browser forgets their checkouts, payments and receipts.
    func forgetGuest(_ request: Request) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        var response = kit.pages.message(.guestForgottenTitle, .guestForgottenText, language: language, path: "/activites", status: .ok)
        response.headers.append(.init(name: .setCookie, value: kit.cookies.clearing(kit.cookies.guestName)))
        return response
    }

    /// More time to pay (WCAG 2.2.1): enrolment holds the seats longer, a limited number of times. The button is
    /// part of the payment form, so what was typed comes back on the page (a card entered is asked for again).
    func extendHold(_ request: Request, checkoutId: String, _ route: Route) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, route, checkout: checkoutId) else { return try withoutPayer(request, route) }
        guard UUID(uuidString: checkoutId) != nil else { throw HTTPError(.notFound) }
        let answer = try await acting(payer) {
            try await enrolment.extendCheckoutHold(path: .init(checkoutId: checkoutId), headers: .init(guestToken: payer.guestToken))
        }
        switch answer {
        case .ok(let ok):
            var page = try await paymentForm(try ok.body.json, payer, request: request, language: language, typed: form)
            page.notice = Strings.text(.holdExtendedNotice, language)
            if !form.text("cardToken", limit: 200).isEmpty { page.notice += " " + Strings.text(.cardAgain, language) }
            return kit.formResponse(page, request: request, language: language, signedIn: !payer.isGuest)
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return try withoutPayer(request, route)
        default:
            let problem = try ServiceProblem.of(answer)
            return kit.pages.message(
                .holdNotExtendedTitle, .holdNotExtendedText, language: language, path: "\(payer.prefix)/caisse/\(checkoutId)",
                status: problem.pageStatus, link: ("\(payer.prefix)/caisse/\(checkoutId)", Strings.text(.backToPayment, language)),
                details: [problem.summary])
        }
    }

    private func createPayment(
        _ body: PaymentClient.Components.Schemas.PaymentRequest, attempt: String, _ payer: Payer
    ) async throws
        -> PaymentClient.Operations.CreatePayment.Output
    {
        try await acting(payer) {
            try await payment.createPayment(headers: .init(idempotencyKey: attempt, guestToken: payer.guestToken), body: .json(body))
        }
    }

    // MARK: - After

    /// One payment: succeeded (with its receipt), still with the processor, or declined; and whether enrolment has
    /// confirmed the registrations yet (it hears of the payment through an event).
    func paymentPage(_ request: Request, id: String, _ route: Route) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, route, payment: id) else { return try withoutPayer(request, route) }
        let answer = try await acting(payer) {
            try await payment.getPayment(path: .init(paymentId: id), headers: .init(guestToken: payer.guestToken))
        }
        guard case .ok(let ok) = answer else {
            if case .notFound = answer { throw HTTPError(.notFound) }
            _ = try ServiceProblem.of(answer)
            throw HTTPError(.notFound)
        }
        let paid = try ok.body.json
        let checkout = try await fetchCheckout(paid.checkoutId, payer)
        // Not a cart's checkout: an invoice staff billed, whose registrations were made before it was paid.
        let invoice = checkout == nil && !payer.isGuest ? try await self.invoice(paid.checkoutId, payer) : nil
        // Nor an invoice: an instalment of a payment plan, whose registration goes on.
        let instalment =
            checkout == nil && invoice == nil && !payer.isGuest ? try await instalments(payer)?.first { $0.id == paid.checkoutId } : nil
        let refunds = try await refundRows(paid, payer, language)
        let names = try await reference.organisationNames(language)
        let (heading, text, tone): (Text, Text, String) =
            switch paid.status {
            case .succeeded: (.paymentSucceededTitle, .paymentSucceededText, "notice")
            case .pending, .unknown: (.paymentPendingTitle, .paymentPendingText, "notice")
            case .declined: (.paymentDeclinedTitle, .paymentDeclinedText, "error")
            }
        let registrations: Text =
            switch checkout?.status {
            case .confirmed: .registrationsConfirmed
            case .expired, .paymentFailed: .registrationsReleased
            case nil where invoice != nil: .registrationsConfirmed
            case nil where instalment != nil: .instalmentPaidText
            default: .registrationsPending
            }
        let lines: [[String: String]] =
            checkout.map { found in
                found.lines.map { ["participant": $0.participantName, "title": $0.offeringTitle.text(language), "code": $0.offeringCode] }
            } ?? (invoice?.lines ?? []).map { ["participant": $0.participantName, "title": $0.title.text(language), "code": $0.offeringCode] }
            + (instalment.map { [["participant": $0.participantName, "title": $0.title.text(language), "code": $0.offeringCode]] } ?? [])
        let context: [String: Any] = withoutEmptyTexts([
            "heading": Strings.text(heading, language), "text": Strings.text(text, language), "tone": tone,
            "organisation": paid.sellingOrganisationId.flatMap { names[$0] } ?? "",
            "amount": Formatting.money(cents: paid.amount.amountCents, language),
            "card": paid.card.map { Self.card($0, language) } ?? "",
            "receiptNumber": paid.receiptNumber ?? "",
            "receiptHref": paid.status == .succeeded ? "\(payer.prefix)/paiements/\(paid.id)/recu" : "",
            "refreshHref": "\(payer.prefix)/paiements/\(paid.id)", "member": !payer.isGuest, "guest": payer.isGuest,
            "registrations": Strings.text(registrations, language),
            "lines": lines, "hasLines": !lines.isEmpty,
            "invoiceHref": invoice.map { "\(Self.invoicesPath)/\($0.id)" } ?? "", "invoiceNumber": invoice?.number ?? "",
        ]).merging(["refunds": refunds, "hasRefunds": !refunds.isEmpty]) { $1 }
        let visit = FormVisit(request, cookies: kit.cookies)
        var response = kit.pages.render(
            "payment", title: Strings.text(heading, language), context: context.merging(["formToken": visit.secret.formToken]) { $1 },
            language: language, path: "\(payer.prefix)/paiements/\(paid.id)", signedIn: !payer.isGuest)
        visit.setCookie(on: &response)
        return response
    }

    /// A refunded payment's refunds, each with its credit note once made (an account's: a guest has the mails).
    private func refundRows(
        _ paid: PaymentClient.Components.Schemas.Payment, _ payer: Payer, _ language: Language
    ) async throws
        -> [[String: Any]]
    {
        guard !payer.isGuest, paid.refunded.amountCents > 0 else { return [] }
        let answer = try await acting(payer) { try await payment.listPaymentRefunds(path: .init(paymentId: paid.id)) }
        guard case .ok(let ok) = answer else { return [] }
        return try ok.body.json.items.map { refund -> [String: Any] in
            let status: Text =
                switch refund.status {
                case .succeeded: .refundSucceeded
                case .pending: .refundPending
                case .failed: .refundFailed
                }
            return withoutEmptyTexts([
                "amount": Formatting.money(cents: refund.amount.amountCents, language),
                "date": DateText.day(refund.completedAt ?? refund.createdAt, language), "status": Strings.text(status, language),
                "reason": MoneyDocumentPages.reason(refund.reason, language), "creditNote": refund.creditNoteNumber ?? "",
                "creditNoteHref": refund.creditNoteNumber == nil ? "" : "/paiements/\(paid.id)/remboursements/\(refund.id)",
            ])
        }
    }

    /// The receipt as a page to read and print (the link in the mail and the history lead here).
    func receiptPage(_ request: Request, id: String, _ route: Route) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let payer = try await payer(request, route, payment: id) else { return try withoutPayer(request, route) }
        let answer = try await acting(payer) {
            try await payment.getReceipt(
                path: .init(paymentId: id), headers: .init(guestToken: payer.guestToken, accept: [.init(contentType: .json)]))
        }
        guard case .ok(let ok) = answer, case .json(let receipt) = ok.body else {
            if case .notFound = answer { throw HTTPError(.notFound) }
            _ = try ServiceProblem.of(answer)
            throw HTTPError(.notFound)
        }
        let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
        let address = receipt.payer.billingAddress
        let context: [String: Any] = [
            "heading": Strings.text(.receiptTitle, language).replacingOccurrences(of: "{number}", with: receipt.number),
            "number": receipt.number, "issuedOn": DateText.dayAndTime(receipt.issuedAt, language),
            "organisation": receipt.organisation.name.text(language),
            "payer": receipt.payer.name ?? address.name, "email": receipt.payer.email,
            "address": [address.line1, address.line2, [address.city, address.province, address.postalCode].compactMap { $0 }.joined(separator: " ")]
                .compactMap { $0 }.filter { !$0.isEmpty },
            "card": Self.card(receipt.card, language),
            "lines": receipt.lines.map { line -> [String: Any] in
                [
                    "participant": line.participantName, "code": line.offeringCode,
                    "title": line.title.text(language)
                        + (line.planPart.map { " — " + Self.planPart(number: $0.number, count: $0.count, language) } ?? ""),
                    "amount": money(line.subtotal.amountCents),
                    "items": line.items.map { item in
                        "\(item.quantity) × \(item.name.text(language))" + (item.date.map { " (" + Formatting.day($0, language) + ")" } ?? "")
                            + " — " + money(item.amount.amountCents)
                    },
                ]
            },
            "subtotal": money(receipt.subtotal.amountCents),
            "taxes": receipt.taxes.map { ["name": $0.name.text(language), "amount": money($0.amount.amountCents)] },
            "total": money(receipt.total.amountCents), "member": !payer.isGuest, "guest": payer.isGuest,
        ]
        let visit = FormVisit(request, cookies: kit.cookies)
        var response = kit.pages.render(
            "receipt", title: Strings.text(.receiptTitle, language).replacingOccurrences(of: "{number}", with: receipt.number),
            context: context.merging(["formToken": visit.secret.formToken]) { $1 }, language: language,
            path: "\(payer.prefix)/paiements/\(id)/recu", signedIn: !payer.isGuest)
        visit.setCookie(on: &response)
        return response
    }

    /// The account's payments, newest first, each with its receipt.
    func history(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let cursor = FormQuery(request.uri.query)["cursor"].flatMap { $0.isEmpty ? nil : String($0.prefix(512)) }
        var answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await payment.listMyPayments(query: .init(limit: 20, cursor: cursor))
        }
        if case .badRequest = answer, cursor != nil {
            // A cursor payment no longer reads (an old link): the first page.
            answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await payment.listMyPayments(query: .init(limit: 20))
            }
        }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return kit.signInFirst(request) }
            _ = try ServiceProblem.of(answer)
            throw PageErrors.Upstream(status: 502)
        }
        let found = try ok.body.json
        let names = try await reference.organisationNames(language)
        // Invoices to pay are said first: they are what the family still has to do.
        // An aside: payment not answering about invoices does not take the payments away.
        let invoices = try? await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await payment.listMyInvoices() }
        let owing = (try? invoices?.ok.body.json.items.contains { $0.status == .open }) ?? false
        let instalments = try await self.instalments(.account(accessToken: session.tokens.accessToken)) ?? []
        let declined = instalments.contains { $0.status == .failed || ($0.status == .scheduled && $0.attempts > 0) }
        let payments = found.items.map { paid -> [String: Any] in
            let status: Text =
                switch paid.status {
                case .succeeded: .statusPaid
                case .declined: .statusDeclined
                case .pending, .unknown: .statusPending
                }
            return withoutEmptyTexts([
                "id": paid.id, "organisation": paid.sellingOrganisationId.flatMap { names[$0] } ?? "",
                "amount": Formatting.money(cents: paid.amount.amountCents, language),
                "date": DateText.dayAndTime(paid.createdAt, language), "status": Strings.text(status, language),
                "refunded": paid.refunded.amountCents > 0 ? Formatting.money(cents: paid.refunded.amountCents, language) : "",
                "receiptNumber": paid.status == .succeeded ? paid.receiptNumber ?? "" : "",
            ])
        }
        let context: [String: Any] = [
            "heading": Strings.text(.paymentsTitle, language), "payments": payments, "hasPayments": !payments.isEmpty,
            "invoicesNotice": owing ? Strings.text(.invoiceOpenNotice, language) : "",
            "instalmentsNotice": declined ? Strings.text(.instalmentDeclinedNotice, language) : "",
            "instalments": instalments.map { Self.instalmentRow($0, language) }, "hasInstalments": !instalments.isEmpty,
            "nextHref": found.nextCursor.map { "/paiements?cursor=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? "",
        ]
        return kit.pages.render(
            "payments", title: Strings.text(.paymentsTitle, language), context: withoutEmptyTexts(context), language: language,
            path: "/paiements", signedIn: true)
    }

    // MARK: - Helpers

    private func fetchCheckout(_ id: String, _ payer: Payer) async throws -> Checkout? {
        guard UUID(uuidString: id) != nil else { return nil }
        let answer = try await acting(payer) {
            try await enrolment.getCheckout(path: .init(checkoutId: id), headers: .init(guestToken: payer.guestToken))
        }
        switch answer {
        case .ok(let ok): return try ok.body.json
        case .notFound, .badRequest, .unauthorized: return nil
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
    }

    /// The checkout's payment that was not declined (made, or still with the processor), among the account's latest.
    /// A guest has no history to look in: their payment's page comes from paying.
    private func paymentOf(_ checkoutId: String, _ payer: Payer) async throws -> Payment? {
        if case .guest(let entry) = payer {
            guard let paymentId = entry.paymentId else { return nil }
            let answer = try await payment.getPayment(path: .init(paymentId: paymentId), headers: .init(guestToken: entry.token))
            guard case .ok(let ok) = answer, let found = try? ok.body.json, found.status != .declined else { return nil }
            return found
        }
        guard let token = payer.accessToken else { return nil }
        let answer = try await OnBehalfOfVisitor.acting(with: token) { try await payment.listMyPayments(query: .init(limit: 50)) }
        guard case .ok(let ok) = answer else { return nil }
        return try ok.body.json.items.first { $0.checkoutId == checkoutId && $0.status != .declined }
    }

    /// The form's attempt key when it is one (a UUID the page made); otherwise a new one.
    static func attemptKey(_ typed: String) -> String {
        UUID(uuidString: typed) != nil ? typed.lowercased() : UUID().uuidString.lowercased()
    }

    static func card(_ card: PaymentClient.Components.Schemas.Card, _ language: Language) -> String {
        let brand = ["visa": "Visa", "mastercard": "Mastercard", "amex": "American Express"][card.brand.lowercased()] ?? card.brand
        return "\(brand) " + Strings.text(.endingIn, language) + " " + card.last4
    }
}

extension PaymentClient.Components.Schemas.LocalizedText: BilingualText {}
