import CatalogueClient
import DomainKit
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceKit

/// The catalogue clerk's pages, under an organisation of the staff area: its offerings in every status, creating
/// one (in both languages, with its first group), previewing it as a family will see it, publishing it, closing
/// its registrations, cancelling it (its families' registrations cancelled, refunded and mailed by enrolment), and
/// changing a group's capacity (never below who is registered). Its terms, its items, prices and conditions, and
/// its groups are edited in `OfferingTermsPages`, `OfferingDetailsPages` and `OfferingGroupPages`. The catalogue
/// decides; these pages ask and say.
struct OfferingDeskPages: Sendable {
    let registrar: RegistrarPages
    let catalogue: CatalogueClient.Client
    var kit: PageKit { registrar.kit }
    var pages: Pages { kit.pages }

    typealias Offering = CatalogueClient.Components.Schemas.Offering

    static let notices: [String: Text] = [
        "creee": .offeringCreatedNotice, "publiee": .offeringPublishedNotice, "fermee": .offeringClosedNotice,
        "annulee": .offeringCancelledNotice, "capacite": .capacityChangedNotice, "modifiee": .offeringUpdatedNotice,
        "groupe-ajoute": .groupAddedNotice, "groupe-modifie": .groupChangedNotice,
    ]

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId/offres")
        group.get("nouvelle") { request, context in try await createPage(request, organisation: try context.parameters.require("organisationId")) }
        group.post("nouvelle") { request, context in try await create(request, organisation: try context.parameters.require("organisationId")) }
        group.get(":offeringId") { request, context in try await offeringPage(request, ids: try Self.ids(context)) }
        group.get(":offeringId/apercu") { request, context in try await previewPage(request, ids: try Self.ids(context)) }
        group.get(":offeringId/modifier") { request, context in try await termsPage(request, ids: try Self.ids(context)) }
        group.post(":offeringId/modifier") { request, context in try await saveTerms(request, ids: try Self.ids(context)) }
        group.post(":offeringId/publication") { request, context in try await publish(request, ids: try Self.ids(context)) }
        group.post(":offeringId/fermeture") { request, context in try await changeStatus(request, ids: try Self.ids(context), to: .closed) }
        group.get(":offeringId/annulation") { request, context in try await cancelPage(request, ids: try Self.ids(context)) }
        group.post(":offeringId/annulation") { request, context in try await changeStatus(request, ids: try Self.ids(context), to: .cancelled) }
        group.get(":offeringId/quantites") { request, context in try await quantitiesPage(request, ids: try Self.ids(context), csv: false) }
        group.get(":offeringId/quantites.csv") { request, context in try await quantitiesPage(request, ids: try Self.ids(context), csv: true) }
        group.get(":offeringId/details") { request, context in try await detailsPage(request, ids: try Self.ids(context)) }
        group.post(":offeringId/details") { request, context in try await saveDetails(request, ids: try Self.ids(context)) }
        group.get(":offeringId/nouveau-groupe") { request, context in try await groupPage(request, ids: try Self.ids(context), group: nil) }
        group.post(":offeringId/nouveau-groupe") { request, context in try await saveGroup(request, ids: try Self.ids(context), group: nil) }
        group.get(":offeringId/groupes/:sessionId/modifier") { request, context in
            try await groupPage(request, ids: try Self.ids(context), group: try context.parameters.require("sessionId"))
        }
        group.post(":offeringId/groupes/:sessionId/modifier") { request, context in
            try await saveGroup(request, ids: try Self.ids(context), group: try context.parameters.require("sessionId"))
        }
        group.post(":offeringId/groupes/:sessionId/capacite") { request, context in
            try await changeCapacity(request, ids: try Self.ids(context), session: try context.parameters.require("sessionId"))
        }
    }

    struct IDs {
        var organisation: String
        var offering: String
        var path: String { "/staff/organisations/\(organisation)/offres/\(offering)" }
    }

    static func ids(_ context: GuichetRequestContext) throws -> IDs {
        IDs(organisation: try context.parameters.require("organisationId"), offering: try context.parameters.require("offeringId"))
    }

    static func statusText(_ status: Offering.StatusPayload, _ language: Language) -> String {
        let key: Text =
            switch status {
            case .draft: .offeringDraft
            case .published: .offeringPublished
            case .closed: .offeringClosed
            case .cancelled: .offeringCancelled
            }
        return Strings.text(key, language)
    }

    /// The organisation's offering as its staff see it (a draft included); nil when it is not theirs.
    func staffOffering(_ session: BrowserSessionStore.Session, ids: IDs) async throws -> Offering? {
        let answer = try await registrar.acting(session) { try await catalogue.getOffering(path: .init(offeringId: ids.offering)) }
        guard case .ok(let ok) = answer else { return nil }
        let offering = try ok.body.json
        return offering.sellingOrganisationId == ids.organisation.lowercased() ? offering : nil
    }

    /// The pages that change an offering: the organisation's offering, not cancelled; not found otherwise.
    func changingOffering(
        _ request: Request, ids: IDs, back: String? = nil, _ page: (BrowserSessionStore.Session, Offering) async throws -> Response
    ) async throws -> Response {
        try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering], back: back) { session, _ in
            guard let offering = try await staffOffering(session, ids: ids), offering.status != .cancelled else {
                return registrar.staffArea.notFound(request)
            }
            return try await page(session, offering)
        }
    }

    // MARK: - Creating

    struct Draft {
        var code = "", titleFr = "", titleEn = "", category = "", descriptionFr = "", descriptionEn = "", price = ""
        var opensOn = "", closesOn = "", groupFr = "", groupEn = "", startsOn = "", endsOn = "", capacity = ""
        var refundPolicy = "full-before-start"
    }

    /// What an offering is, in both languages: the creation form's and the terms form's first fields.
    static func describingFields(
        _ language: Language, titleFr: String, titleEn: String, category: String, descriptionFr: String, descriptionEn: String,
        categories: [CatalogueReference.Category]
    ) -> [FormPage.Field] {
        let t = { Strings.text($0, language) }
        return [
            .init(name: "titleFr", label: t(.titleFrench), value: titleFr, autocomplete: "off"),
            .init(name: "titleEn", label: t(.titleEnglish), value: titleEn, autocomplete: "off"),
            .init(
                name: "category", label: t(.category), kind: .select, value: category,
                options: [("", t(.chooseCategory))] + categories.map { (value: $0.id, label: $0.name.text(language)) }),
            .init(
                name: "descriptionFr", label: t(.descriptionFrench), kind: .textarea, value: descriptionFr, hint: t(.descriptionHint),
                required: false),
            .init(name: "descriptionEn", label: t(.descriptionEnglish), kind: .textarea, value: descriptionEn, required: false),
        ]
    }

    static func refundPolicyField(_ language: Language, value: String) -> FormPage.Field {
        let t = { Strings.text($0, language) }
        return .init(
            name: "refundPolicy", label: t(.refundPolicy), kind: .select, value: value, hint: t(.refundPolicyHint),
            options: [
                ("full-before-start", t(.refundFullBeforeStart)), ("pro-rata", t(.refundProRata)), ("on-request", t(.refundOnRequest)),
                ("none", t(.refundNone)),
            ])
    }

    func createForm(_ language: Language, organisation: String, draft: Draft, categories: [CatalogueReference.Category]) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.newOfferingTitle), intro: t(.newOfferingIntro), action: "/staff/organisations/\(organisation)/offres/nouvelle",
            submit: t(.newOfferingSubmit),
            fields: [.init(name: "code", label: t(.code), value: draft.code, autocomplete: "off", hint: t(.offeringCodeHint))]
                + Self.describingFields(
                    language, titleFr: draft.titleFr, titleEn: draft.titleEn, category: draft.category, descriptionFr: draft.descriptionFr,
                    descriptionEn: draft.descriptionEn, categories: categories)
                + [
                    .init(name: "price", label: t(.priceDollars), value: draft.price, inputmode: "decimal", hint: t(.priceHint)),
                    .init(name: "opensOn", label: t(.registrationOpensOn), value: draft.opensOn, autocomplete: "off", hint: t(.dateHint)),
                    .init(name: "closesOn", label: t(.registrationClosesOn), value: draft.closesOn, autocomplete: "off", hint: t(.dateHint)),
                    .init(name: "groupFr", label: t(.groupNameFrench), value: draft.groupFr, hint: t(.groupNameHint)),
                    .init(name: "groupEn", label: t(.groupNameEnglish), value: draft.groupEn),
                    .init(name: "startsOn", label: t(.groupStartsOn), value: draft.startsOn, autocomplete: "off", hint: t(.dateHint)),
                    .init(name: "endsOn", label: t(.groupEndsOn), value: draft.endsOn, autocomplete: "off", hint: t(.dateHint)),
                    .init(name: "capacity", label: t(.capacity), kind: .number, value: draft.capacity, inputmode: "numeric"),
                    Self.refundPolicyField(language, value: draft.refundPolicy),
                ],
            links: [.init(href: "/staff/organisations/\(organisation)/offres", label: Strings.text(.backToOfferings, language))])
    }

    func createPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.organisationPage(request, organisation) { _, found in
            let form = createForm(language, organisation: found.id, draft: Draft(), categories: try await registrar.reference.categories())
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    /// Dollars as people type them (`35`, `35,50`, `1 234.50 $`) in cents; nil for anything else.
    static func cents(_ text: String) -> Int64? {
        let cleaned = text.filter { !$0.isWhitespace && $0 != "$" && $0 != "\u{00A0}" }.replacingOccurrences(of: ",", with: ".")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let dollars = Int64(parts[0]),
            dollars <= 100_000
        else { return nil }
        guard parts.count == 2 else { return dollars * 100 }
        guard (1...2).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let fraction = Int64(parts[1]) else { return nil }
        return dollars * 100 + (parts[1].count == 1 ? fraction * 10 : fraction)
    }

    /// A day in the organisations' time zone, at the given hour and minute.
    static func instant(_ day: String, hour: Int, minute: Int) -> Date? {
        guard let date = CalendarDate(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDate.timeZone
        return calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute))
    }

    func create(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let back = "/staff/organisations/\(organisation)/offres/nouvelle"
        return try await registrar.organisationPage(request, organisation, back: back) { session, found in
            let draft = Draft(
                code: form.text("code", limit: 40), titleFr: form.text("titleFr", limit: 200), titleEn: form.text("titleEn", limit: 200),
                category: form.text("category", limit: 40), descriptionFr: form.text("descriptionFr", limit: 5000),
                descriptionEn: form.text("descriptionEn", limit: 5000), price: form.text("price", limit: 20),
                opensOn: form.text("opensOn", limit: 10),
                closesOn: form.text("closesOn", limit: 10), groupFr: form.text("groupFr", limit: 100), groupEn: form.text("groupEn", limit: 100),
                startsOn: form.text("startsOn", limit: 10), endsOn: form.text("endsOn", limit: 10), capacity: form.text("capacity", limit: 6),
                refundPolicy: form.text("refundPolicy", limit: 20))
            var page = createForm(language, organisation: found.id, draft: draft, categories: try await registrar.reference.categories())
            // What the form itself can tell (a number, a date); the rest is the catalogue's to say.
            let price = Self.cents(draft.price)
            if price == nil { page.addErrors([t(.priceError)], to: "price") }
            let capacity = Int(draft.capacity)
            if capacity == nil { page.addErrors([t(.capacityError)], to: "capacity") }
            for (name, value) in [("opensOn", draft.opensOn), ("closesOn", draft.closesOn), ("startsOn", draft.startsOn), ("endsOn", draft.endsOn)]
            where CalendarDate(value) == nil {
                page.addErrors([t(.dateError)], to: name)
            }
            let policy = CatalogueClient.Components.Schemas.RefundPolicy.KindPayload(rawValue: draft.refundPolicy)
            if policy == nil { page.addErrors([t(.refundPolicyHint)], to: "refundPolicy") }
            guard !page.hasErrors, let price, let capacity, let policy else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let description: CatalogueClient.Components.Schemas.LocalizedText? =
                draft.descriptionFr.isEmpty && draft.descriptionEn.isEmpty ? nil : .init(fr: draft.descriptionFr, en: draft.descriptionEn)
            let body = CatalogueClient.Components.Schemas.NewOffering(
                sellingOrganisationId: found.id, code: draft.code, categoryId: draft.category.isEmpty ? nil : draft.category,
                title: .init(fr: draft.titleFr, en: draft.titleEn), description: description, basePrice: .init(amountCents: price, currency: .cad),
                registrationOpensAt: Self.instant(draft.opensOn, hour: 0, minute: 0),
                registrationClosesAt: Self.instant(draft.closesOn, hour: 23, minute: 59),
                sessions: [
                    .init(name: .init(fr: draft.groupFr, en: draft.groupEn), startsOn: draft.startsOn, endsOn: draft.endsOn, capacity: capacity)
                ],
                refundPolicy: .init(kind: policy, administrationFee: .init(amountCents: 0, currency: .cad)))
            let answer = try await registrar.acting(session) { try await catalogue.createOffering(body: .json(body)) }
            switch answer {
            case .created(let created):
                let offering = try created.body.json
                return Response(status: .seeOther, headers: [.location: "/staff/organisations/\(found.id)/offres/\(offering.id)?fait=creee"])
            case .badRequest, .unprocessableContent, .conflict:
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: [
                        "title.fr": "titleFr", "title.en": "titleEn", "description.fr": "descriptionFr", "description.en": "descriptionEn",
                        "categoryId": "category", "basePrice.amountCents": "price", "basePrice": "price", "registrationOpensAt": "opensOn",
                        "registrationClosesAt": "closesOn", "sessions[0].name.fr": "groupFr", "sessions[0].name.en": "groupEn",
                        "sessions[0].startsOn": "startsOn", "sessions[0].endsOn": "endsOn", "sessions[0].capacity": "capacity",
                    ])
            default: return try registrar.staffArea.refusal(answer, request: request, back: back)
            }
        }
    }

    // MARK: - An offering's page, its preview

    func offeringPage(
        _ request: Request, ids: IDs, capacityError: (session: String, message: String)? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let notice = kit.notice(request, Self.notices, language)
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering], back: ids.path) { session, found in
            guard let offering = try await staffOffering(session, ids: ids) else { return registrar.staffArea.notFound(request) }
            let visit = FormVisit(request, cookies: kit.cookies)
            let title = "\(offering.code) \(offering.title.text(language))"
            var context: [String: Any] = [
                "heading": title, "organisationName": found.name.text(language), "status": Self.statusText(offering.status, language),
                "price": Formatting.money(cents: offering.basePrice.amountCents, language), "path": ids.path, "formToken": visit.secret.formToken,
                "opens": offering.registrationOpensAt.map { DateText.dayAndTime($0, language) } ?? "",
                "closes": offering.registrationClosesAt.map { DateText.dayAndTime($0, language) } ?? "",
                "canPublish": offering.status == .draft, "canClose": offering.status == .published,
                "canCancel": offering.status == .published || offering.status == .closed, "canEdit": offering.status != .cancelled,
                "hasItems": !(offering.items ?? []).isEmpty && offering.status != .draft,
                "offeringsHref": "/staff/organisations/\(found.id)/offres",
                "sessions": offering.sessions.map { group -> [String: Any] in
                    var row: [String: Any] = [
                        "id": group.id, "name": group.name.text(language),
                        "dates": Formatting.days(group.startsOn, group.endsOn, language),
                        "registered": Formatting.number(group.confirmed ?? 0, language), "capacity": String(group.capacity),
                        "capacityLabel": "\(t(.capacity)) — \(group.name.text(language))",
                        "classListHref": offering.status == .draft ? "" : "\(ids.path)/groupes/\(group.id)",
                        "editable": offering.status != .cancelled, "editHref": "\(ids.path)/groupes/\(group.id)/modifier",
                        "registeredText": t(.registeredCount) + FormPage.colon(language) + Formatting.number(group.confirmed ?? 0, language),
                    ]
                    if let capacityError, capacityError.session == group.id { row["error"] = capacityError.message }
                    return row
                },
            ]
            if let notice { context["notice"] = notice }
            if let capacityError {
                context["hasErrors"] = true
                context["errors"] = [
                    ["field": "capacity-\(capacityError.session)", "message": t(.capacity) + FormPage.colon(language) + capacityError.message]
                ]
            }
            var response = pages.render(
                "staff-offering", title: (capacityError == nil ? "" : t(.errorTitlePrefix)) + title, context: context, language: language,
                path: ids.path, status: status, signedIn: true)
            visit.setCookie(on: &response)
            return response
        }
    }

    func previewPage(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering]) { session, found in
            guard let offering = try await staffOffering(session, ids: ids) else { return registrar.staffArea.notFound(request) }
            var context = PortalRoutes.offeringContext(offering, organisationName: found.name.text(language), language: language)
            context["preview"] = Strings.text(offering.status == .draft ? .previewDraftNotice : .previewNotice, language)
            context["previewBackHref"] = ids.path
            return pages.render(
                "offering", title: Strings.text(.previewTitlePrefix, language) + offering.title.text(language), context: context,
                language: language, path: request.uri.path, signedIn: true)
        }
    }

    // MARK: - Publishing, closing, cancelling, capacity

    func publish(_ request: Request, ids: IDs) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering], back: ids.path) { session, _ in
            guard try await staffOffering(session, ids: ids) != nil else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) { try await catalogue.publishOffering(path: .init(offeringId: ids.offering)) }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=publiee"])
            case .conflict, .unprocessableContent:
                return try refusedAction(answer, request: request, ids: ids)
            default: return try registrar.staffArea.refusal(answer, request: request, back: ids.path)
            }
        }
    }

    func cancelPage(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering]) { session, _ in
            guard let offering = try await staffOffering(session, ids: ids), offering.status == .published || offering.status == .closed else {
                return registrar.staffArea.notFound(request)
            }
            let registered = offering.sessions.reduce(0) { $0 + ($1.confirmed ?? 0) }
            let form = FormPage(
                heading: "\(t(.cancelOfferingTitle)) — \(offering.code) \(offering.title.text(language))",
                intro: t(.cancelOfferingIntro) + " " + t(.registeredCount) + FormPage.colon(language) + Formatting.number(registered, language) + ".",
                action: "\(ids.path)/annulation", submit: t(.cancelOfferingSubmit), links: [.init(href: ids.path, label: t(.cancelOfferingKeep))])
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func changeStatus(
        _ request: Request, ids: IDs, to status: CatalogueClient.Operations.ChangeOfferingStatus.Input.Body.JsonPayload.StatusPayload
    ) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        let back = status == .cancelled ? "\(ids.path)/annulation" : ids.path
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering], back: back) { session, _ in
            guard try await staffOffering(session, ids: ids) != nil else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) {
                try await catalogue.changeOfferingStatus(path: .init(offeringId: ids.offering), body: .json(.init(status: status)))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=\(status == .cancelled ? "annulee" : "fermee")"])
            case .conflict, .unprocessableContent, .badRequest:
                return try refusedAction(answer, request: request, ids: ids)
            default: return try registrar.staffArea.refusal(answer, request: request, back: back)
            }
        }
    }

    /// A refused publication or status change (not in a state that allows it, an offering the catalogue finds
    /// incomplete): the reasons, with the way back to the offering.
    func refusedAction(_ answer: some Sendable, request: Request, ids: IDs) throws -> Response {
        let language = LanguageChoice.of(request)
        let problem = try ServiceProblem.of(answer)
        return pages.message(
            .offeringActionRefusedTitle, .offeringActionRefusedText, language: language, path: ids.path, status: problem.pageStatus,
            link: (ids.path, Strings.text(.backToOffering, language)), details: problem.messages(language), signedIn: true)
    }

    func changeCapacity(_ request: Request, ids: IDs, session group: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        if let refused = registrar.staffArea.notFoundUnlessIDs([group], request) { return refused }
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering], back: ids.path) { session, _ in
            guard try await staffOffering(session, ids: ids) != nil else { return registrar.staffArea.notFound(request) }
            guard let capacity = Int(form.text("capacity", limit: 6)), capacity >= 0 else {
                return try await offeringPage(
                    request, ids: ids, capacityError: (group.lowercased(), Strings.text(.capacityError, language)), status: .unprocessableContent)
            }
            let answer = try await registrar.acting(session) {
                try await catalogue.updateSession(path: .init(offeringId: ids.offering, sessionId: group), body: .json(.init(capacity: capacity)))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=capacite"])
            case .conflict, .unprocessableContent, .badRequest:
                let problem = try ServiceProblem.of(answer)
                return try await offeringPage(
                    request, ids: ids, capacityError: (group.lowercased(), problem.messages(language).joined(separator: " ")),
                    status: problem.pageStatus)
            default: return try registrar.staffArea.refusal(answer, request: request, back: ids.path)
            }
        }
    }

    // MARK: - A fund-raiser's quantities

    /// How many of each item per date and school the confirmed registrations bought (the kitchen's count), with
    /// each date's total; printable, and as CSV.
    func quantitiesPage(_ request: Request, ids: IDs, csv: Bool) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await registrar.organisationPage(request, ids.organisation, ids: [ids.offering]) { session, found in
            guard let offering = try await staffOffering(session, ids: ids) else { return registrar.staffArea.notFound(request) }
            let answer = try await registrar.acting(session) {
                try await registrar.enrolment.getItemQuantities(
                    path: .init(offeringId: offering.id), headers: .init(accept: [.init(contentType: csv ? .csv : .json)]))
            }
            guard case .ok(let ok) = answer else { return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path) }
            if csv, case .csv(let body) = ok.body {
                return try await DocumentPages.csvFile(body, name: "quantites-\(offering.code)")
            }
            var rows: [[String: Any]] = []
            var group: (key: String, date: String, item: String, total: Int)?
            func closeGroup() {
                if let group {
                    rows.append([
                        "date": group.date, "item": group.item, "school": t(.total), "quantity": Formatting.number(group.total, language),
                        "total": true,
                    ])
                }
            }
            for row in try ok.body.json.items {
                let key = "\(row.date ?? "")/\(row.itemId)"
                let date = row.date.map { Formatting.day($0, language) } ?? ""
                if group?.key != key {
                    closeGroup()
                    group = (key, date, row.name.text(language), 0)
                }
                group?.total += row.quantity
                rows.append([
                    "date": date, "item": row.name.text(language), "school": row.school.isEmpty ? t(.schoolUnknown) : row.school,
                    "quantity": Formatting.number(row.quantity, language), "total": false,
                ])
            }
            closeGroup()
            let heading = "\(t(.quantitiesTitle)) — \(offering.code)"
            return registrar.render(
                "staff-quantities", title: heading,
                context: [
                    "heading": heading, "course": offering.title.text(language), "organisationName": found.name.text(language), "rows": rows,
                    "hasRows": !rows.isEmpty, "csvHref": "\(ids.path)/quantites.csv", "offeringHref": ids.path,
                ], request: request)
        }
    }
}
