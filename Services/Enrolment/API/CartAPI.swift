import Contracts
import DomainKit
import Foundation
import ServiceKit

extension EnrolmentAPI {
    func getCart(_ input: Operations.GetCart.Input) async throws -> Operations.GetCart.Output {
        let account = try RequestScope.requirePrincipal().accountId
        let now = clock.now()
        let listed = try await cart.list(account: account)
        let attached = try await documents.attached(to: listed.map { .cartLine($0.id) })
        let lines = listed.map { representation($0, now: now, documents: attached[$0.id] ?? []) }
        var totals: [String: Int64] = [:]
        for line in lines { totals[line.sellingOrganisationId, default: 0] += line.price?.total.amountCents ?? 0 }
        return .ok(
            .init(
                body: .json(
                    .init(
                        lines: lines,
                        totals: totals.sorted { $0.key < $1.key }.map { .init(sellingOrganisationId: $0.key, total: Self.money($0.value)) }))))
    }

    func addCartLine(_ input: Operations.AddCartLine.Input) async throws -> Operations.AddCartLine.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        let participant = Self.uuid(body.participantId, field: "participantId", into: &errors)
        let offering = Self.uuid(body.offeringId, field: "offeringId", into: &errors)
        let session = Self.uuid(body.sessionId, field: "sessionId", into: &errors)
        let origin = body.organisationOfOriginId.flatMap { Self.uuid($0, field: "organisationOfOriginId", into: &errors) }
        let items = Self.quantities(body.items, into: &errors)
        guard errors.isEmpty, let participant, let offering, let session else { throw Problem.validation(errors) }
        let now = clock.now()
        let line = try await cart.add(
            account: account, participantId: participant, offeringId: offering, sessionId: session, origin: origin, items: items, now: now)
        RequestScope.setResponseHeader(.location, "/v1/cart/lines/\(line.id.uuidString.lowercased())")
        return .created(.init(body: .json(representation(line, now: now, documents: []))))
    }

    func removeCartLine(_ input: Operations.RemoveCartLine.Input) async throws -> Operations.RemoveCartLine.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.lineId), try await cart.remove(account: account, id: id) else { throw Problem.notFound }
        return .noContent(.init())
    }

    func acceptCartLineContract(_ input: Operations.AcceptCartLineContract.Input) async throws -> Operations.AcceptCartLineContract.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let now = clock.now()
        guard let id = UUID(uuidString: input.path.lineId),
            let line = try await cart.acceptContract(account: account, id: id, version: body.version, now: now)
        else { throw Problem.notFound }
        let attached = try await documents.attached(to: [.cartLine(line.id)])
        return .ok(.init(body: .json(representation(line, now: now, documents: attached[line.id] ?? []))))
    }

    /// A line priced now, with what would stop it at checkout (a required plan not yet attached among them).
    func representation(_ line: CartLine, now: Date, documents: [DocumentInfo]) -> Components.Schemas.CartLine {
        var problems = Eligibility.errors(
            offering: line.offering, sessionId: line.sessionId, birthDate: line.birthDate, contractVersion: line.contractVersion, now: now)
        var price: Components.Schemas.LinePrice?
        do {
            let priced = try Pricing.price(line.offering, origin: line.organisationOfOriginId, residency: line.residency, quantities: line.items)
            price = Self.representation(priced)
            // The plan the offering allows at this price, offered at checkout.
            if let terms = line.offering.paymentPlan, let parts = terms.split(totalCents: priced.total, today: CalendarDate(now).description) {
                price?.paymentPlan = Self.representation(
                    deposit: parts[0], instalments: Array(zip(terms.instalmentDates, parts.dropFirst())))
            }
        } catch {
            problems += error.errors
        }
        // What the offering asks of its participant and the profile lacks: filled on the profile before paying.
        problems += Eligibility.fieldErrors(
            offering: line.offering, participant: .init(name: line.participantName, birthDate: line.birthDate, filledFields: line.filledFields))
        problems += Eligibility.planErrors(offering: line.offering, hasPlan: !documents.isEmpty)
        return .init(
            id: line.id.uuidString.lowercased(), participantId: line.participantId.uuidString.lowercased(), participantName: line.participantName,
            offeringId: line.offering.offeringId.uuidString.lowercased(), offeringCode: line.offering.code,
            offeringTitle: .init(fr: line.offering.title.fr, en: line.offering.title.en), sessionId: line.sessionId.uuidString.lowercased(),
            sellingOrganisationId: line.offering.sellingOrganisationId.uuidString.lowercased(),
            organisationOfOriginId: line.organisationOfOriginId?.uuidString.lowercased(),
            items: line.items.map { .init(itemId: $0.itemId.uuidString.lowercased(), quantity: $0.quantity) },
            contract: line.offering.contract.map { .init(version: $0.version, clauses: $0.clauses.map { .init(fr: $0.fr, en: $0.en) }) },
            contractAcceptedVersion: line.contractVersion, contractAcceptedAt: line.contractAcceptedAt, price: price,
            interventionPlan: Self.planRules(line.offering.documents), documents: documents.map(Self.representation),
            problems: problems.map { .init(field: $0.field, code: $0.code, message: .init(fr: $0.message.fr, en: $0.message.en)) },
            createdAt: line.createdAt)
    }

    /// What an offering asks of an intervention plan, when it asks for one.
    static func planRules(_ rules: DocumentRequirements?) -> Components.Schemas.PlanRules? {
        guard let rules, let asked = Components.Schemas.PlanRules.AskedPayload(rawValue: rules.interventionPlan) else { return nil }
        return .init(
            asked: asked, acceptedTypes: rules.acceptedTypes.compactMap { .init(rawValue: $0) }, maximumBytes: rules.maximumBytes)
    }

    static func representation(deposit: Int64, instalments: [(String, Int64)]) -> Components.Schemas.PaymentPlan {
        .init(
            total: money(deposit + instalments.reduce(0) { $0 + $1.1 }), deposit: money(deposit),
            instalments: instalments.map { .init(dueDate: $0.0, amount: money($0.1)) })
    }

    static func representation(_ price: PricedLine) -> Components.Schemas.LinePrice {
        .init(
            unitPrice: money(price.unitPrice), items: price.items.map(representation), taxes: price.taxes.map(representation),
            subtotal: money(price.subtotal), total: money(price.total))
    }

    static func representation(_ item: CheckoutEvent.ItemLine) -> Components.Schemas.ItemLine {
        .init(
            itemId: item.itemId.uuidString.lowercased(), name: .init(fr: item.name.fr, en: item.name.en), date: item.date, quantity: item.quantity,
            unitPrice: money(item.unitPrice.amountCents))
    }

    static func representation(_ tax: CheckoutEvent.TaxLine) -> Components.Schemas.TaxLine {
        .init(code: tax.code, name: .init(fr: tax.name.fr, en: tax.name.en), percent: tax.percent, amount: money(tax.amount.amountCents))
    }

    static func money(_ cents: Int64) -> Components.Schemas.Money {
        .init(amountCents: cents, currency: .cad)
    }

    static func uuid(_ text: String, field: String, into errors: inout [FieldError]) -> UUID? {
        if let id = UUID(uuidString: text) { return id }
        errors.append(.invalidIdentifier(field))
        return nil
    }

    static func quantities(_ items: [Components.Schemas.ItemQuantity]?, prefix: String = "", into errors: inout [FieldError]) -> [ItemQuantity] {
        (items ?? []).enumerated().compactMap { index, item in
            uuid(item.itemId, field: "\(prefix)items[\(index)].itemId", into: &errors).map { ItemQuantity(itemId: $0, quantity: item.quantity) }
        }
    }
}
