import CatalogueClient
import EnrolmentClient
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Registering without an account (CSSPO): the payer's name and email, the participant, the group, the items by
/// quantity and the contract on one page. Enrolment holds the seat and answers with the checkout's token, which
/// the browser keeps sealed with its form secret (`guichet_guest`); the payment and receipt pages are under
/// `/invite` and open with it (`CheckoutPages`).
struct GuestPages: Sendable {
    let kit: PageKit
    let catalogue: CatalogueClient.Client
    let enrolment: EnrolmentClient.Client

    typealias Offering = CatalogueClient.Components.Schemas.Offering

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/activites/:offeringId/invite") { request, context in
            try await page(request, offeringId: context.parameters.get("offeringId") ?? "")
        }
        group.post("/activites/:offeringId/invite") { request, context in
            try await submit(request, offeringId: context.parameters.get("offeringId") ?? "")
        }
    }

    func page(_ request: Request, offeringId: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let offering = try await find(offeringId)
        return kit.formResponse(form(offering, language: language), request: request, language: language)
    }

    func form(
        _ offering: Offering, language: Language, typed: PostedForm? = nil, errors: [String: [String]] = [:], formErrors: [String] = []
    ) -> FormPage {
        func t(_ key: Text) -> String { Strings.text(key, language) }
        func field(_ name: String, _ label: Text, _ kind: FormPage.Kind = .text, autocomplete: String = "", hint: Text? = nil) -> FormPage.Field {
            FormPage.Field(
                name: name, label: t(label), kind: kind, value: typed?.text(name, limit: 254) ?? "", autocomplete: autocomplete,
                hint: hint.map(t) ?? "", errors: errors[name] ?? [])
        }
        var fields = [
            field("firstName", .guestFirstName, autocomplete: "given-name"),
            field("lastName", .guestLastName, autocomplete: "family-name"),
            field("email", .guestEmail, .email, autocomplete: "email", hint: .guestEmailHint),
            field("childFirstName", .participantFirstName),
            field("childLastName", .participantLastName),
            field("childBirthDate", .participantBirthDate, hint: .childBirthDateHint),
        ]
        // What the organisation asks of the participant (the catalogue's participantFields), answered here.
        for var asked in ProfileForm.fields(
            ProfileForm.asked((offering.participantFields ?? []).map(\.rawValue)), profile: nil, required: true, language: language)
        {
            asked.value = typed?.text(asked.name, limit: 2000) ?? ""
            asked.errors = errors[asked.name] ?? []
            fields.append(asked)
        }
        var session = field("sessionId", .session, .select)
        session.options = offering.sessions.map { ($0.id, $0.name.text(language) + " (" + Formatting.day($0.startsOn, language) + ")") }
        session.value = typed?.text("sessionId", limit: 36) ?? offering.sessions.first?.id ?? ""
        fields.append(session)
        // Items bought by quantity (CSSPO's lunches per date), with their live total.
        for item in offering.items ?? [] {
            let price = Formatting.money(cents: item.unitPrice.amountCents, language)
            let maximum = item.maximumQuantity ?? 99
            var quantity = FormPage.Field(
                name: "qty-" + item.id, label: item.name.text(language) + (item.date.map { " — " + Formatting.day($0, language) } ?? ""),
                kind: .number, value: typed?.text("qty-" + item.id, limit: 9) ?? "0", inputmode: "numeric",
                hint: t(.itemHint).replacingOccurrences(of: "{price}", with: price).replacingOccurrences(of: "{maximum}", with: String(maximum)),
                errors: errors["qty-" + item.id] ?? [])
            quantity.maximum = maximum
            quantity.unitCents = item.unitPrice.amountCents
            fields.append(quantity)
        }
        if let contract = offering.contract, !contract.clauses.isEmpty {
            var accept = field("contract", .acceptContract, .checkbox)
            accept.preamble = [t(.contract)] + contract.clauses.map { $0.text(language) }
            accept.checked = typed?.checked("contract") ?? false
            fields.append(accept)
        }
        var page = FormPage(
            heading: t(.guestTitle).replacingOccurrences(of: "{title}", with: offering.title.text(language)), intro: t(.guestIntro),
            action: "/activites/\(offering.id)/invite", submit: t(.guestSubmit), fields: fields,
            hidden: [("attempt", CheckoutPages.attemptKey(typed?.text("attempt", limit: 36) ?? ""))],
            links: [.init(href: "/connexion?back=%2Factivites%2F\(offering.id)", label: t(.guestHasAccount))])
        page.formErrors = formErrors
        // What belongs to no field of its own (the group full, too many holds) is about the group chosen.
        page.formErrorsTarget = "sessionId"
        if !(offering.items ?? []).isEmpty { page.liveTotal = Formatting.money(cents: 0, language) }
        return page
    }

    /// Holds the seat for a guest. The attempt key is the checkout's `Idempotency-Key` (a double click holds once).
    func submit(_ request: Request, offeringId: String) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        let offering = try await find(offeringId)
        func again(_ errors: [String: [String]], _ formErrors: [String] = [], status: HTTPResponse.Status = .unprocessableContent) -> Response {
            kit.formResponse(
                self.form(offering, language: language, typed: form, errors: errors, formErrors: formErrors), request: request, language: language,
                status: status)
        }
        // Quantities as typed; what is not a whole number is said with enrolment's own refusals, all at once.
        let (items, invalid) = CartPages.quantities(form, items: (offering.items ?? []).map(\.id))
        let asked = ProfileForm.asked((offering.participantFields ?? []).map(\.rawValue))
        var errors = Dictionary(uniqueKeysWithValues: invalid.map { ("qty-" + $0, [Strings.text(.quantityNotNumber, language)]) })
        let line = EnrolmentClient.Components.Schemas.GuestLine(
            participant: .init(
                firstName: form.text("childFirstName", limit: 100), lastName: form.text("childLastName", limit: 100),
                birthDate: form.text("childBirthDate", limit: 10)),
            profile: asked.isEmpty ? nil : ProfileForm.profile(from: form, names: asked, keeping: nil),
            offeringId: offering.id, sessionId: form.text("sessionId", limit: 36), items: items.isEmpty ? nil : items,
            contractAcceptedVersion: form.checked("contract") ? offering.contract?.version : nil)
        // What the organisation asks of the participant, each left empty said next to itself (enrolment names only
        // the list); an optional part (a relationship, an expiry) may stay empty.
        for field in ProfileForm.fields(asked, profile: nil, required: true, language: language) where field.required {
            if form.text(field.name).isEmpty { errors[field.name, default: []].append(Strings.text(.askedByOrganisation, language)) }
        }
        let answer = try await enrolment.createCheckout(
            headers: .init(idempotencyKey: CheckoutPages.attemptKey(form.text("attempt", limit: 36))),
            body: .json(
                .init(
                    guest: .init(
                        email: form.text("email"), firstName: form.text("firstName", limit: 100), lastName: form.text("lastName", limit: 100),
                        language: language == .en ? .en : .fr),
                    lines: [line])))
        guard case .created(let created) = answer else {
            // Every reason at once, each next to its field.
            let problem = try ServiceProblem.of(answer)
            var others: [String] = []
            for error in problem.errors {
                // The list of what is missing, already said next to each empty field.
                if error.field == "lines[0].participantFields", asked.contains(where: { errors[$0] != nil }) { continue }
                if let name = Self.formField(error.field, items: items.map(\.itemId), firstItem: offering.items?.first?.id)
                    ?? ProfileForm.formField(error.field)
                {
                    errors[name, default: []].append(error.message.text(for: language))
                } else {
                    others.append(error.message.text(for: language))
                }
            }
            return again(errors, problem.errors.isEmpty ? [problem.summary] : others, status: problem.pageStatus)
        }
        if !errors.isEmpty {
            // A quantity that was not a number, while enrolment accepted the rest: nothing is kept half done.
            return again(errors)
        }
        let checkout = try created.body.json
        guard let token = checkout.guestToken else { throw PageErrors.Upstream(status: 502) }
        var held = kit.guestCheckouts(request)
        held.add(checkoutId: checkout.id.lowercased(), token: token)
        var headers: HTTPFields = [.location: "/invite/caisse/\(checkout.id)"]
        if let cookie = try kit.guestCookie(held, request) { headers.append(.init(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// The page's field for a field enrolment names (`guest.email`, `lines[0].participant.birthDate`,
    /// `lines[0].items[1].quantity` for the second item sent, …).
    static func formField(_ field: String, items sent: [String] = [], firstItem: String? = nil) -> String? {
        if field == "lines[0].items" { return firstItem.map { "qty-" + $0 } }
        let itemPrefix = "lines[0].items["
        if field.hasPrefix(itemPrefix) {
            let rest = field.dropFirst(itemPrefix.count)
            if let close = rest.firstIndex(of: "]"), let index = Int(rest[..<close]), sent.indices.contains(index) { return "qty-" + sent[index] }
            return nil
        }
        let names = [
            "guest.email": "email", "guest.firstName": "firstName", "guest.lastName": "lastName",
            "lines[0].participant.firstName": "childFirstName", "lines[0].participant.lastName": "childLastName",
            "lines[0].participant.birthDate": "childBirthDate", "lines[0].sessionId": "sessionId",
            "lines[0].contractAcceptedVersion": "contract", "lines[0].contractAcceptance": "contract",
        ]
        return names[field]
    }

    private func find(_ offeringId: String) async throws -> Offering {
        guard UUID(uuidString: offeringId) != nil else { throw HTTPError(.notFound) }
        switch try await catalogue.getOffering(path: .init(offeringId: offeringId)) {
        case .ok(let ok): return try ok.body.json
        case .notFound, .badRequest: throw HTTPError(.notFound)
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
    }
}
