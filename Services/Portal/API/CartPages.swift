import CatalogueClient
import EnrolmentClient
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceKit

/// The cart: several children and courses, one group per course, each line priced by enrolment for this family
/// (the organisation of origin or residency comes from the child's file), what would stop a line at checkout said
/// next to it, the contract of each course read and accepted line by line, a line removed.
struct CartPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let reference: CatalogueReference

    typealias Line = EnrolmentClient.Components.Schemas.CartLine

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/panier") { request, _ in try await cartPage(request) }
        group.post("/panier/ajouter") { request, _ in try await addLine(request) }
        group.post("/panier/:lineId/contrat") { request, context in
            try await acceptContract(request, lineId: context.parameters.get("lineId") ?? "")
        }
        group.post("/panier/:lineId/retirer") { request, context in
            try await removeLine(request, lineId: context.parameters.get("lineId") ?? "")
        }
        group.post("/panier/:lineId/plan") { request, context in
            try await attachPlan(request, lineId: context.parameters.get("lineId") ?? "")
        }
    }

    static let notices: [String: Text] = [
        "ajoute": .lineAddedNotice, "contrat": .contractAcceptedNotice, "retire": .lineRemovedNotice, "offre": .waitlistClaimedNotice,
        "plan": .planAttachedNotice,
    ]

    /// The cart; `planError` is a refused plan's message, said next to that line's file field and summarised on top.
    func cartPage(_ request: Request, planError: (lineId: String, message: String)? = nil) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await enrolment.getCart() }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return kit.signInFirst(request) }
            throw PageErrors.Upstream(status: 502)
        }
        let cart = try ok.body.json
        let names = try await reference.organisationNames(language)
        let visit = FormVisit(request, cookies: kit.cookies)
        let lines = cart.lines.map { line in
            self.line(context: line, language: language, names: names, planError: planError?.lineId == line.id ? planError?.message : nil)
        }
        let totals = cart.totals.map { total -> [String: Any] in
            // One checkout per selling organisation; the attempt key makes a double click one checkout.
            [
                "organisation": names[total.sellingOrganisationId] ?? "", "organisationId": total.sellingOrganisationId,
                "total": Formatting.money(cents: total.total.amountCents, language), "attempt": UUID().uuidString.lowercased(),
                // The family chooses how to pay when one of its lines allows a payment plan.
                "offersPlan": cart.lines.contains { $0.sellingOrganisationId == total.sellingOrganisationId && $0.price?.paymentPlan != nil },
            ]
        }
        var context: [String: Any] = [
            "heading": Strings.text(.cartTitle, language), "lines": lines, "hasLines": !lines.isEmpty, "totals": totals,
            "formToken": visit.secret.formToken,
        ]
        if let notice = kit.notice(request, Self.notices, language) { context["notice"] = notice }
        if let planError { context["planErrorSummary"] = DocumentPages.errorSummary(lineId: planError.lineId, message: planError.message) }
        let title = (planError == nil ? "" : Strings.text(.errorTitlePrefix, language)) + Strings.text(.cartTitle, language)
        var response = kit.pages.render(
            "cart", title: title, context: context, language: language, path: "/panier", status: planError == nil ? .ok : .unprocessableContent,
            signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    func line(context line: Line, language: Language, names: [String: String], planError: String? = nil) -> [String: Any] {
        let clauses = line.contract?.clauses.map { $0.text(language) } ?? []
        let accepted = line.contract.map { line.contractAcceptedVersion == $0.version } ?? true
        var values: [String: Any] = [
            "id": line.id, "participant": line.participantName, "title": line.offeringTitle.text(language), "code": line.offeringCode,
            "offeringId": line.offeringId, "organisation": names[line.sellingOrganisationId] ?? "",
            "problems": line.problems.map { problem in
                problem.code == "participantFieldsMissing"
                    ? Strings.text(.profileMissing, language).replacingOccurrences(of: "{name}", with: line.participantName)
                    : problem.message.text(language)
            },
            "hasProblems": !line.problems.isEmpty,
            "clauses": clauses, "needsAcceptance": !clauses.isEmpty && !accepted, "accepted": !clauses.isEmpty && accepted,
            "contractVersion": String(line.contract?.version ?? 0),
        ]
        // Information the offering asks that the profile lacks: filled on the participant's profile page.
        if line.problems.contains(where: { $0.code == "participantFieldsMissing" }) {
            values["completeProfile"] = Strings.text(.completeProfile, language).replacingOccurrences(of: "{name}", with: line.participantName)
            values["profileHref"] = "/enfants/\(line.participantId)/profil"
        }
        values["plan"] = DocumentPages.context(
            id: line.id, participant: line.participantName, rules: line.interventionPlan, documents: line.documents ?? [],
            action: "/panier/\(line.id)/plan", mayUpload: true, error: planError, language: language)
        if let price = line.price {
            values["items"] = price.items.map { item in
                "\(item.quantity) × \(item.name.text(language))" + (item.date.map { " (" + Formatting.day($0, language) + ")" } ?? "")
            }
            values["hasItems"] = !price.items.isEmpty
            values["price"] = Formatting.money(cents: price.total.amountCents, language)
            values["taxes"] =
                price.taxes.isEmpty ? nil : price.taxes.map { Formatting.money(cents: $0.amount.amountCents, language) }.joined(separator: " + ")
            values["planOffered"] = price.paymentPlan.map { plan in
                Strings.text(.planOffered, language)
                    .replacingOccurrences(of: "{deposit}", with: Formatting.money(cents: plan.deposit.amountCents, language))
                    .replacingOccurrences(of: "{instalments}", with: Self.instalments(plan, language).joined(separator: ", "))
            }
        }
        return values.compactMapValues { $0 }
    }

    /// "450,00 $ le 1 février 2027", each instalment of a plan.
    static func instalments(_ plan: EnrolmentClient.Components.Schemas.PaymentPlan, _ language: Language) -> [String] {
        plan.instalments.map {
            Strings.text(.instalmentOn, language)
                .replacingOccurrences(of: "{amount}", with: Formatting.money(cents: $0.amount.amountCents, language))
                .replacingOccurrences(of: "{date}", with: Formatting.day($0.dueDate, language))
        }
    }

    func addLine(_ request: Request) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let offeringId = form.text("offeringId", limit: 36)
        let language = LanguageChoice.of(request)
        // Anything but a whole number is said, nothing added.
        let ids = form.fields.names(prefix: "qty-").prefix(100).map { String($0.dropFirst("qty-".count)) }
        let (items, invalid) = Self.quantities(form, items: ids)
        guard invalid.isEmpty else {
            return kit.pages.message(
                .cannotAddTitle, .cannotAddText, language: language, path: "/activites/\(offeringId)", status: .unprocessableContent,
                link: ("/activites/\(offeringId)", Strings.text(.backToOffering, language)), details: [Strings.text(.quantityNotNumber, language)])
        }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.addCartLine(
                body: .json(
                    .init(
                        participantId: form.text("participantId", limit: 36), offeringId: offeringId, sessionId: form.text("sessionId", limit: 36),
                        items: items.isEmpty ? nil : items)))
        }
        if case .created = answer { return Response(status: .seeOther, headers: [.location: "/panier?fait=ajoute"]) }
        // Refused (already in the cart, closed, not eligible): said on the activity's page, with the choice kept.
        let problem = try ServiceProblem.of(answer)
        return kit.pages.message(
            .cannotAddTitle, .cannotAddText, language: language, path: "/activites/\(offeringId)",
            status: problem.pageStatus,
            link: ("/activites/\(offeringId)", Strings.text(.backToOffering, language)), details: problem.messages(language))
    }

    /// Items' quantities as typed in their `qty-<itemId>` fields: an empty field is none, 0 is left out; the ids of
    /// fields that are not a whole number from 0 to 99 come back apart.
    static func quantities(_ form: PostedForm, items ids: [String]) -> (items: [EnrolmentClient.Components.Schemas.ItemQuantity], invalid: [String]) {
        var items: [EnrolmentClient.Components.Schemas.ItemQuantity] = []
        var invalid: [String] = []
        for id in ids {
            let typed = form.text("qty-" + id, limit: 9)
            guard !typed.isEmpty else { continue }
            guard let quantity = Int(typed), (0...99).contains(quantity) else {
                invalid.append(id)
                continue
            }
            if quantity > 0 { items.append(.init(itemId: id, quantity: quantity)) }
        }
        return (items, invalid)
    }

    func acceptContract(_ request: Request, lineId: String) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard form.checked("accept") else { return Response(status: .seeOther, headers: [.location: "/panier"]) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.acceptCartLineContract(
                path: .init(lineId: lineId), body: .json(.init(version: Int(form.text("version", limit: 9)) ?? 0)))
        }
        if case .ok = answer { return Response(status: .seeOther, headers: [.location: "/panier?fait=contrat"]) }
        if case .notFound = answer { throw HTTPError(.notFound) }
        _ = try ServiceProblem.of(answer)
        return Response(status: .seeOther, headers: [.location: "/panier"])
    }

    /// A line's intervention plan sent to enrolment; a refusal (type, size, none chosen) is said next to the field.
    func attachPlan(_ request: Request, lineId: String) async throws -> Response {
        let form = try await UploadedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard UUID(uuidString: lineId) != nil else { throw HTTPError(.notFound) }
        guard !form.file.isEmpty else { return try await cartPage(request, planError: (lineId, Strings.text(.planMissingFile, language))) }
        let file = HTTPBody(form.file)
        let body: EnrolmentClient.Operations.UploadCartLinePlan.Input.Body =
            switch DocumentPages.kind(of: form.file) {
            case "image/jpeg": .jpeg(file)
            case "image/png": .png(file)
            default: .pdf(file)
            }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.uploadCartLinePlan(
                path: .init(lineId: lineId), query: .init(),
                body: body)
        }
        switch answer {
        case .created: return Response(status: .seeOther, headers: [.location: "/panier?fait=plan"])
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return kit.signInFirst(request)
        default: return try await cartPage(request, planError: (lineId, try DocumentPages.refusal(answer, language)))
        }
    }

    func removeLine(_ request: Request, lineId: String) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.removeCartLine(path: .init(lineId: lineId))
        }
        switch answer {
        case .noContent: return Response(status: .seeOther, headers: [.location: "/panier?fait=retire"])
        case .notFound: throw HTTPError(.notFound)
        default: throw PageErrors.Upstream(status: 502)
        }
    }

    /// The activity page's "register" part: the children to choose from and the groups, for a signed-in guardian.
    func registerContext(
        _ request: Request, offering: CatalogueClient.Components.Schemas.Offering, language: Language
    ) async throws -> [String: Any] {
        guard let (_, session) = try await kit.signedIn(request) else {
            let back = "/activites/\(offering.id)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return ["signInToRegister": true, "signInHref": "/connexion?back=\(back)", "guestHref": "/activites/\(offering.id)/invite"]
        }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.listParticipants(query: .init(limit: 100))
        }
        guard case .ok(let ok) = answer else { return ["signInToRegister": true] }
        let children = try ok.body.json.items
        guard !children.isEmpty else { return ["noChildren": true] }
        let visit = FormVisit(request, cookies: kit.cookies)
        let sessions = offering.sessions.map { session -> [String: String] in
            ["id": session.id, "label": session.name.text(language) + " (" + Formatting.day(session.startsOn, language) + ")"]
        }
        // Items bought by quantity (CSSPO's lunches per date): each its own field, the total kept live by portal.js.
        let items = (offering.items ?? []).map { item -> [String: String] in
            let price = Formatting.money(cents: item.unitPrice.amountCents, language)
            let maximum = item.maximumQuantity ?? 99
            return [
                "id": item.id, "unitCents": String(item.unitPrice.amountCents), "maximum": String(maximum),
                "label": item.name.text(language) + (item.date.map { " — " + Formatting.day($0, language) } ?? ""),
                "hint": Strings.text(.itemHint, language).replacingOccurrences(of: "{price}", with: price)
                    .replacingOccurrences(of: "{maximum}", with: String(maximum)),
            ]
        }
        return [
            "register": [
                "offeringId": offering.id, "formToken": visit.secret.formToken, "sessionChoices": sessions,
                "children": children.map { ["id": $0.id, "name": "\($0.firstName) \($0.lastName)"] },
                "hasItems": !items.isEmpty, "items": items, "zero": Formatting.money(cents: 0, language),
                // A full group: its waiting list instead (a seat freed is offered to the next in line).
                "fullSessions": offering.sessions.filter { $0.seatsLeft == 0 }.map { session -> [String: String] in
                    ["id": session.id, "label": session.name.text(language) + " (" + Formatting.day(session.startsOn, language) + ")"]
                },
                "hasFullSessions": offering.sessions.contains { $0.seatsLeft == 0 },
            ] as [String: Any],
            "formVisit": visit, "script": !items.isEmpty,
        ]
    }
}

extension EnrolmentClient.Components.Schemas.LocalizedText: BilingualText {}
