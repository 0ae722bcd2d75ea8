import EnrolmentClient
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Hummingbird
import ServiceKit

/// The registrations this account made, and cancelling one: the refund the offering's policy gives is shown,
/// asked of enrolment without changing anything, before the person confirms.
struct RegistrationPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let reference: CatalogueReference

    static let notices: [String: Text] = [
        "annulee": .registrationCancelledNotice, "annulee-a-decider": .registrationCancelledAwaitingNotice, "plan": .planAttachedNotice,
    ]

    /// A registration's status (`confirmed`, `held`, `cancelled`, `expired`) as people read it; an unknown one as is.
    static func statusText(_ status: String, _ language: Language) -> String {
        let key: Text? = [
            "confirmed": .registrationConfirmed, "held": .registrationHeld, "cancelled": .registrationCancelled,
            "expired": .registrationExpired,
        ][status]
        return key.map { Strings.text($0, language) } ?? status
    }

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/inscriptions") { request, _ in try await listPage(request) }
        group.get("/inscriptions/:registrationId/annulation") { request, context in
            try await cancellationPage(request, id: context.parameters.get("registrationId") ?? "")
        }
        group.post("/inscriptions/:registrationId/annulation") { request, context in
            try await cancel(request, id: context.parameters.get("registrationId") ?? "")
        }
        group.post("/inscriptions/:registrationId/plan") { request, context in
            try await attachPlan(request, id: context.parameters.get("registrationId") ?? "")
        }
    }

    /// The account's registrations, each with its plans where the offering asks for one ("documents uploaded later");
    /// `planError` is a refused plan's message, said next to that registration's file field and summarised on top.
    func listPage(_ request: Request, planError: (registrationId: String, message: String)? = nil) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let (registrations, names) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            guard case .ok(let listed) = try await enrolment.listRegistrations(query: .init(limit: 100)) else {
                throw PageErrors.Upstream(status: 502)
            }
            return (try listed.body.json.items, try await enrolment.childNames())
        }
        let offerings = try await reference.offerings(registrations.map(\.offeringId))
        let visit = FormVisit(request, cookies: kit.cookies)
        let items = registrations.map { registration -> [String: Any] in
            let offering = offerings[registration.offeringId]
            return withoutEmptyTexts([
                "id": registration.id, "title": offering?.title.text(language) ?? "", "offeringId": registration.offeringId,
                "participant": names[registration.participantId] ?? "",
                "session": offering?.sessions.first { $0.id == registration.sessionId }?.name.text(language) ?? "",
                "amount": Formatting.money(cents: registration.amount.amountCents, language),
                "status": Self.statusText(registration.status.rawValue, language),
            ]).merging(["cancellable": registration.status == .confirmed]) { $1 }
                .merging(
                    registration.cancellation.map {
                        ["status": Self.cancelledText($0.reason, language), "cancellation": Self.cancellationContext($0, language)]
                    } ?? [:]
                ) { $1 }
                .merging(
                    DocumentPages.context(
                        id: registration.id, participant: names[registration.participantId] ?? "", rules: registration.interventionPlan,
                        documents: registration.documents ?? [], action: "/inscriptions/\(registration.id)/plan",
                        mayUpload: registration.status == .confirmed || registration.status == .held,
                        error: planError?.registrationId == registration.id ? planError?.message : nil, language: language
                    ).map { ["plan": $0] } ?? [:]
                ) { $1 }
        }
        var context: [String: Any] = [
            "heading": Strings.text(.registrationsTitle, language), "registrations": items, "hasRegistrations": !items.isEmpty,
            "formToken": visit.secret.formToken,
        ]
        if let notice = kit.notice(request, Self.notices, language) { context["notice"] = notice }
        if let planError { context["planErrorSummary"] = DocumentPages.errorSummary(lineId: planError.registrationId, message: planError.message) }
        var response = kit.pages.render(
            "registrations", title: (planError == nil ? "" : Strings.text(.errorTitlePrefix, language)) + Strings.text(.registrationsTitle, language),
            context: context, language: language, path: "/inscriptions", status: planError == nil ? .ok : .unprocessableContent, signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    /// Who cancelled, in words (the registration's status once cancelled).
    static func cancelledText(_ reason: String, _ language: Language) -> String {
        switch reason {
        case "cancelled-by-guardian": Strings.text(.cancelledByYou, language)
        case "cancelled-by-staff": Strings.text(.cancelledByStaff, language)
        default: MoneyDocumentPages.reason(reason, language)
        }
    }

    /// The policy applied and where the refund stands, with its credit note once made.
    static func cancellationContext(
        _ cancellation: EnrolmentClient.Components.Schemas.RegistrationCancellation, _ language: Language
    )
        -> [String: Any]
    {
        let t = { Strings.text($0, language) }
        var policy: String =
            switch cancellation.policy?.kind {
            case "full-before-start": t(.refundFullBeforeStart)
            case "pro-rata": t(.refundProRata)
            case "on-request": t(.refundOnRequest)
            default: t(.refundNone)
            }
        if let fee = cancellation.policy?.administrationFee, fee.amountCents > 0, cancellation.policy?.kind != "none" {
            policy += ", " + t(.policyFee).replacingOccurrences(of: "{amount}", with: Formatting.money(cents: fee.amountCents, language))
        }
        // An offering the organisation cancelled is refunded in full, whatever its policy.
        var context: [String: Any] = cancellation.reason == "offering-cancelled" ? [:] : ["policy": policy]
        guard let refund = cancellation.refund else {
            context["refund"] = t(.nothingRefundedStatus)
            return context
        }
        let amount = refund.amount.map { Formatting.money(cents: $0.amountCents, language) }
        let status: Text =
            switch refund.status {
            case .requested: .refundRequestedStatus
            case .awaitingDecision: .refundAwaitingStatus
            // One refund for several registrations: its credit note says how much.
            case .completed: amount == nil ? .refundCompletedWithoutAmount : .refundCompletedStatus
            case .refused: .refundRefusedStatus
            }
        var said = t(status).replacingOccurrences(of: "{amount}", with: amount ?? "")
        if refund.status == .refused, let note = refund.decisionNote, !note.isEmpty { said += " — " + note }
        context["refund"] = said
        if refund.status == .completed, let payment = refund.paymentId, let id = refund.refundId {
            context["creditNoteHref"] = "/paiements/\(payment)/remboursements/\(id)"
        }
        return context
    }

    /// A plan added to a registration after paying (CSSPO's "Dépôt de documents").
    func attachPlan(_ request: Request, id: String) async throws -> Response {
        let form = try await UploadedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard !form.file.isEmpty else { return try await listPage(request, planError: (id, Strings.text(.planMissingFile, language))) }
        let file = HTTPBody(form.file)
        let body: EnrolmentClient.Operations.UploadRegistrationPlan.Input.Body =
            switch DocumentPages.kind(of: form.file) {
            case "image/jpeg": .jpeg(file)
            case "image/png": .png(file)
            default: .pdf(file)
            }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.uploadRegistrationPlan(
                path: .init(registrationId: id), query: .init(),
                body: body)
        }
        switch answer {
        case .created: return Response(status: .seeOther, headers: [.location: "/inscriptions?fait=plan"])
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return kit.signInFirst(request)
        default: return try await listPage(request, planError: (id, try DocumentPages.refusal(answer, language)))
        }
    }

    /// The refund shown before confirming, with what is cancelled (WCAG 3.3.4: a financial step reviewed first).
    func cancellationPage(_ request: Request, id: String, changedFrom: Int64? = nil) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.getCancellationQuote(path: .init(registrationId: id))
        }
        switch answer {
        case .ok(let ok):
            let refund = try ok.body.json.refund.amountCents
            let awaitsDecision = try ok.body.json.refundAwaitsDecision == true
            let text =
                refund > 0
                ? Strings.text(awaitsDecision ? .cancellationRefundOnRequest : .cancellationRefund, language).replacingOccurrences(
                    of: "{amount}", with: Formatting.money(cents: refund, language))
                : Strings.text(.cancellationNoRefund, language)
            let what = try await description(of: id, token: session.tokens.accessToken, language: language)
            var page = FormPage(
                heading: Strings.text(.cancellationTitle, language), intro: [what, text].compactMap { $0 }.joined(separator: " "),
                action: "/inscriptions/\(id)/annulation", submit: Strings.text(.cancellationSubmit, language))
            // The amount shown goes with the form: if it changed before the click, the page shows the new one first.
            page.hidden = [("expectedRefund", String(refund))]
            if changedFrom != nil { page.notice = Strings.text(.cancellationAmountChanged, language) }
            page.links = [.init(href: "/inscriptions", label: Strings.text(.cancellationKeep, language))]
            return kit.formResponse(page, request: request, language: language, signedIn: true)
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return kit.signInFirst(request)
        default:
            let problem = try ServiceProblem.of(answer)
            return kit.pages.message(
                .cannotCancelTitle, .cannotCancelText, language: language, path: "/inscriptions/\(id)/annulation", status: problem.pageStatus,
                link: ("/inscriptions", Strings.text(.registrationsTitle, language)), details: [problem.summary])
        }
    }

    /// "Registration of Léo Roy to “Day camp” (Week 1).", from the account's registrations and the catalogue.
    private func description(of id: String, token: String, language: Language) async throws -> String? {
        let found = try await OnBehalfOfVisitor.acting(with: token) { () -> (EnrolmentClient.Components.Schemas.Registration, String)? in
            guard case .ok(let listed) = try await enrolment.listRegistrations(query: .init(limit: 100)),
                let registration = try listed.body.json.items.first(where: { $0.id == id })
            else { return nil }
            return (registration, try await enrolment.childNames()[registration.participantId] ?? "")
        }
        guard let (registration, participant) = found,
            let offering = try await reference.offerings([registration.offeringId])[registration.offeringId]
        else { return nil }
        let session = offering.sessions.first { $0.id == registration.sessionId }.map { " (" + $0.name.text(language) + ")" } ?? ""
        return Strings.text(.cancellationOf, language).replacingOccurrences(of: "{participant}", with: participant)
            .replacingOccurrences(of: "{title}", with: offering.title.text(language)).replacingOccurrences(of: "{session}", with: session)
    }

    func cancel(_ request: Request, id: String) async throws -> Response {
        let form = try await PostedForm(request, cookies: kit.cookies)
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        // The refund the person saw: if the policy now gives another amount (a deadline passed), they see it first.
        if case .ok(let quoted) = try await OnBehalfOfVisitor.acting(
            with: session.tokens.accessToken,
            {
                try await enrolment.getCancellationQuote(path: .init(registrationId: id))
            }), let expected = Int64(form.text("expectedRefund", limit: 12)), try quoted.body.json.refund.amountCents != expected
        {
            return try await cancellationPage(request, id: id, changedFrom: expected)
        }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.cancelRegistration(path: .init(registrationId: id))
        }
        switch answer {
        case .ok(let ok):
            let awaitsDecision = try ok.body.json.refundAwaitsDecision == true
            return Response(status: .seeOther, headers: [.location: "/inscriptions?fait=\(awaitsDecision ? "annulee-a-decider" : "annulee")"])
        case .notFound: throw HTTPError(.notFound)
        case .unauthorized: return kit.signInFirst(request)
        default:
            let problem = try ServiceProblem.of(answer)
            return kit.pages.message(
                .cannotCancelTitle, .cannotCancelText, language: language, path: "/inscriptions", status: problem.pageStatus,
                link: ("/inscriptions", Strings.text(.registrationsTitle, language)), details: [problem.summary])
        }
    }
}
