import Contracts
import Foundation
import DomainKit

/// How many of an offering's item a line buys (CSSPO: two macaroni lunches on 18 January).
struct ItemQuantity: Codable, Sendable, Equatable {
    var itemId: UUID
    var quantity: Int
}

/// A line's amounts, computed from enrolment's copy of the offering — never from what the client sent.
struct PricedLine: Sendable, Equatable {
    var unitPrice: Int64
    var items: [CheckoutEvent.ItemLine]
    var taxes: [CheckoutEvent.TaxLine]
    var subtotal: Int64
    var total: Int64
}

enum Pricing {
    /// The seat's price for a participant: the most specific rule whose conditions all match wins (origin and
    /// residency over one of them); the base price when none does. A participant whose residency is not proven
    /// (no linked household) pays as a non-resident.
    static func seatPrice(of offering: OfferingEvent, origin: UUID?, residency: String?) -> Int64 {
        let residency = residency ?? "non-resident"
        var best: (specificity: Int, amount: Int64)?
        for rule in offering.prices ?? [] {
            if let required = rule.organisationOfOriginId, required != origin { continue }
            if let required = rule.residency, required != residency { continue }
            let specificity = (rule.organisationOfOriginId == nil ? 0 : 1) + (rule.residency == nil ? 0 : 1)
            if best == nil || specificity > best!.specificity {
                best = (specificity, rule.amount.amountCents)
            }
        }
        return best?.amount ?? offering.basePrice.amountCents
    }

    /// Prices a line; quantities of unknown items, or above an item's maximum, are field errors.
    static func price(
        _ offering: OfferingEvent, origin: UUID?, residency: String?, quantities: [ItemQuantity]
    ) throws(FieldErrors) -> PricedLine {
        let seat = seatPrice(of: offering, origin: origin, residency: residency)
        var errors: [FieldError] = []
        var items: [CheckoutEvent.ItemLine] = []
        for (index, wanted) in quantities.enumerated() where wanted.quantity != 0 {
            guard let item = offering.items?.first(where: { $0.itemId == wanted.itemId }) else {
                errors.append(.init(field: "items[\(index)].itemId", code: "unknown", message: .init(fr: "Article inconnu.", en: "Unknown item.")))
                continue
            }
            let maximum = item.maximumQuantity ?? 99
            guard (1...maximum).contains(wanted.quantity) else {
                errors.append(
                    .init(
                        field: "items[\(index)].quantity", code: "outOfRange",
                        message: .init(fr: "Entre 0 et \(maximum).", en: "Between 0 and \(maximum).")))
                continue
            }
            if items.contains(where: { $0.itemId == item.itemId }) {
                errors.append(
                    .init(field: "items[\(index)].itemId", code: "duplicate", message: .init(fr: "Article en double.", en: "Duplicate item.")))
                continue
            }
            items.append(.init(itemId: item.itemId, name: item.name, date: item.date, quantity: wanted.quantity, unitPrice: item.unitPrice))
        }
        // Sold by its items alone (a fund-raiser's lunches): a line without any buys nothing.
        if errors.isEmpty, items.isEmpty, seat == 0, !(offering.items ?? []).isEmpty {
            errors.append(
                .init(
                    field: "items", code: "required",
                    message: .init(fr: "Choisissez au moins un article.", en: "Choose at least one item.")))
        }
        guard errors.isEmpty else { throw FieldErrors(errors) }
        let subtotal = seat + items.reduce(0) { $0 + Int64($1.quantity) * $1.unitPrice.amountCents }
        let taxes = (offering.taxes ?? []).map {
            CheckoutEvent.TaxLine(code: $0.code, name: $0.name, percent: $0.percent, amount: .init(amountCents: $0.amountCents(on: subtotal)))
        }
        return PricedLine(
            unitPrice: seat, items: items, taxes: taxes, subtotal: subtotal,
            total: subtotal + taxes.reduce(0) { $0 + $1.amount.amountCents })
    }
}
