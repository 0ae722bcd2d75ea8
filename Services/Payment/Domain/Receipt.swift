import Contracts
import Foundation
import DomainKit

/// A receipt as issued: everything it shows is copied in when the number is given, so it never changes.
struct Receipt: Codable, Sendable, Equatable {
    struct Organisation: Codable, Sendable, Equatable {
        var id: UUID
        var shortCode: String
        var name: LocalizedName
    }

    struct Payer: Codable, Sendable, Equatable {
        var name: String?
        var email: String
        var billingAddress: BillingAddress
    }

    struct Item: Codable, Sendable, Equatable {
        var name: LocalizedName
        var date: String?
        var quantity: Int
        var unitPrice: MoneyAmount
        var amount: MoneyAmount
    }

    struct Tax: Codable, Sendable, Equatable {
        var code: String
        var name: LocalizedName
        var percent: String?
        var amount: MoneyAmount
    }

    struct Line: Codable, Sendable, Equatable {
        var registrationId: UUID
        var participantId: UUID
        var participantName: String
        var offeringCode: String
        var title: LocalizedName
        var quantity: Int
        var unitPrice: MoneyAmount
        var items: [Item]
        var subtotal: MoneyAmount
        var taxes: [Tax]
        var total: MoneyAmount
        /// On a payment plan: the deposit (0) or which instalment this payment paid.
        var planPart: CheckoutEvent.PlanPart?
    }

    var number: String
    var issuedAt: Date
    /// `fr` | `en`: the payer's language.
    var language: String
    var organisation: Organisation
    var payer: Payer
    var lines: [Line]
    var subtotal: MoneyAmount
    var taxes: [Tax]
    var total: MoneyAmount
    var card: Payment.Card
    var paymentId: UUID
    var checkoutId: UUID

    /// `CSSBE-2026-000123`
    static func number(prefix: String, year: Int, sequence: Int64) -> String {
        "\(prefix)-\(year)-\(String(format: "%06lld", sequence))"
    }

    /// The lines' subtotal and their taxes summed by code, as a receipt or an invoice prints them.
    static func totals(of lines: [CheckoutEvent.Line]) -> (subtotal: MoneyAmount, taxes: [Tax]) {
        var byCode: [String: Tax] = [:]
        for tax in lines.flatMap(\.taxes) {
            byCode[tax.code, default: Tax(code: tax.code, name: tax.name, percent: tax.percent, amount: .init(amountCents: 0))].amount.amountCents +=
                tax.amount.amountCents
        }
        return (.init(amountCents: lines.reduce(0) { $0 + $1.subtotal.amountCents }), byCode.values.sorted { $0.code < $1.code })
    }

    /// Built from the checkout enrolment priced (never from the client) and the processor's card details.
    init(
        number: String, issuedAt: Date, checkout: CheckoutEvent, organisation: Organisation, billingAddress: BillingAddress, card: Payment.Card,
        paymentId: UUID
    ) {
        self.number = number
        self.issuedAt = issuedAt
        language = checkout.payer.language == "en" ? "en" : "fr"
        self.organisation = organisation
        payer = .init(name: checkout.payer.name, email: checkout.payer.email, billingAddress: billingAddress)
        lines = checkout.lines.map { line in
            let taxes = line.taxes.map { Tax(code: $0.code, name: $0.name, percent: $0.percent, amount: $0.amount) }
            return Line(
                registrationId: line.registrationId, participantId: line.participantId, participantName: line.participantName,
                offeringCode: line.offeringCode, title: line.offeringTitle, quantity: line.quantity, unitPrice: line.unitPrice,
                items: line.items.map {
                    Item(
                        name: $0.name, date: $0.date, quantity: $0.quantity, unitPrice: $0.unitPrice,
                        amount: .init(amountCents: $0.unitPrice.amountCents * Int64($0.quantity)))
                },
                subtotal: line.subtotal, taxes: taxes,
                total: .init(amountCents: line.subtotal.amountCents + taxes.reduce(0) { $0 + $1.amount.amountCents }), planPart: line.planPart)
        }
        (subtotal, taxes) = Self.totals(of: checkout.lines)
        total = checkout.total
        self.card = card
        self.paymentId = paymentId
        self.checkoutId = checkout.checkoutId
    }
}
