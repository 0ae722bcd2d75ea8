import CatalogueClient
import Foundation
import Hummingbird
import IdentityClient
import OpenAPIRuntime
import ServiceKit

/// The staff area (`/staff/…`): the same portal and rules as the family pages, for people who hold a role in an
/// organisation. Every page first checks, through `gate`, that the account is staff, that its second factor is on
/// and that this session gave it; the services check again (staff routes refuse a token without it).
/// This first part: the staff home, and the platform administration of organisations and their staff.
struct StaffPages: Sendable {
    let kit: PageKit
    let reference: CatalogueReference
    var identity: IdentityClient.Client { kit.identity }
    var cookies: BrowserCookies { kit.cookies }
    var pages: Pages { kit.pages }

    typealias Account = IdentityClient.Components.Schemas.Account

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/staff") { request, _ in try await home(request) }
        group.post("/staff/code") { request, _ in try await stepUp(request) }
        group.get("/staff/organisations") { request, _ in try await organisationsPage(request) }
        group.get("/staff/organisations/:organisationId") { request, context in
            let notice = kit.notice(
                request,
                [
                    "role-donne": .roleGrantedNotice, "role-retire": .roleRevokedNotice, "coordonnees": .organisationDetailsNotice,
                    "cree": .organisationCreatedNotice,
                ],
                LanguageChoice.of(request))
            return try await organisationPage(request, id: try context.parameters.require("organisationId"), notice: notice)
        }
        group.get("/staff/organisations/nouvel-organisme") { request, _ in try await newOrganisationPage(request) }
        group.post("/staff/organisations/nouvel-organisme") { request, _ in try await createOrganisation(request) }
        group.get("/staff/organisations/:organisationId/coordonnees") { request, context in
            try await organisationDetailsPage(request, id: try context.parameters.require("organisationId"))
        }
        group.post("/staff/organisations/:organisationId/coordonnees") { request, context in
            try await saveOrganisationDetails(request, id: try context.parameters.require("organisationId"))
        }
        group.post("/staff/organisations/:organisationId/personnel") { request, context in
            try await grant(request, organisation: try context.parameters.require("organisationId"))
        }
        group.post("/staff/organisations/:organisationId/personnel/:accountId/retrait") { request, context in
            try await revoke(
                request, organisation: try context.parameters.require("organisationId"), account: try context.parameters.require("accountId"))
        }
    }

    // MARK: - The gate

    enum Gate {
        case open(BrowserSessionStore.Session, Account)
        case closed(Response)
    }

    /// Signed in, staff (or platform admin), second factor on, and given in this session; else the page that says
    /// what is missing (the sign-in, turning it on, or the code).
    /// `back`: the page to come back to once the code is given (a form's own page, not the address it posts to).
    func gate(_ request: Request, back: String? = nil) async throws -> Gate {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request), let account = try await kit.account(session) else {
            return .closed(kit.signInFirst(request))
        }
        guard account.admin || !account.staffRoles.isEmpty else {
            return .closed(
                pages.message(
                    .staffNotStaffTitle, .staffNotStaffText, language: language, path: back ?? request.uri.path, status: .forbidden,
                    link: ("/compte", Strings.text(.backToAccount, language)), signedIn: true))
        }
        guard account.secondFactor?.enabled == true else {
            return .closed(
                pages.message(
                    .staffNeedsSecondFactorTitle, .staffNeedsSecondFactorText, language: language, path: back ?? request.uri.path,
                    status: .forbidden, link: (SecondFactorPages.path, Strings.text(.secondFactorStart, language)), signedIn: true))
        }
        guard session.tokens.secondFactorAt != nil else {
            return .closed(
                kit.formResponse(stepUpForm(language, back: back ?? request.uri.path, stale: false), request: request, language: language))
        }
        return .open(session, account)
    }

    func stepUpForm(_ language: Language, back: String, stale: Bool) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.staffStepUpTitle), intro: t(stale ? .staffStepUpStale : .staffStepUpIntro), action: "/staff/code",
            submit: t(.verifySubmit),
            fields: [.init(name: "code", label: t(.appCode), autocomplete: "one-time-code", hint: t(.signInCodeHint))],
            hidden: [("back", back), ("stale", stale ? "true" : "")])
    }

    /// The code given again in this session: identity records it, the session's tokens are renewed to say so, and
    /// the person goes back where they were.
    func stepUp(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let back = Self.staffBack(form.text("back", limit: 600))
        guard let (secret, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.confirmSecondFactorAgain(body: .json(.init(code: form.text("code", limit: 32))))
        }
        guard case .noContent = answer else {
            return try kit.refused(
                answer, page: stepUpForm(language, back: back, stale: form.checked("stale")), request: request, language: language, signedIn: true)
        }
        _ = try await kit.currentSession(secret, refreshNow: true)
        return Response(status: .seeOther, headers: [.location: back])
    }

    /// Only a staff page of this site.
    static func staffBack(_ text: String) -> String {
        let back = LanguageChoice.safeBack(text)
        return back.hasPrefix("/staff") ? back : "/staff"
    }

    // MARK: - Home

    func home(_ request: Request) async throws -> Response {
        return try await staffPage(request) { _, account in
            let language = LanguageChoice.of(request)
            let names = try await reference.organisationNames(language)
            let organisations = account.staffRoles.map { role -> [String: String] in
                [
                    "id": role.organisationId, "name": names[role.organisationId] ?? role.organisationId,
                    "role": Strings.text(role.role == .admin ? .staffRoleAdmin : .staffRoleStaff, language),
                ]
            }.sorted { ($0["name"] ?? "") < ($1["name"] ?? "") }
            return pages.render(
                "staff", title: Strings.text(.staffTitle, language),
                context: [
                    "heading": Strings.text(.staffTitle, language), "isAdmin": account.admin, "hasOrganisations": !organisations.isEmpty,
                    "organisations": organisations,
                ], language: language, path: request.uri.path, signedIn: true)
        }
    }

    /// The gate, then `page` for whoever passes it; whoever does not gets the gate's own page.
    func staffPage(
        _ request: Request, back: String? = nil, _ page: (BrowserSessionStore.Session, Account) async throws -> Response
    ) async throws -> Response {
        switch try await gate(request, back: back) {
        case .open(let session, let account): try await page(session, account)
        case .closed(let response): response
        }
    }

    /// Identifiers that cannot exist are not found before the sign-in check, as on the family's pages.
    func notFoundUnlessIDs(_ ids: [String], _ request: Request) -> Response? {
        guard ids.allSatisfy({ UUID(uuidString: $0) != nil }) else {
            return pages.message(.notFoundTitle, .notFoundText, language: LanguageChoice.of(request), path: request.uri.path, status: .notFound)
        }
        return nil
    }

    /// What another organisation's object, or one that does not exist, answers to a signed-in staff member.
    func notFound(_ request: Request) -> Response {
        pages.message(
            .notFoundTitle, .notFoundText, language: LanguageChoice.of(request), path: request.uri.path, status: .notFound, signedIn: true)
    }

    // MARK: - Platform administration: organisations and their staff

    func kindText(_ kind: CatalogueClient.Components.Schemas.OrganisationKind, _ language: Language) -> String {
        let key: Text =
            switch kind {
            case .schoolServiceCentre: .kindSchoolServiceCentre
            case .school: .kindSchool
            case .municipality: .kindMunicipality
            case .college: .kindCollege
            case .privateSchool: .kindPrivateSchool
            }
        return Strings.text(key, language)
    }

    func organisationsPage(_ request: Request) async throws -> Response {
        return try await staffPage(request) { _, account in
            let language = LanguageChoice.of(request)
            guard account.admin else { return notFound(request) }
            let organisations = try await reference.organisations()
            let names = Dictionary(organisations.map { ($0.id, $0.name.text(language)) }, uniquingKeysWith: { first, _ in first })
            let rows = organisations.map { organisation -> [String: String] in
                [
                    "id": organisation.id, "name": organisation.name.text(language), "kind": kindText(organisation.kind, language),
                    "shortCode": organisation.shortCode, "parent": organisation.parentId.flatMap { names[$0] } ?? "",
                ]
            }.sorted { ($0["name"] ?? "") < ($1["name"] ?? "") }
            return pages.render(
                "staff-organisations", title: Strings.text(.staffOrganisationsTitle, language),
                context: ["heading": Strings.text(.staffOrganisationsTitle, language), "organisations": rows], language: language,
                path: request.uri.path, signedIn: true)
        }
    }

    /// An organisation's staff (its staff and admins see the list; platform admins grant and revoke) and the log
    /// of its roles (its admins and platform admins).
    func organisationPage(
        _ request: Request, id: String, notice: String?, email: String = "", role: String = "staff", emailError: String? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        if let refused = notFoundUnlessIDs([id], request) { return refused }
        let path = "/staff/organisations/\(id)"
        return try await staffPage(request, back: path) { session, account in
            let organisations = try await reference.organisations()
            guard let organisation = organisations.first(where: { $0.id == id.lowercased() }) else { return notFound(request) }
            let (members, log) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                async let members = identity.listStaff(path: .init(organisationId: organisation.id))
                async let log = identity.listStaffChanges(path: .init(organisationId: organisation.id), query: .init(limit: 50))
                return (try await members, try await log)
            }
            // Identity decides who sees what: another organisation's staff get 404, as for anything of theirs.
            guard case .ok(let membersOK) = members else { return notFound(request) }
            let names = Dictionary(organisations.map { ($0.id, $0.name.text(language)) }, uniquingKeysWith: { first, _ in first })
            let visit = FormVisit(request, cookies: cookies)
            let roleText = { (admin: Bool) in Strings.text(admin ? .staffRoleAdmin : .staffRoleStaff, language) }
            let memberRows = try membersOK.body.json.items.map { member -> [String: Any] in
                let name = "\(member.firstName) \(member.lastName)"
                return [
                    "id": member.id, "name": name, "email": member.email, "role": roleText(member.role == .admin),
                    "since": DateText.day(member.grantedAt, language), "organisationId": organisation.id, "formToken": visit.secret.formToken,
                    "revokeLabel": "\(Strings.text(.revokeRole, language)) — \(name)", "canGrant": account.admin,
                ]
            }
            var context: [String: Any] = [
                "heading": organisation.name.text(language), "kind": kindText(organisation.kind, language), "shortCode": organisation.shortCode,
                "organisationId": organisation.id, "formToken": visit.secret.formToken, "hasMembers": !memberRows.isEmpty,
                "members": memberRows, "canGrant": account.admin,
                "backHref": account.admin ? "/staff/organisations" : "/staff",
                "backLabel": Strings.text(account.admin ? .backToOrganisations : .backToStaff, language),
            ]
            if let parent = organisation.parentId.flatMap({ names[$0] }) { context["parent"] = parent }
            let notSet = Strings.text(.notSet, language)
            context["address"] =
                organisation.address.map { "\($0.street), \($0.city) (\($0.province.rawValue)) \($0.postalCode)" } ?? notSet
            context["gstNumber"] = organisation.gstNumber ?? notSet
            context["qstNumber"] = organisation.qstNumber ?? notSet
            context["enterpriseNumber"] = organisation.enterpriseNumber ?? notSet
            context["canEditDetails"] = Self.administers(account, organisation, in: organisations)
            if case .ok(let logOK) = log {
                let changeText: [IdentityClient.Components.Schemas.StaffChange.ChangePayload: Text] = [
                    .granted: .changeGranted, .roleChanged: .changeRoleChanged, .revoked: .changeRevoked,
                ]
                let rows = try logOK.body.json.items.map { change -> [String: String] in
                    [
                        "when": DateText.dayAndTime(change.changedAt, language),
                        "person": change.accountName ?? Strings.text(.closedAccount, language),
                        "change": Strings.text(changeText[change.change] ?? .changeGranted, language), "role": roleText(change.role == .admin),
                        "by": change.changedByName ?? Strings.text(.closedAccount, language),
                    ]
                }
                context["canSeeLog"] = true
                context["hasLog"] = !rows.isEmpty
                context["log"] = rows
            }
            if let notice { context["notice"] = notice }
            if !email.isEmpty { context["email"] = email }
            context["roleAdmin"] = role == "admin"
            if let emailError {
                context["emailError"] = emailError
                context["hasErrors"] = true
                context["errors"] = [["field": "email", "message": Strings.text(.email, language) + FormPage.colon(language) + emailError]]
            }
            var response = pages.render(
                "staff-organisation",
                title: (emailError == nil ? "" : Strings.text(.errorTitlePrefix, language)) + organisation.name.text(language), context: context,
                language: language, path: path, status: status, signedIn: true)
            visit.setCookie(on: &response)
            return response
        }
    }

    func grant(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let page = "/staff/organisations/\(organisation)"
        return try await staffPage(request, back: page) { session, _ in
            let email = form.text("email")
            let roleText = form.text("role", limit: 10) == "admin" ? "admin" : "staff"
            let role: IdentityClient.Operations.GrantStaffRole.Input.Query.RolePayload = roleText == "admin" ? .admin : .staff
            let found = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await identity.findAccounts(query: .init(email: email))
            }
            guard case .ok(let ok) = found else { return try refusal(found, request: request, back: page) }
            guard let person = try ok.body.json.items.first else {
                return try await organisationPage(
                    request, id: organisation, notice: nil, email: email, role: roleText, emailError: Strings.text(.staffAccountUnknown, language),
                    status: .unprocessableContent)
            }
            let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await identity.grantStaffRole(path: .init(organisationId: organisation, accountId: person.id), query: .init(role: role))
            }
            guard case .noContent = answer else { return try refusal(answer, request: request, back: page) }
            // Back to the organisation's page by GET: reloading it does not grant again.
            return Response(status: .seeOther, headers: [.location: "\(page)?fait=role-donne"])
        }
    }

    func revoke(_ request: Request, organisation: String, account: String) async throws -> Response {
        _ = try await PostedForm(request, cookies: cookies)
        let page = "/staff/organisations/\(organisation)"
        return try await staffPage(request, back: page) { session, _ in
            let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await identity.revokeStaffRole(path: .init(organisationId: organisation, accountId: account))
            }
            guard case .noContent = answer else { return try refusal(answer, request: request, back: page) }
            return Response(status: .seeOther, headers: [.location: "\(page)?fait=role-retire"])
        }
    }

    /// What a refused staff action shows: a code older than 15 minutes (or none) asks it again and comes back to
    /// `back`; an ended session, the sign-in; anything else (403, 404) the not-found page, as what another
    /// organisation holds is not shown. An answer the document does not describe (a 5xx) fails the page.
    func refusal(_ answer: some Sendable, request: Request, back: String) throws -> Response {
        let language = LanguageChoice.of(request)
        let problem = try ServiceProblem.of(answer)
        switch problem.type {
        case "/problems/second-factor-stale", "/problems/second-factor-required":
            return kit.formResponse(
                stepUpForm(language, back: back, stale: true), request: request, language: language, status: .forbidden, signedIn: true)
        case "/problems/unauthenticated", "/problems/invalid-token":
            return kit.signInFirst(request)
        default:
            return pages.message(.notFoundTitle, .notFoundText, language: language, path: back, status: .notFound, signedIn: true)
        }
    }
}
