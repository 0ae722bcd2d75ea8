import DomainKit
import Foundation
import Hummingbird
import OpenAPIRuntime
import PaymentClient
import ServiceKit

/// The organisation's Relevé 24 year, for its staff: the preparer's number and range (its administrators), the year's
/// drafts generated from the payments, reviewed, issued; the Sommaire 24's figures, each slip printable (for the
/// post), and the transmission file for Revenu Québec. Payment decides and numbers; the pages ask and say.
struct Releve24DeskPages: Sendable {
    let registrar: RegistrarPages
    let payment: PaymentClient.Client
    var kit: PageKit { registrar.kit }

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId/releves-24")
        group.get { request, context in try await yearPage(request, organisation: try context.parameters.require("organisationId")) }
        group.get("preparateur") { request, context in
            try await preparerPage(request, organisation: try context.parameters.require("organisationId"))
        }
        group.post("preparateur") { request, context in
            try await savePreparer(request, organisation: try context.parameters.require("organisationId"))
        }
        group.post("generer") { request, context in try await generate(request, organisation: try context.parameters.require("organisationId")) }
        group.post("emettre") { request, context in try await issue(request, organisation: try context.parameters.require("organisationId")) }
        group.get("transmission.xml") { request, context in
            try await transmission(request, organisation: try context.parameters.require("organisationId"))
        }
        group.get("feuillets/:slipId") { request, context in
            try await slipPage(request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("slipId"))
        }
    }

    /// The year asked for (`?annee=2025`), last year by default (slips are made for a year that is over).
    func year(_ text: String?) -> Int? {
        MoneyDeskPages.year(text, default: CalendarDate(kit.clock.now()).year - 1)
    }

    func base(_ organisation: String) -> String { "/staff/organisations/\(organisation)/releves-24" }

    // MARK: - The year

    /// The year's page; after a refused action, with payment's reasons at the top (`refusal`) and its status.
    func yearPage(
        _ request: Request, organisation: String, year asked: Int? = nil, refusal: [String] = [], confirmMissing: Bool = false,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let query = FormQuery(request.uri.query)
        return try await registrar.organisationPage(request, organisation, back: request.uri.description) { session, found in
            guard let year = asked ?? year(query["annee"]) else { return registrar.staffArea.notFound(request) }
            let (listed, preparer) = try await registrar.acting(session) {
                async let listed = payment.listOrganisationReleve24(
                    query: .init(organisation: found.id, year: year, limit: 100, cursor: query["apres"]))
                async let preparer = payment.getReleve24Preparer(path: .init(organisationId: found.id))
                return (try await listed, try await preparer)
            }
            guard case .ok(let ok) = listed else { return try registrar.staffArea.refusal(listed, request: request, back: request.uri.path) }
            let body = try ok.body.json
            let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
            // The preparer's settings and the file with every number in full: the organisation's administrators.
            var administers = false
            if let account = try await kit.account(session) {
                administers = StaffPages.administers(account, found, in: try await registrar.reference.organisations())
            }
            let known: PaymentClient.Components.Schemas.Releve24Preparer? = if case .ok(let found) = preparer { try found.body.json } else { nil }
            let summary = body.summary
            let figures: [(Text, PaymentClient.Components.Schemas.Releve24Figures?)] = [
                (.releve24CodeR, summary.original), (.releve24CodeA, summary.amended), (.releve24CodeD, summary.cancelled),
            ]
            let current = CalendarDate(kit.clock.now()).year
            let visit = FormVisit(request, cookies: kit.cookies)
            let path = base(found.id)
            var context: [String: Any] = [
                "heading": t(.staffReleve24Heading).replacingOccurrences(of: "{year}", with: String(year)),
                "organisationName": found.name.text(language), "organisationId": found.id,
                "action": path, "year": String(year),
                "years": Set((1...4).map { current - $0 } + [year]).sorted(by: >).map {
                    ["value": String($0), "selected": $0 == year] as [String: Any]
                },
                "administers": administers,
                "hasPreparer": known != nil, "preparerNumber": known?.preparerNumber ?? "",
                "range": known.map {
                    t(.preparerRangeValue).replacingOccurrences(of: "{first}", with: String($0.firstSequence))
                        .replacingOccurrences(of: "{last}", with: String($0.lastSequence))
                } ?? "",
                "next": known.map { $0.nextSequence > $0.lastSequence ? t(.preparerRangeUsed) : String($0.nextSequence) } ?? "",
                "preparerHref": "\(path)/preparateur",
                "generateSubmit": t(.generateSubmit).replacingOccurrences(of: "{year}", with: String(year)),
                "issueSubmit": t(.issueSubmit).replacingOccurrences(of: "{year}", with: String(year)),
                "issueConfirm": t(.issueConfirm).replacingOccurrences(of: "{year}", with: String(year)),
                "confirmMissing": confirmMissing,
                "formToken": visit.secret.formToken,
                "summary": figures.compactMap { label, figure -> [String: String]? in
                    figure.map {
                        [
                            "type": t(label), "slips": Formatting.number($0.slips, language), "feesPaid": money($0.feesPaid.amountCents),
                            "notEligible": money($0.notEligible.amountCents), "eligible": money($0.eligible.amountCents),
                        ]
                    }
                },
                "drafts": t(.releve24DraftsCount).replacingOccurrences(of: "{n}", with: Formatting.number(summary.drafts, language)),
                "hasSlips": !body.items.isEmpty,
                "slips": body.items.map { slip -> [String: String] in
                    [
                        "href": "\(path)/feuillets/\(slip.id)", "payer": slip.payer.name, "child": slip.participant.name,
                        "context": ", \(slip.payer.name), \(slip.participant.name)",
                        "label": slip.number.map(Releve24Pages.spaced) ?? t(.releve24Draft), "code": Releve24Pages.code(slip.code, language),
                        "status": Releve24Pages.status(slip.status, language),
                        "feesPaid": money(slip.feesPaid.amountCents), "notEligible": money(slip.notEligible.amountCents),
                        "eligible": money(slip.eligible.amountCents),
                        "taxNumber": slip.payer.taxNumber ?? t(.taxNumberMissing),
                        "taxNumberSpoken": Releve24Pages.spokenTaxNumber(slip.payer.taxNumber, language),
                        "delivery": slip.delivery.map { $0 == .electronic ? t(.releve24DeliveryElectronic) : t(.releve24DeliveryPostal) } ?? "",
                    ]
                },
                "transmissionHref": "\(path)/transmission.xml?annee=\(year)",
            ]
            context["hasSummary"] = !((context["summary"] as? [[String: String]]) ?? []).isEmpty
            if let next = body.nextCursor {
                context["nextHref"] = "\(path)?annee=\(year)&apres=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            if asked == nil, let notice = notice(query, language) { context["notice"] = notice }
            if !refusal.isEmpty {
                context["hasErrors"] = true
                context["errors"] = refusal
            }
            return registrar.render(
                "staff-releve24",
                title: (refusal.isEmpty ? "" : t(.errorTitlePrefix)) + t(.staffReleve24Heading).replacingOccurrences(of: "{year}", with: String(year))
                    + " — \(found.name.text(language))",
                context: context, request: request, path: "\(base(found.id))?annee=\(year)", status: status, visit: visit)
        }
    }

    /// What a finished action says, from the numbers its redirect carries (`?fait=genere&r=3&a=0&d=0&w=1`).
    func notice(_ query: FormQuery, _ language: Language) -> String? {
        let number = { (key: String) in Formatting.number(Int(query[key] ?? "") ?? 0, language) }
        switch query["fait"] {
        case "genere":
            return Strings.text(.generatedNotice, language).replacingOccurrences(of: "{r}", with: number("r"))
                .replacingOccurrences(of: "{a}", with: number("a")).replacingOccurrences(of: "{d}", with: number("d"))
                .replacingOccurrences(of: "{w}", with: number("w"))
        case "emis":
            return Strings.text(.issuedNotice, language).replacingOccurrences(of: "{n}", with: number("n"))
                .replacingOccurrences(of: "{w}", with: number("w"))
        case "preparateur": return Strings.text(.preparerSavedNotice, language)
        default: return nil
        }
    }

    // MARK: - Generating and issuing

    func generate(_ request: Request, organisation: String) async throws -> Response {
        try await yearAction(request, organisation: organisation) { session, found, year in
            let answer = try await registrar.acting(session) {
                try await payment.generateReleve24(body: .json(.init(organisationId: found.id, year: year)))
            }
            guard case .ok(let ok) = answer else { return .failure(answer) }
            let made = try ok.body.json
            return .success("fait=genere&r=\(made.originals)&a=\(made.amendments)&d=\(made.cancellations)&w=\(made.waitingForTaxNumber)")
        }
    }

    /// Issuing files slips with Revenu Québec and sends them to families: confirmed first (WCAG 3.3.4).
    func issue(_ request: Request, organisation: String) async throws -> Response {
        try await yearAction(request, organisation: organisation, confirmed: "confirme") { session, found, year in
            let answer = try await registrar.acting(session) {
                try await payment.issueReleve24(body: .json(.init(organisationId: found.id, year: year)))
            }
            guard case .ok(let ok) = answer else { return .failure(answer) }
            let issued = try ok.body.json
            return .success("fait=emis&n=\(issued.issued)&w=\(issued.waitingForTaxNumber)")
        }
    }

    enum Outcome {
        case success(String)
        case failure(any Sendable)
    }

    /// A posted action on the year: done, back to the year's page saying so; refused by payment (the year not over,
    /// no preparer, the range used up), the year's page with payment's reason.
    /// `confirmed`: the box the person must have ticked; without it nothing is asked of payment.
    func yearAction(
        _ request: Request, organisation: String, confirmed box: String? = nil,
        _ act: @escaping (BrowserSessionStore.Session, CatalogueReference.Organisation, Int) async throws -> Outcome
    ) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let path = base(organisation)
        return try await registrar.organisationPage(request, organisation, back: path) { session, found in
            guard let year = year(form.text("annee", limit: 4)) else { return registrar.staffArea.notFound(request) }
            if let box, !form.checked(box) {
                return try await yearPage(
                    request, organisation: found.id, year: year, refusal: [Strings.text(.issueConfirmMissing, LanguageChoice.of(request))],
                    confirmMissing: true, status: .unprocessableContent)
            }
            switch try await act(session, found, year) {
            case .success(let query):
                return Response(status: .seeOther, headers: [.location: "\(base(found.id))?annee=\(year)&\(query)"])
            case .failure(let answer):
                let problem = try ServiceProblem.of(answer)
                switch problem.type {
                case "/problems/releve24-year-not-over", "/problems/releve24-no-preparer", "/problems/releve24-range-exhausted",
                    "/problems/validation":
                    return try await yearPage(
                        request, organisation: found.id, year: year, refusal: problem.messages(LanguageChoice.of(request)), status: problem.pageStatus
                    )
                default:
                    return try registrar.staffArea.refusal(answer, request: request, back: path)
                }
            }
        }
    }

    // MARK: - The preparer

    func preparerForm(_ language: Language, organisation: String, number: String, first: String, last: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.preparerHeading), intro: t(.preparerFormIntro), action: "\(base(organisation))/preparateur", submit: t(.preparerSubmit),
            fields: [
                .init(name: "preparerNumber", label: t(.releve24PreparerNumber), value: number, autocomplete: "off", hint: t(.preparerNumberHint)),
                .init(
                    name: "firstSequence", label: t(.firstSequence), value: first, autocomplete: "off", inputmode: "numeric", hint: t(.sequenceHint)),
                .init(name: "lastSequence", label: t(.lastSequence), value: last, autocomplete: "off", inputmode: "numeric", hint: t(.sequenceHint)),
            ],
            links: [.init(href: base(organisation), label: t(.backToReleve24Year))])
    }

    func preparerPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.organisationPage(request, organisation, back: request.uri.description) { session, found in
            let answer = try await registrar.acting(session) { try await payment.getReleve24Preparer(path: .init(organisationId: found.id)) }
            let known: PaymentClient.Components.Schemas.Releve24Preparer? = if case .ok(let ok) = answer { try ok.body.json } else { nil }
            let page = preparerForm(
                language, organisation: found.id, number: known?.preparerNumber ?? "", first: known.map { String($0.firstSequence) } ?? "",
                last: known.map { String($0.lastSequence) } ?? "")
            return kit.formResponse(page, request: request, language: language, signedIn: true)
        }
    }

    func savePreparer(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        let (number, first, last) = (
            form.text("preparerNumber", limit: 20), form.text("firstSequence", limit: 12), form.text("lastSequence", limit: 12)
        )
        return try await registrar.organisationPage(request, organisation, back: "\(base(organisation))/preparateur") { session, found in
            var page = preparerForm(language, organisation: found.id, number: number, first: first, last: last)
            // A number that is not one is said next to its field here; payment checks the rest.
            let firstValue = Int64(first.filter { !$0.isWhitespace })
            let lastValue = Int64(last.filter { !$0.isWhitespace })
            if firstValue == nil { page.addErrors([Strings.text(.sequenceHint, language)], to: "firstSequence") }
            if lastValue == nil { page.addErrors([Strings.text(.sequenceHint, language)], to: "lastSequence") }
            guard let firstValue, let lastValue else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let answer = try await registrar.acting(session) {
                try await payment.setReleve24Preparer(
                    path: .init(organisationId: found.id),
                    body: .json(.init(preparerNumber: number, firstSequence: firstValue, lastSequence: lastValue)))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(base(found.id))?fait=preparateur"])
            case .unprocessableContent, .conflict, .forbidden, .badRequest:
                return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
            default: return try registrar.staffArea.refusal(answer, request: request, back: "\(base(found.id))/preparateur")
            }
        }
    }

    // MARK: - A slip, the file

    func slipPage(_ request: Request, organisation: String, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.organisationPage(request, organisation, ids: [id]) { session, found in
            let answer = try await registrar.acting(session) { try await payment.getReleve24(path: .init(slipId: id)) }
            guard case .ok(let ok) = answer else { return registrar.staffArea.notFound(request) }
            let slip = try ok.body.json
            // Payment answers any organisation's staff for its own slips; the page is this organisation's.
            guard slip.organisation.id.lowercased() == found.id else { return registrar.staffArea.notFound(request) }
            let context = Releve24Pages.slipContext(
                slip, language: language,
                back: .init(href: "\(base(found.id))?annee=\(slip.year)", label: Strings.text(.backToReleve24Year, language)))
            return registrar.render("releve24-slip", title: context["heading"] as? String ?? "", context: context, request: request)
        }
    }

    func transmission(_ request: Request, organisation: String) async throws -> Response {
        try await registrar.organisationPage(request, organisation, back: request.uri.description) { session, found in
            guard let year = year(FormQuery(request.uri.query)["annee"]) else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) {
                try await payment.getReleve24Transmission(query: .init(organisation: found.id, year: year))
            }
            guard case .ok(let ok) = answer, case .xml(let body) = ok.body else {
                return try registrar.staffArea.refusal(answer, request: request, back: base(found.id))
            }
            return try await DocumentPages.attachment(
                body, type: "application/xml; charset=utf-8", filename: DocumentPages.safeFileName("releve24-\(found.shortCode)-\(year)") + ".xml",
                upTo: 64 * 1024 * 1024, cacheControl: "private, no-store")
        }
    }
}
