import CatalogueClient
import EnrolmentClient
import PaymentClient
import Foundation
import Hummingbird
import ServiceKit

/// The family's pages: the children a guardian registers and the households the organisations know them in; a child
/// added by hand, linked through an organisation's records (file number + birth date, with the names where the
/// organisation asks them), or a file number asked for; each child's page with their profile. Enrolment decides who
/// sees what: another family's child is "not found" here as there.
struct FamilyPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let payment: PaymentClient.Client
    let reference: CatalogueReference

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/enfants") { request, _ in try await childrenPage(request) }
        group.get("/enfants/ajouter") { request, _ in try await kit.signedInForm(request) { addForm($0) } }
        group.post("/enfants/ajouter") { request, _ in try await addChild(request) }
        group.get("/enfants/lier") { request, _ in try await kit.signedInForm(request) { try await linkForm($0) } }
        group.post("/enfants/lier") { request, _ in try await linkChild(request) }
        group.get("/enfants/demande") { request, _ in try await kit.signedInForm(request) { try await requestForm($0) } }
        group.post("/enfants/demande") { request, _ in try await requestFile(request) }
        group.get("/enfants/:participantId") { request, context in
            try await childPage(request, id: context.parameters.get("participantId") ?? "")
        }
        group.get("/enfants/:participantId/modifier") { request, context in
            try await editPage(request, id: context.parameters.get("participantId") ?? "")
        }
        group.post("/enfants/:participantId/modifier") { request, context in
            try await editChild(request, id: context.parameters.get("participantId") ?? "")
        }
        group.get("/enfants/:participantId/profil") { request, context in
            try await profilePage(request, id: context.parameters.get("participantId") ?? "")
        }
        group.post("/enfants/:participantId/profil") { request, context in
            try await saveProfile(request, id: context.parameters.get("participantId") ?? "")
        }
        group.get("/enfants/:participantId/retirer") { request, context in
            try await removePage(request, id: context.parameters.get("participantId") ?? "")
        }
        group.post("/enfants/:participantId/retirer") { request, context in
            try await removeChild(request, id: context.parameters.get("participantId") ?? "")
        }
    }

    /// What a notice code in `/enfants?fait=…` says (the page a form sends to after it succeeded).
    static let notices: [String: Text] = [
        "ajoute": .childAddedNotice, "lie": .childLinkedNotice, "attente": .linkPendingNotice, "demande": .fileRequestedNotice,
        "retire": .childRemovedNotice, "modifie": .childUpdatedNotice, "profil": .profileSavedNotice,
    ]

    // MARK: - The list

    func childrenPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let (participants, households, requests) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            async let participants = enrolment.listParticipants(query: .init(limit: 100))
            async let households = enrolment.listHouseholds()
            async let requests = enrolment.listMyRecordRequests()
            return (try await participants, try await households, try? await requests)
        }
        guard case .ok(let listed) = participants, case .ok(let housed) = households else {
            if case .unauthorized = participants { return kit.signInFirst(request) }
            throw PageErrors.Upstream(status: 502)
        }
        let names = try await reference.organisationNames(language)
        let children = try listed.body.json.items.map { child -> [String: Any] in
            withoutEmptyTexts([
                "id": child.id, "name": "\(child.firstName) \(child.lastName)", "born": Formatting.day(child.birthDate, language),
                "organisation": child.record.map { names[$0.organisationId] ?? "" } ?? "", "fileNumber": child.record?.fileNumber ?? "",
                "school": child.record?.school ?? "", "group": child.record?.group ?? "",
            ])
        }
        let householdValues = try housed.body.json.items.map { household -> [String: Any] in
            let organisation: String = household.organisationId.map { names[$0] ?? "" } ?? Strings.text(.ownHousehold, language)
            let residency: String = household.residency.map { Strings.text($0 == .resident ? .resident : .nonResident, language) } ?? ""
            let members: [String] = household.members.map { "\($0.firstName) \($0.lastName)" }
            let values: [String: Any] = [
                "id": household.id, "organisation": organisation, "address": household.address ?? "", "phone": household.phone ?? "",
                "residency": residency, "members": members.joined(separator: ", "),
            ]
            return withoutEmptyTexts(values)
        }
        // What was asked of an organisation and where it stands (Baie-Comeau's "formulaire de demande").
        // The list of requests is a side note: without it, the page still shows the family.
        let asked = try? requests?.ok.body.json.items
        let requestValues = (asked ?? []).map { request -> [String: Any] in
            let status: String =
                switch request.status {
                case .pending: Strings.text(.requestPending, language)
                case .approved:
                    Strings.text(.requestApproved, language)
                        + (request.fileNumber.map { " — " + Strings.text(.fileNumber, language) + " " + $0 } ?? "")
                case .rejected: Strings.text(.requestRejected, language)
                }
            return withoutEmptyTexts([
                "id": request.id, "name": "\(request.firstName) \(request.lastName)", "organisation": names[request.organisationId] ?? "",
                "kind": Strings.text(request.kind == .link ? .requestKindLink : .requestKindNew, language),
                "date": DateText.day(request.createdAt, language), "status": status,
            ])
        }
        var context: [String: Any] = [
            "heading": Strings.text(.childrenTitle, language), "children": children, "hasChildren": !children.isEmpty,
            "households": householdValues, "hasHouseholds": !householdValues.isEmpty,
            "requests": requestValues, "hasRequests": !requestValues.isEmpty,
        ]
        if let notice = kit.notice(request, Self.notices, language) { context["notice"] = notice }
        return kit.pages.render(
            "children", title: Strings.text(.childrenTitle, language), context: context, language: language, path: "/enfants", signedIn: true)
    }

    // MARK: - Adding, linking, asking

    func addForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.addChildTitle), intro: t(.addChildIntro), action: "/enfants/ajouter", submit: t(.addChildSubmit),
            fields: [
                .init(name: "firstName", label: t(.firstName), autocomplete: "off"),
                .init(name: "lastName", label: t(.lastName), autocomplete: "off"),
                .init(name: "birthDate", label: t(.birthDate), hint: t(.childBirthDateHint)),
            ],
            links: [.init(href: "/enfants", label: t(.backToChildren))])
    }

    func addChild(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        var page = addForm(language)
        page.keep(form)
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.createParticipant(
                body: .json(
                    .init(
                        firstName: form.text("firstName", limit: 100), lastName: form.text("lastName", limit: 100),
                        birthDate: form.text("birthDate", limit: 10))))
        }
        if case .created = answer { return Response(status: .seeOther, headers: [.location: "/enfants?fait=ajoute"]) }
        return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
    }

    func organisationField(_ language: Language, hint: Text) async throws -> FormPage.Field {
        let organisations = try await reference.organisations()
        let sorted = organisations.map { ($0.id, $0.name.text(language)) }.sorted {
            $0.1.compare($1.1, locale: Locale(identifier: language == .fr ? "fr_CA" : "en_CA")) == .orderedAscending
        }
        return .init(
            name: "organisationId", label: Strings.text(.organisation, language), kind: .select, hint: Strings.text(hint, language),
            options: [("", Strings.text(.chooseOrganisation, language))] + sorted.map { ($0.0, $0.1) })
    }

    func linkForm(_ language: Language) async throws -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.linkChildTitle), intro: t(.linkChildIntro), action: "/enfants/lier", submit: t(.linkChildSubmit),
            fields: [
                try await organisationField(language, hint: .organisationHint),
                .init(name: "fileNumber", label: t(.fileNumber), autocomplete: "off", hint: t(.fileNumberHint)),
                .init(name: "birthDate", label: t(.birthDate), hint: t(.childBirthDateHint)),
                .init(name: "firstName", label: t(.firstName), autocomplete: "off", hint: t(.namesAsInFileHint), required: false),
                .init(name: "lastName", label: t(.lastName), autocomplete: "off", required: false),
            ],
            links: [.init(href: "/enfants/demande", label: t(.noFileNumber)), .init(href: "/enfants", label: t(.backToChildren))])
    }

    func linkChild(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        var page = try await linkForm(language)
        page.keep(form)
        let firstName = form.text("firstName", limit: 100)
        let lastName = form.text("lastName", limit: 100)
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.linkParticipant(
                body: .json(
                    .init(
                        organisationId: form.text("organisationId", limit: 36), fileNumber: form.text("fileNumber", limit: 20),
                        birthDate: form.text("birthDate", limit: 10), firstName: firstName.isEmpty ? nil : firstName,
                        lastName: lastName.isEmpty ? nil : lastName)))
        }
        switch answer {
        case .ok: return Response(status: .seeOther, headers: [.location: "/enfants?fait=lie"])
        case .accepted: return Response(status: .seeOther, headers: [.location: "/enfants?fait=attente"])
        default: return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
        }
    }

    func requestForm(_ language: Language) async throws -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.requestFileTitle), intro: t(.requestFileIntro), action: "/enfants/demande", submit: t(.requestFileSubmit),
            fields: [
                try await organisationField(language, hint: .organisationHint),
                .init(name: "firstName", label: t(.firstName), autocomplete: "off"),
                .init(name: "lastName", label: t(.lastName), autocomplete: "off"),
                .init(name: "birthDate", label: t(.birthDate), hint: t(.childBirthDateHint)),
                .init(name: "address", label: t(.address), autocomplete: "street-address"),
            ],
            links: [.init(href: "/enfants", label: t(.backToChildren))])
    }

    func requestFile(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        var page = try await requestForm(language)
        page.keep(form)
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.requestRecord(
                body: .json(
                    .init(
                        organisationId: form.text("organisationId", limit: 36), firstName: form.text("firstName", limit: 100),
                        lastName: form.text("lastName", limit: 100), birthDate: form.text("birthDate", limit: 10),
                        address: form.text("address", limit: 500))))
        }
        if case .created = answer { return Response(status: .seeOther, headers: [.location: "/enfants?fait=demande"]) }
        return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
    }

    // MARK: - One child

    func childPage(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let path = "/enfants/\(id)"
        // An identifier that cannot exist is not found, signed in or not.
        guard UUID(uuidString: id) != nil else {
            return kit.pages.message(.notFoundTitle, .notFoundText, language: language, path: path, status: .notFound)
        }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        // The child first: the profile (health fields) is asked for only once the child is known to be this family's.
        let childAnswer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.getParticipant(path: .init(participantId: id))
        }
        guard case .ok(let found) = childAnswer else {
            if case .unauthorized = childAnswer { return kit.signInFirst(request) }
            return kit.pages.message(.notFoundTitle, .notFoundText, language: language, path: path, status: .notFound)
        }
        let child = try found.body.json
        let profileAnswer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.getParticipantProfile(path: .init(participantId: id))
        }
        guard case .ok(let profileFound) = profileAnswer else { throw PageErrors.Upstream(status: 502) }
        let profile: EnrolmentClient.Components.Schemas.ParticipantProfile? = try profileFound.body.json
        let names = try await reference.organisationNames(language)
        // What this guardian paid for the child (CSSPO's history): another guardian's payments never show.
        let paidAnswer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await payment.listParticipantPayments(path: .init(participantId: id))
        }
        let paid = try? paidAnswer.ok.body.json.items
        let t = { Strings.text($0, language) }
        func rows(_ pairs: [(Text, String?)]) -> [[String: String]] {
            pairs.map { ["label": t($0.0), "value": ($0.1?.isEmpty == false ? $0.1! : t(.notGiven))] }
        }
        let contact = profile?.emergencyContact.map { [$0.name, $0.relationship ?? "", $0.phone].filter { !$0.isEmpty }.joined(separator: ", ") }
        let context: [String: Any] = withoutEmptyTexts([
            "heading": "\(child.firstName) \(child.lastName)", "born": Formatting.day(child.birthDate, language),
            "organisation": child.record.map { names[$0.organisationId] ?? "" } ?? "", "fileNumber": child.record?.fileNumber ?? "",
            "school": rows([
                (.school, profile?.school ?? child.record?.school), (.level, profile?.level ?? child.record?.level),
                (.group, profile?.group ?? child.record?.group), (.teacher, profile?.teacher), (.permanentCode, profile?.permanentCode),
            ]),
            "health": rows([
                (.allergies, profile?.allergies), (.medicalConditions, profile?.medicalConditions),
                (.healthInsuranceNumber, profile?.healthInsuranceNumber.map { Self.masked($0, language) }),
                (.lunchArrangement, profile?.lunchArrangement),
            ]),
            "contact": rows([(.emergencyContact, contact), (.volunteerWishes, profile?.volunteerWishes)]),
            "notice": kit.notice(request, Self.notices, language) ?? "",
        ]).merging([
            // Added by hand: the family corrects or removes the child; linked: the organisation keeps the file.
            "addedByHand": child.record == nil, "childId": child.id, "profileHref": "/enfants/\(child.id)/profil",
            "hasPaid": !(paid ?? []).isEmpty, "paymentsUnavailable": paid == nil,
            "paid": (paid ?? []).map { line -> [String: Any] in
                withoutEmptyTexts([
                    "title": line.title.text(language) + " (" + line.offeringCode + ")", "date": DateText.day(line.paidAt, language),
                    "total": Formatting.money(cents: line.total.amountCents, language),
                    "refunded": (line.paymentRefunded?.amountCents ?? 0) > 0
                        ? Strings.text(.refunded, language) + " " + Formatting.money(cents: line.paymentRefunded?.amountCents ?? 0, language) : "",
                    "receiptHref": line.receiptNumber == nil ? "" : "/paiements/\(line.paymentId)/recu", "receiptNumber": line.receiptNumber ?? "",
                ])
            },
        ]) { $1 }
        return kit.pages.render(
            "child", title: "\(child.firstName) \(child.lastName)", context: context, language: language, path: path, signedIn: true)
    }

    // MARK: - The profile

    /// The profile as enrolment has it, with its version (sent back as `If-Match`, so another guardian's save is
    /// never overwritten unseen).
    func profile(_ id: String, token: String) async throws -> (ProfileForm.Profile?, String?) {
        let answer = try await OnBehalfOfVisitor.acting(with: token) { try await enrolment.getParticipantProfile(path: .init(participantId: id)) }
        switch answer {
        case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
        case .notFound: throw HTTPError(.notFound)
        default: throw PageErrors.Upstream(status: 502)
        }
    }

    func profileForm(_ language: Language, id: String, name: String, profile: ProfileForm.Profile?, version: String?) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.profileTitle).replacingOccurrences(of: "{name}", with: name), intro: t(.profileIntro), action: "/enfants/\(id)/profil",
            submit: t(.profileSubmit), fields: ProfileForm.fields(ProfileForm.whole, profile: profile, required: false, language: language),
            hidden: version.map { [("version", $0)] } ?? [], links: [.init(href: "/enfants/\(id)", label: t(.backToChildren))])
    }

    func profilePage(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        // An identifier that cannot exist is not found, signed in or not.
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard let child = try await child(id, token: session.tokens.accessToken) else { throw HTTPError(.notFound) }
        let (profile, version) = try await profile(id, token: session.tokens.accessToken)
        let page = profileForm(language, id: id, name: "\(child.firstName) \(child.lastName)", profile: profile, version: version)
        return kit.formResponse(page, request: request, language: language, signedIn: true)
    }

    func saveProfile(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard let child = try await child(id, token: session.tokens.accessToken) else { throw HTTPError(.notFound) }
        let name = "\(child.firstName) \(child.lastName)"
        // What the form does not show (the address, the number left empty) is kept as the version read.
        let (current, currentVersion) = try await profile(id, token: session.tokens.accessToken)
        // Another guardian's version, to change again: never overwritten unseen.
        func changedElsewhere() -> Response {
            var page = profileForm(language, id: id, name: name, profile: current, version: currentVersion)
            page.formErrors = [Strings.text(.profileChangedElsewhere, language)]
            return kit.formResponse(page, request: request, language: language, status: .conflict, signedIn: true)
        }
        // A profile saved since the form was shown (or a form without its version).
        if let currentVersion, form.text("version", limit: 64) != currentVersion { return changedElsewhere() }
        let profile = ProfileForm.profile(from: form, names: ProfileForm.whole, keeping: current)
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.replaceParticipantProfile(
                path: .init(participantId: id), headers: .init(ifMatch: currentVersion),
                body: .json(profile))
        }
        switch answer {
        case .ok: return Response(status: .seeOther, headers: [.location: "/enfants/\(id)?fait=profil"])
        case .notFound: throw HTTPError(.notFound)
        case .preconditionFailed, .preconditionRequired: return changedElsewhere()  // saved by another in between
        default:
            var page = profileForm(language, id: id, name: name, profile: current, version: currentVersion)
            page.keep(form)
            let found = try ServiceProblem.of(answer)
            for error in found.errors {
                page.addErrors([error.message.text(for: language)], to: ProfileForm.formField(error.field) ?? "")
            }
            if found.errors.isEmpty { page.formErrors.append(found.summary) }
            return kit.formResponse(page, request: request, language: language, status: found.pageStatus, signedIn: true)
        }
    }

    // MARK: - Correcting and removing a child added by hand

    func editForm(_ language: Language, id: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.editChildTitle), action: "/enfants/\(id)/modifier", submit: t(.editChildSubmit),
            fields: [
                .init(name: "firstName", label: t(.firstName), autocomplete: "off"),
                .init(name: "lastName", label: t(.lastName), autocomplete: "off"),
                .init(name: "birthDate", label: t(.birthDate), hint: t(.childBirthDateHint)),
            ],
            links: [.init(href: "/enfants/\(id)", label: t(.backToChildren))])
    }

    /// This family's child, or nil (another family's, or none: the page then says "not found").
    func child(_ id: String, token: String) async throws -> EnrolmentClient.Components.Schemas.Participant? {
        guard UUID(uuidString: id) != nil else { return nil }
        let answer = try await OnBehalfOfVisitor.acting(with: token) { try await enrolment.getParticipant(path: .init(participantId: id)) }
        if case .ok(let found) = answer { return try found.body.json }
        return nil
    }

    func editPage(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        // An identifier that cannot exist is not found, signed in or not.
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard let child = try await child(id, token: session.tokens.accessToken) else { throw HTTPError(.notFound) }
        var page = editForm(language, id: id)
        guard child.record == nil else {
            return kit.pages.message(
                .editChildTitle, .linkedChildHint, language: language, path: request.uri.path, status: .conflict,
                link: ("/enfants/\(id)", Strings.text(.backToChildren, language)))
        }
        for (index, value) in [child.firstName, child.lastName, child.birthDate].enumerated() { page.fields[index].value = value }
        return kit.formResponse(page, request: request, language: language, signedIn: true)
    }

    func editChild(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        var page = editForm(language, id: id)
        page.keep(form)
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.updateParticipant(
                path: .init(participantId: id),
                body: .json(
                    .init(
                        firstName: form.text("firstName", limit: 100), lastName: form.text("lastName", limit: 100),
                        birthDate: form.text("birthDate", limit: 10))))
        }
        switch answer {
        case .ok: return Response(status: .seeOther, headers: [.location: "/enfants/\(id)?fait=modifie"])
        case .notFound: throw HTTPError(.notFound)
        default: return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
        }
    }

    func removeForm(_ language: Language, id: String, name: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.removeChildTitle), intro: t(.removeChildIntro).replacingOccurrences(of: "{name}", with: name),
            action: "/enfants/\(id)/retirer", submit: t(.removeChildSubmit), fields: [],
            links: [.init(href: "/enfants/\(id)", label: t(.keepChild))])
    }

    func removePage(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        // An identifier that cannot exist is not found, signed in or not.
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard let child = try await child(id, token: session.tokens.accessToken) else { throw HTTPError(.notFound) }
        return kit.formResponse(
            removeForm(language, id: id, name: "\(child.firstName) \(child.lastName)"), request: request, language: language, signedIn: true)
    }

    func removeChild(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        _ = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard let child = try await child(id, token: session.tokens.accessToken) else { throw HTTPError(.notFound) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.removeParticipant(path: .init(participantId: id))
        }
        switch answer {
        case .noContent: return Response(status: .seeOther, headers: [.location: "/enfants?fait=retire"])
        case .notFound: throw HTTPError(.notFound)
        default:
            let page = removeForm(language, id: id, name: "\(child.firstName) \(child.lastName)")
            return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
        }
    }

    /// A health-insurance number on a page: its last four characters, in words a screen reader says well (the whole
    /// number stays sealed in enrolment).
    static func masked(_ number: String, _ language: Language) -> String {
        let compact = number.filter { !$0.isWhitespace }
        return Strings.text(.endingIn, language) + " " + (compact.count <= 4 ? "…" : String(compact.suffix(4)))
    }

}

extension FormPage {
    /// What the person typed, shown again with the errors (never a password).
    mutating func keep(_ form: PostedForm) {
        for index in fields.indices where fields[index].kind != .password {
            fields[index].value = form.text(fields[index].name, limit: 2000)
            fields[index].checked = form.checked(fields[index].name)
        }
    }
}

extension EnrolmentClient.Client {
    /// The signed-in family's children by id, as "First Last" (the waiting lists and registrations name them).
    func childNames() async throws -> [String: String] {
        guard case .ok(let children) = try await listParticipants(query: .init(limit: 100)) else { throw PageErrors.Upstream(status: 502) }
        return Dictionary(
            try children.body.json.items.map { ($0.id, "\($0.firstName) \($0.lastName)") }, uniquingKeysWith: { first, _ in first })
    }
}
