import EnrolmentClient
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Waiting lists: a child put on a full group's list from the activity's page, the family's entries with their
/// position, a seat offered to them (enrolment holds it until the offer ends) taken into the cart, an entry left.
struct WaitlistPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let reference: CatalogueReference

    typealias Entry = EnrolmentClient.Components.Schemas.WaitlistEntry

    static let notices: [String: Text] = ["inscrit": .waitlistJoinedNotice, "quitte": .waitlistLeftNotice]

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/listes-attente") { request, _ in try await listPage(request) }
        group.post("/listes-attente/inscrire") { request, _ in try await join(request) }
        group.post("/listes-attente/:entryId/quitter") { request, context in
            try await leave(request, entryId: context.parameters.get("entryId") ?? "")
        }
        group.post("/listes-attente/:entryId/reserver") { request, context in
            try await claim(request, entryId: context.parameters.get("entryId") ?? "")
        }
    }

    func listPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let token = session.tokens.accessToken
        let (entries, names) = try await OnBehalfOfVisitor.acting(with: token) {
            guard case .ok(let listed) = try await enrolment.listWaitlistEntries() else { throw PageErrors.Upstream(status: 502) }
            return (try listed.body.json.items, try await enrolment.childNames())
        }
        let offerings = try await reference.offerings(entries.map(\.offeringId))
        let visit = FormVisit(request, cookies: kit.cookies)
        let items = entries.map { entry -> [String: Any] in
            let offering = offerings[entry.offeringId]
            let status: String =
                switch entry.status {
                case .waiting:
                    entry.position.map {
                        Strings.text(.waitlistWaiting, language).replacingOccurrences(of: "{position}", with: Formatting.number($0, language))
                    } ?? Strings.text(.waitlistWaitingNoPosition, language)
                case .offered:
                    Strings.text(.waitlistOffered, language).replacingOccurrences(
                        of: "{until}", with: entry.offerExpiresAt.map { DateText.dayAndTime($0, language) } ?? "")
                case .claimed: Strings.text(.waitlistClaimed, language)
                case .expired: Strings.text(.waitlistExpired, language)
                case .withdrawn: Strings.text(.waitlistWithdrawn, language)
                }
            return withoutEmptyTexts([
                "id": entry.id, "participant": names[entry.participantId] ?? "", "title": offering?.title.text(language) ?? "",
                "offeringId": entry.offeringId,
                "session": offering?.sessions.first { $0.id == entry.sessionId }?.name.text(language) ?? "", "status": status,
            ]).merging(["offered": entry.status == .offered, "open": entry.status == .waiting || entry.status == .offered]) { $1 }
        }
        var context: [String: Any] = [
            "heading": Strings.text(.waitlistTitle, language), "entries": items, "hasEntries": !items.isEmpty,
            "formToken": visit.secret.formToken,
        ]
        if let notice = kit.notice(request, Self.notices, language) { context["notice"] = notice }
        var response = kit.pages.render(
            "waitlist", title: Strings.text(.waitlistTitle, language), context: context, language: language, path: "/listes-attente",
            signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    /// From the activity's page: a child on a full group's list.
    func join(_ request: Request) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let offeringId = form.text("offeringId", limit: 36)
        let sessionId = form.text("sessionId", limit: 36)
        guard UUID(uuidString: sessionId) != nil, UUID(uuidString: offeringId) != nil else { throw HTTPError(.notFound) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.joinWaitlist(
                path: .init(sessionId: sessionId), body: .json(.init(participantId: form.text("participantId", limit: 36))))
        }
        if case .created = answer { return Response(status: .seeOther, headers: [.location: "/listes-attente?fait=inscrit"]) }
        if case .notFound = answer { throw HTTPError(.notFound) }
        let problem = try ServiceProblem.of(answer)
        let language = LanguageChoice.of(request)
        return kit.pages.message(
            .waitlistRefusedTitle, .waitlistRefusedText, language: language, path: "/activites/\(offeringId)", status: problem.pageStatus,
            link: ("/activites/\(offeringId)", Strings.text(.backToOffering, language)),
            details: problem.messages(language))
    }

    func leave(_ request: Request, entryId: String) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard UUID(uuidString: entryId) != nil else { throw HTTPError(.notFound) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.leaveWaitlist(path: .init(entryId: entryId))
        }
        switch answer {
        case .noContent: return Response(status: .seeOther, headers: [.location: "/listes-attente?fait=quitte"])
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return kit.signInFirst(request)
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
    }

    /// A seat offered: into the cart for this child and group (the checkout takes over the seat enrolment holds).
    func claim(_ request: Request, entryId: String) async throws -> Response {
        _ = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let token = session.tokens.accessToken
        let entries = try await OnBehalfOfVisitor.acting(with: token) {
            guard case .ok(let listed) = try await enrolment.listWaitlistEntries() else { throw PageErrors.Upstream(status: 502) }
            return try listed.body.json.items
        }
        guard let entry = entries.first(where: { $0.id == entryId }) else { throw HTTPError(.notFound) }
        guard entry.status == .offered else {
            return kit.pages.message(
                .waitlistNoOfferTitle, .waitlistNoOfferText, language: language, path: "/listes-attente", status: .conflict,
                link: ("/listes-attente", Strings.text(.waitlistTitle, language)))
        }
        let answer = try await OnBehalfOfVisitor.acting(with: token) {
            try await enrolment.addCartLine(
                body: .json(.init(participantId: entry.participantId, offeringId: entry.offeringId, sessionId: entry.sessionId)))
        }
        if case .created = answer { return Response(status: .seeOther, headers: [.location: "/panier?fait=offre"]) }
        let problem = try ServiceProblem.of(answer)
        if problem.type.hasSuffix("/already-in-cart") { return Response(status: .seeOther, headers: [.location: "/panier?fait=offre"]) }
        return kit.pages.message(
            .cannotAddTitle, .cannotAddText, language: language, path: "/listes-attente", status: problem.pageStatus,
            link: ("/listes-attente", Strings.text(.waitlistTitle, language)),
            details: problem.messages(language))
    }
}
