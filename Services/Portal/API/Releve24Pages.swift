import DomainKit
import Foundation
import Hummingbird
import IdentityClient
import PaymentClient
import ServiceKit

/// The family's Relevé 24 slips: the list (and what waits for the payer's social insurance number), each slip as a
/// printable page, the number itself (given, corrected, removed; shown masked) and the consent to receive documents
/// by email, which identity's ledger records. Payment and identity decide; the pages ask and say.
struct Releve24Pages: Sendable {
    let kit: PageKit
    let payment: PaymentClient.Client
    var identity: IdentityClient.Client { kit.identity }

    typealias Slip = PaymentClient.Components.Schemas.Releve24Slip

    static let taxNumberPath = "/compte/numero-assurance-sociale"

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/releves-24") { request, _ in try await listPage(request) }
        group.post("/releves-24/consentement") { request, _ in try await changeConsent(request) }
        group.get("/releves-24/:slipId") { request, context in try await slipPage(request, id: context.parameters.get("slipId") ?? "") }
        group.get(RouterPath(stringLiteral: Self.taxNumberPath)) { request, _ in try await taxNumberPage(request) }
        group.post(RouterPath(stringLiteral: Self.taxNumberPath)) { request, _ in try await saveTaxNumber(request) }
        group.post(RouterPath(stringLiteral: Self.taxNumberPath + "/retrait")) { request, _ in try await removeTaxNumber(request) }
    }

    static let notices: [String: Text] = [
        "nas": .taxNumberSavedNotice, "nas-retire": .taxNumberRemovedNotice, "consentement-donne": .consentGivenNotice,
        "consentement-retire": .consentWithdrawnNotice,
    ]

    // MARK: - The list

    func listPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let (slips, number, consents, text) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            async let slips = payment.listMyReleve24()
            async let number = payment.getMyTaxNumber()
            async let consents = identity.listMyConsents()
            async let text = identity.getCurrentConsentText(query: .init(purpose: .electronicDocuments))
            return (try await slips, try await number, try await consents, try await text)
        }
        guard case .ok(let listed) = slips, case .ok(let given) = consents else {
            if case .unauthorized = slips { return kit.signInFirst(request) }
            throw PageErrors.Upstream(status: 502)
        }
        let body = try listed.body.json
        let masked: String? = if case .ok(let ok) = number { try ok.body.json.masked } else { nil }
        let consent = try given.body.json.items.first { $0.purpose == .electronicDocuments }
        let consentText = try text.ok.body.json
        let visit = FormVisit(request, cookies: kit.cookies)
        let context: [String: Any] = [
            "heading": t(.releve24Title), "notice": kit.notice(request, Self.notices, language) ?? "",
            "waiting": body.waitingForTaxNumber.map { waiting in
                t(.releve24Waiting).replacingOccurrences(of: "{year}", with: String(waiting.year))
                    .replacingOccurrences(of: "{organisation}", with: waiting.organisationName?.text(language) ?? "")
                    .replacingOccurrences(of: "{child}", with: waiting.participantName)
            },
            "hasSlips": !body.items.isEmpty,
            "slips": body.items.map { slip -> [String: Any] in
                [
                    "href": "/releves-24/\(slip.id)", "year": String(slip.year), "organisation": slip.organisation.name.text(language),
                    "child": slip.participant.name, "number": slip.number.map(Self.spaced) ?? "", "code": Self.code(slip.code, language),
                    "context": ", \(slip.year), \(slip.participant.name)",
                    // A cancellation's figures repeat the slip it cancels: nothing of it is to be claimed.
                    "eligible": slip.code == .d ? t(.releve24CancelledNothing) : Formatting.money(cents: slip.eligible.amountCents, language),
                    "replaced": slip.status == .replaced ? t(.releve24Replaced) : "",
                ]
            },
            "taxNumber": masked.map { t(.taxNumberOnFile).replacingOccurrences(of: "{last}", with: String($0.suffix(3))) } ?? t(.taxNumberMissing),
            "taxNumberAction": masked == nil ? t(.taxNumberEnter) : t(.taxNumberChange),
            "taxNumberHref": Self.taxNumberPath,
            "consentGiven": consent != nil,
            "consentSince": consent.map { t(.electronicDeliveryOn).replacingOccurrences(of: "{date}", with: DateText.day($0.givenAt, language)) }
                ?? "",
            "consentText": consentText.text.text(language), "consentVersion": String(consentText.version), "formToken": visit.secret.formToken,
        ]
        var response = kit.pages.render(
            "releve24", title: t(.releve24Title), context: withoutEmptyTexts(context), language: language, path: "/releves-24", signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    func changeConsent(_ request: Request) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let give = form.text("choice", limit: 10) == "give"
        let done: Bool = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            if give {
                let answer = try await identity.giveConsent(
                    path: .init(purpose: .electronicDocuments), body: .json(.init(version: Int(form.text("version", limit: 4)) ?? 0)))
                if case .ok = answer { return true }
                if case .conflict = answer { return false }  // the text changed meanwhile: the page shows the new one
                _ = try ServiceProblem.of(answer)
                return false
            }
            let answer = try await identity.withdrawConsent(path: .init(purpose: .electronicDocuments))
            if case .noContent = answer { return true }
            _ = try ServiceProblem.of(answer)
            return false
        }
        let notice = done ? (give ? "?fait=consentement-donne" : "?fait=consentement-retire") : ""
        return Response(status: .seeOther, headers: [.location: "/releves-24" + notice])
    }

    // MARK: - A slip

    func slipPage(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await payment.getReleve24(path: .init(slipId: id)) }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return kit.signInFirst(request) }
            throw HTTPError(.notFound)
        }
        let slip = try ok.body.json
        let context = Self.slipContext(slip, language: language, back: .init(href: "/releves-24", label: Strings.text(.backToReleve24, language)))
        return kit.pages.render(
            "releve24-slip", title: context["heading"] as? String ?? "", context: context, language: language, path: "/releves-24/\(id)",
            signedIn: true)
    }

    /// What the printable slip shows, for its payer and for the organisation's staff.
    /// "*** *** 544" is read aloud as asterisks: screen readers hear "ending with 544" instead.
    static func spokenTaxNumber(_ masked: String?, _ language: Language) -> String {
        masked.map { Strings.text(.taxNumberEndsWith, language).replacingOccurrences(of: "{last}", with: String($0.suffix(3))) } ?? ""
    }

    static func slipContext(_ slip: Slip, language: Language, back: FormPage.Link) -> [String: Any] {
        let t = { Strings.text($0, language) }
        let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
        let address = slip.payer.address
        return withoutEmptyTexts([
            "heading": t(.releve24SlipTitle).replacingOccurrences(of: "{year}", with: String(slip.year)),
            "code": code(slip.code, language), "status": status(slip.status, language), "number": slip.number.map(spaced) ?? "",
            "replaces": slip.replacesNumber.map(spaced) ?? "", "issuedOn": slip.issuedAt.map { DateText.day($0, language) } ?? "",
            "provider": slip.organisation.name.text(language), "providerAddress": slip.organisation.address ?? "",
            "enterpriseNumber": slip.organisation.enterpriseNumber ?? "", "preparerNumber": slip.organisation.preparerNumber ?? "",
            "payer": slip.payer.name,
            "payerAddress": [
                address.line1, address.line2 ?? "",
                [address.city, address.province ?? "", address.postalCode].filter { !$0.isEmpty }.joined(separator: " "),
            ].filter { !$0.isEmpty }.joined(separator: ", "),
            "taxNumber": slip.payer.taxNumber ?? t(.taxNumberMissing), "child": slip.participant.name,
            "taxNumberSpoken": spokenTaxNumber(slip.payer.taxNumber, language),
            "born": slip.participant.birthDate.map { Formatting.day($0, language) } ?? "",
            "careDays": Formatting.number(slip.careDays, language), "feesPaid": money(slip.feesPaid.amountCents),
            "notEligible": money(slip.notEligible.amountCents), "eligible": money(slip.eligible.amountCents),
            "delivery": slip.delivery.map { $0 == .electronic ? t(.releve24DeliveryElectronic) : t(.releve24DeliveryPostal) } ?? "",
            "backHref": back.href, "backLabel": back.label,
        ])
    }

    /// `100 000 003`: nine digits read in threes.
    static func spaced(_ number: String) -> String {
        guard number.count == 9 else { return number }
        let digits = Array(number)
        return [String(digits[0..<3]), String(digits[3..<6]), String(digits[6..<9])].joined(separator: "\u{00A0}")
    }

    static func status(_ status: Slip.StatusPayload, _ language: Language) -> String {
        switch status {
        case .draft: Strings.text(.releve24Draft, language)
        case .issued: Strings.text(.releve24Issued, language)
        case .replaced: Strings.text(.releve24Replaced, language)
        }
    }

    static func code(_ code: Slip.CodePayload, _ language: Language) -> String {
        switch code {
        case .r: Strings.text(.releve24CodeR, language)
        case .a: Strings.text(.releve24CodeA, language)
        case .d: Strings.text(.releve24CodeD, language)
        }
    }

    // MARK: - The social insurance number

    func taxNumberForm(_ language: Language, masked: String?) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.taxNumberTitle), intro: t(.taxNumberIntro),
            notice: masked.map { t(.taxNumberCurrent).replacingOccurrences(of: "{masked}", with: $0) } ?? "", action: Self.taxNumberPath,
            submit: t(.taxNumberSubmit),
            fields: [.init(name: "taxNumber", label: t(.taxNumberTitle), autocomplete: "off", inputmode: "numeric", hint: t(.taxNumberHint))],
            links: [.init(href: "/releves-24", label: t(.backToReleve24))],
            secondary: masked == nil
                ? nil : .init(action: Self.taxNumberPath + "/retrait", text: t(.taxNumberRemoveText), submit: t(.taxNumberRemove)))
    }

    func masked(_ session: BrowserSessionStore.Session) async throws -> String? {
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await payment.getMyTaxNumber() }
        if case .ok(let ok) = answer { return try ok.body.json.masked }
        return nil
    }

    func taxNumberPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        return kit.formResponse(taxNumberForm(language, masked: try await masked(session)), request: request, language: language, signedIn: true)
    }

    func saveTaxNumber(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await payment.setMyTaxNumber(body: .json(.init(taxNumber: form.text("taxNumber", limit: 20))))
        }
        guard case .ok = answer else {
            // What was typed is not shown again: a number that is not one stays out of the page too.
            return try kit.refused(
                answer, page: taxNumberForm(language, masked: try await masked(session)), request: request, language: language, signedIn: true)
        }
        return Response(status: .seeOther, headers: [.location: "/releves-24?fait=nas"])
    }

    func removeTaxNumber(_ request: Request) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await payment.deleteMyTaxNumber() }
        guard case .noContent = answer else { throw PageErrors.Upstream(status: 502) }
        return Response(status: .seeOther, headers: [.location: "/releves-24?fait=nas-retire"])
    }
}
