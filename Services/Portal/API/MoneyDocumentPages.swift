import DomainKit
import EnrolmentClient
import Foundation
import Hummingbird
import PaymentClient
import ServiceKit

/// The family's money documents besides receipts: each refund's credit note as a printable page, and the year's
/// statement for the whole account or one child. Payment decides what they hold and who reads them.
struct MoneyDocumentPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client
    let payment: PaymentClient.Client

    typealias Refund = PaymentClient.Components.Schemas.Refund
    typealias Receipt = PaymentClient.Components.Schemas.Receipt

    static let statementPath = "/etat-de-compte"

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/paiements/:paymentId/remboursements/:refundId") { request, context in
            try await creditNotePage(request, payment: try context.parameters.require("paymentId"), id: try context.parameters.require("refundId"))
        }
        group.get(RouterPath(stringLiteral: Self.statementPath)) { request, _ in try await statementPage(request) }
    }

    // MARK: - A credit note

    func creditNotePage(_ request: Request, payment paymentId: String, id: String) async throws -> Response {
        guard UUID(uuidString: paymentId) != nil, UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let (refund, receipt) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            async let refund = payment.getRefund(path: .init(refundId: id))
            async let receipt = payment.getReceipt(path: .init(paymentId: paymentId), headers: .init(accept: [.init(contentType: .json)]))
            return (try await refund, try await receipt)
        }
        // Another family's refund, one of another payment, or one not completed: there is no credit note to show.
        guard case .ok(let refundOK) = refund, case .ok(let receiptOK) = receipt, case .json(let original) = receiptOK.body else {
            if case .unauthorized = refund { return kit.signInFirst(request) }
            throw HTTPError(.notFound)
        }
        let found = try refundOK.body.json
        // Identifiers compare as UUIDs: the receipt's JSON writes them in capitals.
        guard UUID(uuidString: found.paymentId) == UUID(uuidString: original.paymentId), found.creditNoteNumber != nil else {
            throw HTTPError(.notFound)
        }
        let context = Self.creditNoteContext(found, of: original, language: language)
        return kit.pages.render(
            "credit-note", title: context["heading"] as? String ?? "",
            context: context.merging(["backHref": "/paiements/\(original.paymentId)", "backText": Strings.text(.backToPayment, language)]) { $1 },
            language: language, path: "/paiements/\(paymentId)/remboursements/\(id)", signedIn: true)
    }

    /// A credit note's page, the family's and the staff's: the refund, why, what it covered, and the receipt it refers to.
    static func creditNoteContext(_ refund: Refund, of original: Receipt, language: Language) -> [String: Any] {
        let t = { Strings.text($0, language) }
        let number = refund.creditNoteNumber ?? ""
        let heading = t(.creditNoteTitle).replacingOccurrences(of: "{number}", with: number)
        let address = original.payer.billingAddress
        let covered = Set((refund.registrationIds ?? []).compactMap(UUID.init(uuidString:)))
        let lines = original.lines.filter { UUID(uuidString: $0.registrationId).map(covered.contains) ?? false }
        return [
            "heading": heading, "number": number, "organisation": original.organisation.name.text(language),
            "issuedOn": refund.completedAt.map { DateText.dayAndTime($0, language) } ?? "",
            "payer": original.payer.name ?? address.name, "email": original.payer.email,
            "address": [address.line1, address.line2, [address.city, address.province, address.postalCode].compactMap { $0 }.joined(separator: " ")]
                .compactMap { $0 }.filter { !$0.isEmpty },
            "receipt": original.number, "receiptOn": DateText.day(original.issuedAt, language),
            "amount": Formatting.money(cents: refund.amount.amountCents, language), "reason": reason(refund.reason, language),
            "card": CheckoutPages.card(original.card, language),
            "hasLines": !lines.isEmpty,
            "lines": lines.map { "\($0.participantName) — \($0.offeringCode) \($0.title.text(language))" },
        ]
    }

    /// Enrolment's reasons in words; what staff wrote, as written.
    static func reason(_ reason: String, _ language: Language) -> String {
        let known: [String: Text] = [
            "cancelled-by-guardian": .refundReasonByGuardian, "cancelled-by-staff": .refundReasonByStaff,
            "offering-cancelled": .refundReasonOfferingCancelled, "no-seat-after-late-payment": .refundReasonNoSeat,
            "registration-cancelled": .refundReasonAfterCancellation,
        ]
        return known[reason].map { Strings.text($0, language) } ?? reason
    }

    // MARK: - The year's statement

    func statementPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let query = FormQuery(request.uri.query)
        let thisYear = CalendarDate(kit.clock.now()).year
        guard let year = MoneyDeskPages.year(query["annee"], default: thisYear) else { throw HTTPError(.notFound) }
        let child = query["enfant"].flatMap { $0.isEmpty ? nil : $0 }
        if let child, UUID(uuidString: child) == nil { throw HTTPError(.notFound) }
        let (names, answer) = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            async let names = enrolment.childNames()
            async let answer = payment.getMyStatement(query: .init(year: year, participant: child))
            return (try await names, try await answer)
        }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return kit.signInFirst(request) }
            _ = try ServiceProblem.of(answer)
            throw PageErrors.Upstream(status: 502)
        }
        // A child of another family is not one of this account's: nothing to show under their name.
        if let child, names[child] == nil { throw HTTPError(.notFound) }
        let statement = try ok.body.json
        let money = { (cents: Int64) in Formatting.money(cents: cents, language) }
        var heading = t(.statementTitle).replacingOccurrences(of: "{year}", with: String(year))
        if let child, let name = names[child] { heading += " — " + name }
        let context: [String: Any] = [
            "heading": heading, "year": String(year), "path": Self.statementPath,
            "years": Set((0..<6).map { thisYear - $0 } + [year]).sorted(by: >).map { value -> [String: Any] in
                ["value": String(value), "selected": value == year]
            },
            "children": names.sorted { $0.value < $1.value }.map { id, name -> [String: Any] in
                ["value": id, "name": name, "selected": id == child]
            },
            "hasEntries": !statement.entries.isEmpty,
            "entries": statement.entries.map { entry -> [String: Any] in
                let isRefund = entry.kind == .refund
                var row: [String: Any] = [
                    "date": DateText.day(entry.date, language), "document": entry.document,
                    "href": isRefund
                        ? "/paiements/\(entry.paymentId)/remboursements/\(entry.refundId ?? "")" : "/paiements/\(entry.paymentId)/recu",
                    "kind": isRefund ? t(.creditNote) : t(.statementReceipt),
                    "organisation": entry.organisation.name.text(language),
                    "lines": entry.lines.map { "\($0.participantName) — \($0.offeringCode) \($0.title.text(language))" },
                    "paid": isRefund ? "" : money(entry.amount.amountCents),
                    "refunded": isRefund ? money(entry.amount.amountCents) : "",
                ]
                if isRefund {
                    row["note"] = [Self.reason(entry.reason ?? "", language), entry.receiptNumber.map { t(.creditNoteOf) + " " + $0 }]
                        .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")
                }
                return row
            },
            "paid": money(statement.paid.amountCents), "refunded": money(statement.refunded.amountCents),
            "net": money(statement.net.amountCents),
        ]
        return kit.pages.render(
            "statement", title: heading, context: context, language: language, path: request.uri.description, signedIn: true)
    }
}
