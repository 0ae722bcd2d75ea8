import DomainKit
import EnrolmentClient
import Foundation
import Hummingbird
import ServiceKit

/// Refunds an offering's `on-request` policy leaves to the organisation: the ones families asked by cancelling,
/// and for each the decision (all or part of the most the policy allows, or a refusal with its reason; the family
/// mailed either way). Enrolment decides who may; granting moves money, so it asks a code from the last 15 minutes.
struct RefundDecisionPages: Sendable {
    let registrar: RegistrarPages
    let enrolment: EnrolmentClient.Client
    var kit: PageKit { registrar.kit }

    typealias RefundRequest = EnrolmentClient.Components.Schemas.RefundRequest

    static let notices: [String: Text] = ["accorde": .refundGrantedNotice, "refuse": .refundRefusedNotice]

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId/remboursements-a-decider")
        group.get { request, context in try await listPage(request, organisation: try context.parameters.require("organisationId")) }
        group.get(":requestId") { request, context in
            try await decisionPage(
                request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("requestId"))
        }
        group.post(":requestId") { request, context in
            try await decide(
                request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("requestId"), grant: true)
        }
        group.post(":requestId/refus") { request, context in
            try await decide(
                request, organisation: try context.parameters.require("organisationId"), id: try context.parameters.require("requestId"), grant: false
            )
        }
    }

    static func listPath(_ organisation: String) -> String { "/staff/organisations/\(organisation)/remboursements-a-decider" }

    /// Enrolment's answer: the organisation's requests awaiting a decision, oldest first.
    func awaiting(
        _ session: BrowserSessionStore.Session, organisation: String
    ) async throws -> EnrolmentClient.Operations.ListRefundRequests.Output {
        try await registrar.acting(session) {
            try await enrolment.listRefundRequests(path: .init(organisationId: organisation), query: .init(status: .awaitingDecision, limit: 100))
        }
    }

    func listPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let notice = kit.notice(request, Self.notices, language)
        return try await registrar.organisationPage(request, organisation) { session, found in
            let answer = try await awaiting(session, organisation: found.id)
            guard case .ok(let ok) = answer else { return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path) }
            let rows = try ok.body.json.items.map { item -> [String: String] in
                let offering = "\(item.offeringCode) \(item.offeringTitle.text(language))"
                return [
                    "requestedOn": DateText.dayAndTime(item.requestedAt, language), "participant": item.participantName, "offering": offering,
                    "maximum": Formatting.money(cents: item.maximum.amountCents, language), "href": "\(Self.listPath(found.id))/\(item.id)",
                    "decideLabel": "\(t(.refundDecide)) — \(item.participantName), \(item.offeringCode)",
                ]
            }
            var context: [String: Any] = [
                "heading": t(.refundRequestsTitle), "organisationName": found.name.text(language), "requests": rows, "hasRequests": !rows.isEmpty,
                "organisationHref": "/staff/organisations/\(found.id)",
            ]
            if let notice { context["notice"] = notice }
            return registrar.render(
                "staff-refund-requests", title: "\(t(.refundRequestsTitle)) — \(found.name.text(language))", context: context, request: request)
        }
    }

    func decisionForm(_ language: Language, organisation: String, item: RefundRequest, amount: String? = nil, note: String = "") -> FormPage {
        let t = { Strings.text($0, language) }
        let path = "\(Self.listPath(organisation))/\(item.id)"
        let maximum = Formatting.money(cents: item.maximum.amountCents, language)
        var page = FormPage(
            heading: "\(t(.refundDecisionTitle)) — \(item.participantName)",
            intro: "\(item.offeringCode) \(item.offeringTitle.text(language)). \(t(.refundAtMost))\(FormPage.colon(language))\(maximum).",
            action: path, submit: t(.refundGrantSubmit),
            fields: [
                .init(
                    name: "amount", label: t(.refundGrantedAmount),
                    value: amount ?? Formatting.typedAmount(cents: item.maximum.amountCents, language), inputmode: "decimal",
                    hint: t(.refundGrantedAmountHint).replacingOccurrences(of: "{maximum}", with: maximum)),
                .init(name: "note", label: t(.refundNote), kind: .textarea, value: note, hint: t(.refundNoteHint), required: false),
            ],
            links: [.init(href: Self.listPath(organisation), label: t(.refundRequestsTitle))])
        page.alternate = (action: "\(path)/refus", label: t(.refundRefuseSubmit), hint: t(.refundRefuseHint))
        return page
    }

    /// The request when it still awaits a decision and is this organisation's; nil otherwise (not found).
    func findAwaiting(_ session: BrowserSessionStore.Session, organisation: String, id: String) async throws -> RefundRequest? {
        guard case .ok(let ok) = try await awaiting(session, organisation: organisation) else { return nil }
        return try ok.body.json.items.first { $0.id == id.lowercased() }
    }

    func decisionPage(_ request: Request, organisation: String, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.organisationPage(request, organisation, ids: [id]) { session, found in
            guard let item = try await findAwaiting(session, organisation: found.id, id: id) else { return registrar.staffArea.notFound(request) }
            return kit.formResponse(decisionForm(language, organisation: found.id, item: item), request: request, language: language, signedIn: true)
        }
    }

    func decide(_ request: Request, organisation: String, id: String, grant: Bool) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let amount = form.text("amount", limit: 20)
        let note = form.text("note", limit: 500)
        let path = "\(Self.listPath(organisation))/\(id)"
        return try await registrar.organisationPage(request, organisation, ids: [id], back: path) { session, found in
            guard let item = try await findAwaiting(session, organisation: found.id, id: id) else { return registrar.staffArea.notFound(request) }
            var page = decisionForm(language, organisation: found.id, item: item, amount: amount, note: note)
            var cents: Int64?
            if grant {
                guard let typed = OfferingDeskPages.cents(amount), typed > 0 else {
                    page.addErrors([t(.priceError)], to: "amount")
                    return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
                }
                cents = typed
            } else if note.isEmpty {
                page.addErrors([t(.refundRefuseNeedsNote)], to: "note")
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let answer = try await registrar.acting(session) {
                try await enrolment.decideRefundRequest(
                    path: .init(requestId: item.id),
                    body: .json(.init(grant: grant, amountCents: cents.map(Int.init), note: note.isEmpty ? nil : note)))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(Self.listPath(found.id))?fait=\(grant ? "accorde" : "refuse")"])
            case .unprocessableContent, .badRequest, .conflict:
                return try kit.refused(answer, page: page, request: request, language: language, signedIn: true, fields: ["amountCents": "amount"])
            default: return try registrar.staffArea.refusal(answer, request: request, back: path)
            }
        }
    }
}
