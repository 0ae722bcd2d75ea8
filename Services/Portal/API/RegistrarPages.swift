import CatalogueClient
import EnrolmentClient
import Foundation
import Hummingbird
import OpenAPIRuntime
import ServiceKit

/// The registrar's pages (Clara, Baie-Comeau, a school's secretary), under an organisation of the staff area:
/// finding people with `*` and `?`, a person's record by term, registering them to a course's group with a funding
/// source and no payment, moving a registration to another group, cancelling with the refund shown first, the
/// organisation's offerings and their class lists (print page and CSV), and importing its records.
/// Enrolment decides who may see and do what: anything it refuses (another organisation's) is "not found" here.
struct RegistrarPages: Sendable {
    let staffArea: StaffPages
    let enrolment: EnrolmentClient.Client
    let catalogue: CatalogueClient.Client
    var kit: PageKit { staffArea.kit }
    var pages: Pages { kit.pages }
    var reference: CatalogueReference { staffArea.reference }

    typealias Offering = CatalogueClient.Components.Schemas.Offering

    static let notices: [String: Text] = [
        "inscrit": .staffRegisteredNotice, "groupe": .staffMovedNotice, "annulee": .staffCancelledNotice,
    ]

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId")
        group.get("personnes") { request, context in try await peoplePage(request, organisation: try context.parameters.require("organisationId")) }
        group.get("personnes/:participantId") { request, context in
            try await personPage(
                request, organisation: try context.parameters.require("organisationId"), person: try context.parameters.require("participantId"))
        }
        group.get("personnes/:participantId/inscription") { request, context in
            try await registerPage(
                request, organisation: try context.parameters.require("organisationId"), person: try context.parameters.require("participantId"))
        }
        group.post("personnes/:participantId/inscription") { request, context in
            try await registerPerson(
                request, organisation: try context.parameters.require("organisationId"), person: try context.parameters.require("participantId"))
        }
        group.get("personnes/:participantId/inscriptions/:registrationId/groupe") { request, context in
            try await movePage(request, ids: try Self.registrationIDs(context))
        }
        group.post("personnes/:participantId/inscriptions/:registrationId/groupe") { request, context in
            try await move(request, ids: try Self.registrationIDs(context))
        }
        group.get("personnes/:participantId/inscriptions/:registrationId/annulation") { request, context in
            try await cancelPage(request, ids: try Self.registrationIDs(context))
        }
        group.post("personnes/:participantId/inscriptions/:registrationId/annulation") { request, context in
            try await cancel(request, ids: try Self.registrationIDs(context))
        }
        group.get("offres") { request, context in try await offeringsPage(request, organisation: try context.parameters.require("organisationId")) }
        group.get("offres/:offeringId/groupes/:sessionId") { request, context in
            try await classListPage(request, ids: try Self.sessionIDs(context), csv: false)
        }
        group.get("offres/:offeringId/groupes/:sessionId/liste.csv") { request, context in
            try await classListPage(request, ids: try Self.sessionIDs(context), csv: true)
        }
        group.get("dossiers") { request, context in try await importPage(request, organisation: try context.parameters.require("organisationId")) }
        group.post("dossiers") { request, context in try await importRecords(request, organisation: try context.parameters.require("organisationId"))
        }
    }

    struct RegistrationIDs {
        var organisation: String
        var person: String
        var registration: String
        var personPath: String { "/staff/organisations/\(organisation)/personnes/\(person)" }
    }

    struct SessionIDs {
        var organisation: String
        var offering: String
        var session: String
        /// The group's class list; its attendance and message pages are below it.
        var path: String { "/staff/organisations/\(organisation)/offres/\(offering)/groupes/\(session)" }
    }

    static func registrationIDs(_ context: GuichetRequestContext) throws -> RegistrationIDs {
        RegistrationIDs(
            organisation: try context.parameters.require("organisationId"), person: try context.parameters.require("participantId"),
            registration: try context.parameters.require("registrationId"))
    }

    static func sessionIDs(_ context: GuichetRequestContext) throws -> SessionIDs {
        SessionIDs(
            organisation: try context.parameters.require("organisationId"), offering: try context.parameters.require("offeringId"),
            session: try context.parameters.require("sessionId"))
    }

    // MARK: - Shared steps

    /// The gate, then the organisation (by the catalogue) for `page`; an unknown one is not found.
    func organisationPage(
        _ request: Request, _ organisation: String, ids: [String] = [], back: String? = nil,
        _ page: (BrowserSessionStore.Session, CatalogueReference.Organisation) async throws -> Response
    ) async throws -> Response {
        if let refused = staffArea.notFoundUnlessIDs([organisation] + ids, request) { return refused }
        return try await staffArea.staffPage(request, back: back) { session, account in
            let organisations = try await reference.organisations()
            guard let found = organisations.first(where: { $0.id == organisation.lowercased() }),
                Self.worksIn(found.id, account: account, organisations: organisations)
            else { return staffArea.notFound(request) }
            return try await page(session, found)
        }
    }

    /// A platform admin, or staff of the organisation or of one above it (a service centre's staff work in its
    /// schools). The services check again on every call; this keeps a page that calls none (a form) from showing.
    static func worksIn(_ organisation: String, account: StaffPages.Account, organisations: [CatalogueReference.Organisation]) -> Bool {
        if account.admin { return true }
        let granted = Set(account.staffRoles.map { $0.organisationId.lowercased() })
        let parents = Dictionary(organisations.map { ($0.id, $0.parentId) }, uniquingKeysWith: { first, _ in first })
        var current: String? = organisation
        var steps = 0
        while let id = current, steps < 20 {
            if granted.contains(id) { return true }
            current = parents[id] ?? nil
            steps += 1
        }
        return false
    }

    func acting<T: Sendable>(_ session: BrowserSessionStore.Session, _ call: () async throws -> T) async throws -> T {
        try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken, call)
    }

    /// The organisation's offerings in the catalogue (every page of them, a few hundred at most).
    func offerings(of organisation: String) async throws -> [Offering] {
        var found: [Offering] = []
        var cursor: String?
        for _ in 0..<10 {
            let page = try await catalogue.listOfferings(query: .init(organisation: organisation, limit: 100, cursor: cursor)).ok.body.json
            found += page.items
            guard let next = page.nextCursor else { break }
            cursor = next
        }
        return found.sorted { ($0.code, $0.id) < ($1.code, $1.id) }
    }

    func render(
        _ template: String, title: String, context: [String: Any], request: Request, path: String? = nil, status: HTTPResponse.Status = .ok,
        visit: FormVisit? = nil
    ) -> Response {
        var response = pages.render(
            template, title: title, context: context, language: LanguageChoice.of(request), path: path ?? request.uri.description, status: status,
            signedIn: true)
        visit?.setCookie(on: &response)
        return response
    }

    // MARK: - People

    func peoplePage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let query = FormQuery(request.uri.query)["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
        return try await organisationPage(request, organisation, back: request.uri.description) { session, found in
            var context: [String: Any] = [
                "heading": t(.peopleTitle), "organisationName": found.name.text(language), "organisationId": found.id,
                "searched": !query.isEmpty,
            ]
            if !query.isEmpty { context["q"] = query }
            if query.count > 100 {
                context["queryError"] = t(.peopleQueryTooLong)
                context["queryErrorSummary"] = t(.peopleSearchLabel) + FormPage.colon(language) + t(.peopleQueryTooLong)
            } else if !query.isEmpty {
                let answer = try await acting(session) {
                    try await enrolment.searchParticipants(query: .init(organisation: found.id, q: query, limit: 100))
                }
                // Another organisation's record (a school's, for a city's clerk) is not this organisation's to show.
                let own = { (record: EnrolmentClient.Components.Schemas.Participant.RecordPayload?) in
                    record?.organisationId == found.id ? record : nil
                }
                guard case .ok(let ok) = answer else { return try staffArea.refusal(answer, request: request, back: request.uri.description) }
                let people = try ok.body.json.items.map { person -> [String: String] in
                    [
                        "href": "/staff/organisations/\(found.id)/personnes/\(person.id)", "name": "\(person.lastName), \(person.firstName)",
                        "birthDate": Formatting.day(person.birthDate, language), "fileNumber": own(person.record)?.fileNumber ?? "",
                        "programme": [own(person.record)?.programme, own(person.record)?.level, own(person.record)?.group].compactMap { $0 }
                            .joined(separator: " · "),
                    ]
                }
                context["people"] = people
                context["hasPeople"] = !people.isEmpty
                context["count"] = t(.peopleFound) + FormPage.colon(language) + Formatting.number(people.count, language)
            }
            let title = (context["queryError"] == nil ? "" : t(.errorTitlePrefix)) + t(.peopleTitle) + " — " + found.name.text(language)
            return render("staff-people", title: title, context: context, request: request, status: context["queryError"] == nil ? .ok : .badRequest)
        }
    }

    func personPage(_ request: Request, organisation: String, person: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let notice = kit.notice(request, Self.notices, language)
        return try await organisationPage(request, organisation, ids: [person]) { session, found in
            let answer = try await acting(session) {
                try await enrolment.getParticipantRecord(path: .init(participantId: person), query: .init(organisation: found.id))
            }
            guard case .ok(let ok) = answer else { return try staffArea.refusal(answer, request: request, back: request.uri.path) }
            let record = try ok.body.json
            let participant = record.participant
            let personPath = "/staff/organisations/\(found.id)/personnes/\(participant.id)"
            let terms = record.terms.enumerated().map { index, term -> [String: Any] in
                let label = [term.term, term.schoolYear].compactMap { $0 }.joined(separator: " · ")
                return [
                    "id": "term-\(index)", "label": label.isEmpty ? t(.noTerm) : label,
                    "registrations": term.registrations.map { registration -> [String: Any] in
                        let course = "\(registration.offeringCode) \(registration.title.text(language))"
                        let invoice = registration.invoice.map { invoice -> String in
                            let state: String =
                                switch invoice.status {
                                case .open:
                                    t(.invoiceBilledTo).replacingOccurrences(
                                        of: "{amount}", with: Formatting.money(cents: invoice.amount.amountCents, language)
                                    ).replacingOccurrences(of: "{date}", with: Formatting.day(invoice.dueDate, language))
                                case .paid: t(.invoiceStatusPaid)
                                case .cancelled: t(.invoiceStatusCancelled)
                                }
                            return t(.invoiceOnRecord) + FormPage.colon(language) + state
                        }
                        return [
                            "course": course, "group": registration.session,
                            "groupHref": "/staff/organisations/\(found.id)/offres/\(registration.offeringId)/groupes/\(registration.sessionId)",
                            "status": RegistrationPages.statusText(registration.status, language), "funding": registration.fundingSource ?? "",
                            "invoice": invoice ?? "", "confirmed": registration.status == "confirmed",
                            "moveHref": "\(personPath)/inscriptions/\(registration.registrationId)/groupe",
                            "moveLabel": "\(t(.changeGroup)) — \(course), \(registration.session)",
                            "cancelHref": "\(personPath)/inscriptions/\(registration.registrationId)/annulation",
                            "cancelLabel": "\(t(.cancellationTitle)) — \(course), \(registration.session)",
                        ]
                    },
                ]
            }
            var facts: [[String: String]] = [["label": t(.birthDate), "value": Formatting.day(participant.birthDate, language)]]
            if let file = participant.record, file.organisationId == found.id {
                facts.append(["label": t(.fileNumber), "value": file.fileNumber])
                for (key, value) in [(Text.programme, file.programme), (.school, file.school), (.level, file.level), (.group, file.group)] {
                    if let value { facts.append(["label": t(key), "value": value]) }
                }
            }
            var context: [String: Any] = [
                "heading": "\(participant.firstName) \(participant.lastName)", "facts": facts, "terms": terms, "hasTerms": !terms.isEmpty,
                "registerHref": "\(personPath)/inscription", "peopleHref": "/staff/organisations/\(found.id)/personnes",
                "organisationName": found.name.text(language),
            ]
            if let notice { context["notice"] = notice }
            return render("staff-person", title: "\(participant.firstName) \(participant.lastName)", context: context, request: request)
        }
    }

    // MARK: - Registering, moving, cancelling

    typealias Guardian = EnrolmentClient.Operations.GetParticipantRecord.Output.Ok.Body.JsonPayload.GuardiansPayloadPayload

    func registerForm(
        _ language: Language, organisation: String, person: String, name: String, offerings: [Offering], guardians: [Guardian],
        chosen: String = "", funding: String = "", reason: String = "", payer: String = "", due: String = ""
    ) -> FormPage {
        let t = { Strings.text($0, language) }
        var options: [(value: String, label: String)] = [("", t(.chooseCourseGroup))]
        for offering in offerings {
            for session in offering.sessions {
                let seats = session.seatsLeft.map { " (\(Formatting.number($0, language)) \(t(.seatsLeft)))" } ?? ""
                options.append(
                    ("\(offering.id)/\(session.id)", "\(offering.code) \(offering.title.text(language)) — \(session.name.text(language))\(seats)"))
            }
        }
        return FormPage(
            heading: "\(t(.registerToCourse)) — \(name)", intro: t(.staffRegisterIntro),
            action: "/staff/organisations/\(organisation)/personnes/\(person)/inscription", submit: t(.registerSubmit),
            fields: [
                .init(name: "courseGroup", label: t(.courseAndGroup), kind: .select, value: chosen, options: options),
                .init(name: "fundingSource", label: t(.fundingSource), value: funding, hint: t(.fundingSourceHint)),
                .init(name: "overrideReason", label: t(.overrideReason), value: reason, hint: t(.overrideReasonHint), required: false),
                .init(
                    name: "payer", label: t(.billTo), kind: .select, value: payer, hint: t(.billToHint), required: false,
                    options: [("", t(.billToNone))] + guardians.map { ($0.accountId, "\($0.name) (\($0.email))") }),
                .init(
                    name: "dueDate", label: t(.dueDate), value: due, autocomplete: "off", hint: t(.dueDateHint) + " " + t(.dateHint),
                    required: false),
            ],
            links: [.init(href: "/staff/organisations/\(organisation)/personnes/\(person)", label: t(.backToRecord))])
    }

    /// The person's name as the organisation's staff may read it, and their guardians whom staff may bill (nil when
    /// enrolment says they may not).
    func personName(
        _ session: BrowserSessionStore.Session, person: String, organisation: String
    ) async throws -> (name: String, guardians: [Guardian])? {
        let answer = try await acting(session) {
            try await enrolment.getParticipantRecord(path: .init(participantId: person), query: .init(organisation: organisation))
        }
        guard case .ok(let ok) = answer else { return nil }
        let record = try ok.body.json
        return ("\(record.participant.firstName) \(record.participant.lastName)", record.guardians)
    }

    func registerPage(_ request: Request, organisation: String, person: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await organisationPage(request, organisation, ids: [person]) { session, found in
            guard let (name, guardians) = try await personName(session, person: person, organisation: found.id) else {
                return staffArea.notFound(request)
            }
            let form = registerForm(
                language, organisation: found.id, person: person, name: name, offerings: try await offerings(of: found.id), guardians: guardians)
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func registerPerson(_ request: Request, organisation: String, person: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let back = "/staff/organisations/\(organisation)/personnes/\(person)/inscription"
        return try await organisationPage(request, organisation, ids: [person], back: back) { session, found in
            guard let (name, guardians) = try await personName(session, person: person, organisation: found.id) else {
                return staffArea.notFound(request)
            }
            let chosen = form.text("courseGroup", limit: 80)
            let payer = form.text("payer", limit: 36)
            let due = form.text("dueDate", limit: 10)
            // Billed to the family: who pays goes without saying.
            let typedFunding = form.text("fundingSource", limit: 100)
            let funding = typedFunding.isEmpty && !payer.isEmpty ? t(.billedFunding) : typedFunding
            let reason = form.text("overrideReason", limit: 500)
            let organisationOfferings = try await offerings(of: found.id)
            var page = registerForm(
                language, organisation: found.id, person: person, name: name, offerings: organisationOfferings, guardians: guardians,
                chosen: chosen, funding: typedFunding, reason: reason, payer: payer, due: due)
            let parts = chosen.split(separator: "/").map(String.init)
            // Only a group of this organisation's own offerings.
            let offered = Set(organisationOfferings.flatMap { offering in offering.sessions.map { "\(offering.id)/\($0.id)" } })
            guard parts.count == 2, offered.contains(chosen.lowercased()) else {
                page.addErrors([t(.chooseCourseGroupError)], to: "courseGroup")
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            guard payer.isEmpty || !due.isEmpty else {
                page.addErrors([t(.dueDateMissing)], to: "dueDate")
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let answer = try await acting(session) {
                try await enrolment.registerByStaff(
                    body: .json(
                        .init(
                            participantId: person, offeringId: parts[0], sessionId: parts[1], fundingSource: funding,
                            overrideReason: reason.isEmpty ? nil : reason,
                            invoice: payer.isEmpty ? nil : .init(payerAccountId: payer, dueDate: due))))
            }
            switch answer {
            case .created:
                return Response(status: .seeOther, headers: [.location: "/staff/organisations/\(found.id)/personnes/\(person)?fait=inscrit"])
            case .unprocessableContent, .badRequest, .conflict:
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: [
                        "sessionId": "courseGroup", "offeringId": "courseGroup", "participantId": "courseGroup", "invoice.payerAccountId": "payer",
                        "invoice.dueDate": "dueDate", "invoice": "payer",
                    ])
            default: return try staffArea.refusal(answer, request: request, back: back)
            }
        }
    }

    /// The registration as the person's record shows it: its course, group and offering (nil when not theirs).
    func registration(
        _ session: BrowserSessionStore.Session, ids: RegistrationIDs, language: Language
    ) async throws -> (name: String, course: String, group: String, offeringId: String, sessionId: String, confirmed: Bool)? {
        let answer = try await acting(session) {
            try await enrolment.getParticipantRecord(path: .init(participantId: ids.person), query: .init(organisation: ids.organisation))
        }
        guard case .ok(let ok) = answer else { return nil }
        let record = try ok.body.json
        for term in record.terms {
            for entry in term.registrations where entry.registrationId == ids.registration.lowercased() {
                return (
                    "\(record.participant.firstName) \(record.participant.lastName)", "\(entry.offeringCode) \(entry.title.text(language))",
                    entry.session,
                    entry.offeringId, entry.sessionId, entry.status == "confirmed"
                )
            }
        }
        return nil
    }

    func moveForm(
        _ language: Language, ids: RegistrationIDs, name: String, course: String, group: String, current: String, offering: Offering?
    ) -> FormPage {
        let t = { Strings.text($0, language) }
        let others = (offering?.sessions ?? []).filter { $0.id != current }
        let options =
            [("", t(.chooseGroup))]
            + others.map { session in
                let seats = session.seatsLeft.map { " (\(Formatting.number($0, language)) \(t(.seatsLeft)))" } ?? ""
                return (session.id, session.name.text(language) + seats)
            }
        return FormPage(
            heading: "\(t(.changeGroup)) — \(name)", intro: "\(course)\(FormPage.colon(language))\(t(.currentGroup)) \(group).",
            action: "\(ids.personPath)/inscriptions/\(ids.registration)/groupe", submit: t(.changeGroup),
            fields: [.init(name: "sessionId", label: t(.newGroup), kind: .select, options: options.map { (value: $0.0, label: $0.1) })],
            links: [.init(href: ids.personPath, label: t(.backToRecord))])
    }

    func movePage(_ request: Request, ids: RegistrationIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await organisationPage(request, ids.organisation, ids: [ids.person, ids.registration]) { session, _ in
            guard let found = try await registration(session, ids: ids, language: language), found.confirmed else {
                return staffArea.notFound(request)
            }
            let offering = try await reference.offerings([found.offeringId])[found.offeringId]
            let form = moveForm(
                language, ids: ids, name: found.name, course: found.course, group: found.group, current: found.sessionId, offering: offering)
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func move(_ request: Request, ids: RegistrationIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        let back = "\(ids.personPath)/inscriptions/\(ids.registration)/groupe"
        return try await organisationPage(request, ids.organisation, ids: [ids.person, ids.registration], back: back) { session, _ in
            guard let found = try await registration(session, ids: ids, language: language), found.confirmed else {
                return staffArea.notFound(request)
            }
            let offering = try await reference.offerings([found.offeringId])[found.offeringId]
            var page = moveForm(
                language, ids: ids, name: found.name, course: found.course, group: found.group, current: found.sessionId, offering: offering)
            let chosen = form.text("sessionId", limit: 40)
            guard UUID(uuidString: chosen) != nil else {
                page.addErrors([Strings.text(.chooseGroupError, language)], to: "sessionId")
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let answer = try await acting(session) {
                try await enrolment.moveRegistration(path: .init(registrationId: ids.registration), body: .json(.init(sessionId: chosen)))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.personPath)?fait=groupe"])
            case .unprocessableContent, .badRequest, .conflict:
                return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
            default: return try staffArea.refusal(answer, request: request, back: back)
            }
        }
    }

    func cancelForm(_ language: Language, ids: RegistrationIDs, name: String, course: String, group: String, refundCents: Int64) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: "\(t(.cancellationTitle)) — \(name)",
            intro: "\(course), \(group). \(t(.staffCancelRefund))\(FormPage.colon(language))\(Formatting.money(cents: refundCents, language)).",
            action: "\(ids.personPath)/inscriptions/\(ids.registration)/annulation", submit: t(.cancellationSubmit),
            links: [.init(href: ids.personPath, label: t(.cancellationKeep))])
    }

    func cancelPage(_ request: Request, ids: RegistrationIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await organisationPage(request, ids.organisation, ids: [ids.person, ids.registration]) { session, _ in
            guard let found = try await registration(session, ids: ids, language: language), found.confirmed else {
                return staffArea.notFound(request)
            }
            let quote = try await acting(session) { try await enrolment.getCancellationQuote(path: .init(registrationId: ids.registration)) }
            guard case .ok(let ok) = quote else { return try staffArea.refusal(quote, request: request, back: request.uri.path) }
            let form = cancelForm(
                language, ids: ids, name: found.name, course: found.course, group: found.group, refundCents: try ok.body.json.refund.amountCents)
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func cancel(_ request: Request, ids: RegistrationIDs) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        let back = "\(ids.personPath)/inscriptions/\(ids.registration)/annulation"
        return try await organisationPage(request, ids.organisation, ids: [ids.person, ids.registration], back: back) { session, _ in
            guard try await registration(session, ids: ids, language: LanguageChoice.of(request)) != nil else { return staffArea.notFound(request) }
            let answer = try await acting(session) { try await enrolment.cancelRegistration(path: .init(registrationId: ids.registration)) }
            guard case .ok = answer else {
                if case .conflict = answer {
                    return pages.message(
                        .cannotCancelTitle, .cannotCancelText, language: LanguageChoice.of(request), path: ids.personPath, status: .conflict,
                        link: (ids.personPath, Strings.text(.backToRecord, LanguageChoice.of(request))), signedIn: true)
                }
                return try staffArea.refusal(answer, request: request, back: back)
            }
            return Response(status: .seeOther, headers: [.location: "\(ids.personPath)?fait=annulee"])
        }
    }

    // MARK: - Offerings and class lists

    func offeringsPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await organisationPage(request, organisation) { session, found in
            var all: [Offering] = []
            var cursor: String?
            for _ in 0..<10 {
                let answer = try await acting(session) {
                    try await catalogue.listStaffOfferings(path: .init(organisationId: found.id), query: .init(limit: 100, cursor: cursor))
                }
                guard case .ok(let ok) = answer else { return try staffArea.refusal(answer, request: request, back: request.uri.path) }
                let page = try ok.body.json
                all += page.items
                guard let next = page.nextCursor else { break }
                cursor = next
            }
            let desk = OfferingDeskPages.statusText
            let rows = all.map { offering -> [String: Any] in
                let path = "/staff/organisations/\(found.id)/offres/\(offering.id)"
                return [
                    "title": "\(offering.code) \(offering.title.text(language))", "href": path, "status": desk(offering.status, language),
                    "colon": FormPage.colon(language),
                    "sessions": offering.status == .draft
                        ? []
                        : offering.sessions.map { session -> [String: String] in
                            [
                                "name": session.name.text(language), "href": "\(path)/groupes/\(session.id)",
                                "dates": Formatting.days(session.startsOn, session.endsOn, language),
                                "seats": t(.registeredCount) + FormPage.colon(language)
                                    + "\(Formatting.number(session.confirmed ?? 0, language)) / \(Formatting.number(session.capacity, language))",
                            ]
                        },
                ]
            }
            return render(
                "staff-offerings", title: "\(t(.staffOfferingsTitle)) — \(found.name.text(language))",
                context: [
                    "heading": t(.staffOfferingsTitle), "organisationName": found.name.text(language), "offerings": rows,
                    "hasOfferings": !rows.isEmpty,
                    "organisationHref": "/staff/organisations/\(found.id)", "newHref": "/staff/organisations/\(found.id)/offres/nouvelle",
                ], request: request)
        }
    }

    typealias Group = CatalogueClient.Components.Schemas.Session

    /// The gate, the organisation, then the offering and its group named in the path (the organisation's own, or
    /// not found).
    func groupPage(
        _ request: Request, _ ids: SessionIDs, back: String? = nil,
        _ page: (BrowserSessionStore.Session, CatalogueReference.Organisation, Offering, Group) async throws -> Response
    ) async throws -> Response {
        try await organisationPage(request, ids.organisation, ids: [ids.offering, ids.session], back: back) { session, found in
            guard let offering = try await reference.offerings([ids.offering.lowercased()])[ids.offering.lowercased()],
                offering.sellingOrganisationId == found.id, let group = offering.sessions.first(where: { $0.id == ids.session.lowercased() })
            else { return staffArea.notFound(request) }
            return try await page(session, found, offering, group)
        }
    }

    static let groupNotices: [String: Text] = ["message": .groupMessageSentNotice]

    func classListPage(_ request: Request, ids: SessionIDs, csv: Bool) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let notice = kit.notice(request, Self.groupNotices, language)
        return try await groupPage(request, ids) { session, found, offering, group in
            let answer = try await acting(session) {
                try await enrolment.getClassList(
                    path: .init(sessionId: group.id), headers: .init(accept: [.init(contentType: csv ? .csv : .json)]))
            }
            guard case .ok(let ok) = answer else { return try staffArea.refusal(answer, request: request, back: request.uri.path) }
            if csv, case .csv(let body) = ok.body {
                return try await DocumentPages.csvFile(body, name: "liste-\(offering.code)-\(group.name.fr)")
            }
            let list = try ok.body.json
            let entries = list.items.enumerated().map { index, entry -> [String: Any] in
                [
                    "number": String(index + 1), "lastName": entry.lastName, "firstName": entry.firstName,
                    "birthDate": Formatting.day(entry.birthDate, language), "fileNumber": entry.fileNumber ?? "", "classGroup": entry.group ?? "",
                    "funding": entry.fundingSource ?? "", "answers": entry.fields ?? [],
                ]
            }
            let heading = "\(t(.classListTitle)) — \(offering.code) \(group.name.text(language))"
            let groupPath = ids.path
            var context: [String: Any] = [
                "heading": heading, "course": offering.title.text(language), "organisationName": found.name.text(language),
                "dates": Formatting.days(group.startsOn, group.endsOn, language),
                "count": t(.registeredCount) + FormPage.colon(language) + Formatting.number(entries.count, language), "entries": entries,
                "hasEntries": !entries.isEmpty, "csvHref": "\(groupPath)/liste.csv", "attendanceHref": "\(groupPath)/presences",
                "messageHref": "\(groupPath)/message", "offeringsHref": "/staff/organisations/\(found.id)/offres",
                "askedFields": list.askedFields.map { Self.classListFieldLabel($0, language) },
                "fieldsNote": list.askedFields.isEmpty ? "" : t(.classListFieldsNote),
            ]
            if let notice {
                // How many were written to, as enrolment counted them.
                let count = FormQuery(request.uri.query)["destinataires"].flatMap { Int($0.prefix(6)) } ?? 0
                context["notice"] = notice.replacingOccurrences(of: "{count}", with: Formatting.number(count, language))
            }
            return render("staff-class-list", title: heading, context: context, request: request)
        }
    }

    static func classListFieldLabel(_ field: EnrolmentClient.Components.Schemas.ClassListField, _ language: Language) -> String {
        ProfileForm.fieldLabels.first { $0.catalogue == field.rawValue }.map { Strings.text($0.label, language) } ?? field.rawValue
    }

    // MARK: - Importing records

    func importContext(_ language: Language, organisation: CatalogueReference.Organisation) -> [String: Any] {
        ["heading": Strings.text(.importTitle, language), "organisationName": organisation.name.text(language), "organisationId": organisation.id]
    }

    func importPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await organisationPage(request, organisation) { _, found in
            let visit = FormVisit(request, cookies: kit.cookies)
            var context = importContext(language, organisation: found)
            context["formToken"] = visit.secret.formToken
            return render(
                "staff-import", title: "\(Strings.text(.importTitle, language)) — \(found.name.text(language))", context: context, request: request,
                visit: visit)
        }
    }

    func importRecords(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let page = "/staff/organisations/\(organisation)/dossiers"
        let upload = try await UploadedForm(request, cookies: kit.cookies, maximumBytes: UploadedForm.maximumRecordsBytes)
        return try await organisationPage(request, organisation, back: page) { session, found in
            let visit = FormVisit(request, cookies: kit.cookies)
            var context = importContext(language, organisation: found)
            context["formToken"] = visit.secret.formToken
            func refused(_ messages: [String], status: HTTPResponse.Status) -> Response {
                context["fileErrors"] = messages
                context["hasErrors"] = true
                context["errors"] = messages.map { ["field": "file", "message": t(.importFile) + FormPage.colon(language) + $0] }
                return render(
                    "staff-import", title: t(.errorTitlePrefix) + t(.importTitle), context: context, request: request, path: page, status: status,
                    visit: visit)
            }
            guard !upload.file.isEmpty else { return refused([t(.importNoFile)], status: .unprocessableContent) }
            let answer = try await acting(session) {
                try await enrolment.importRecords(path: .init(organisationId: found.id), body: .csv(HTTPBody(upload.file)))
            }
            switch answer {
            case .ok(let ok):
                let report = try ok.body.json
                context["report"] =
                    [
                        "counts": [
                            ["label": t(.importAdded), "value": Formatting.number(report.added, language)],
                            ["label": t(.importUpdated), "value": Formatting.number(report.updated, language)],
                            ["label": t(.importUnchanged), "value": Formatting.number(report.unchanged, language)],
                            ["label": t(.importRetired), "value": Formatting.number(report.retired, language)],
                            ["label": t(.importRefused), "value": Formatting.number(report.rejected.count, language)],
                        ],
                        "hasRejected": !report.rejected.isEmpty,
                        "rejected": report.rejected.flatMap { row in
                            row.errors.map { error in
                                ["line": String(row.line), "column": error.field, "reason": error.message.text(language)]
                            }
                        },
                    ] as [String: Any]
                context["notice"] = report.rejected.isEmpty ? t(.importDone) : t(.importDoneWithRefusals)
                return render(
                    "staff-import", title: "\(t(.importTitle)) — \(found.name.text(language))", context: context, request: request, path: page,
                    visit: visit)
            case .unprocessableContent, .badRequest, .contentTooLarge:
                return refused(try ServiceProblem.of(answer).messages(language), status: .unprocessableContent)
            default:
                return try staffArea.refusal(answer, request: request, back: page)
            }
        }
    }
}
