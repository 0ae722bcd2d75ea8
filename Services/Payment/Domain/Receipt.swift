import Contracts
import Foundation
import Mustache
import ServiceKit

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
                    Item(name: $0.name, date: $0.date, quantity: $0.quantity, unitPrice: $0.unitPrice,
                         amount: .init(amountCents: $0.unitPrice.amountCents * Int64($0.quantity)))
                },
                subtotal: line.subtotal, taxes: taxes,
                total: .init(amountCents: line.subtotal.amountCents + taxes.reduce(0) { $0 + $1.amount.amountCents }))
        }
        subtotal = .init(amountCents: lines.reduce(0) { $0 + $1.subtotal.amountCents })
        var byCode: [String: Tax] = [:]
        for tax in lines.flatMap(\.taxes) {
            byCode[tax.code, default: Tax(code: tax.code, name: tax.name, percent: tax.percent, amount: .init(amountCents: 0))].amount.amountCents +=
                tax.amount.amountCents
        }
        taxes = byCode.values.sorted { $0.code < $1.code }
        total = checkout.total
        self.card = card
        self.paymentId = paymentId
        self.checkoutId = checkout.checkoutId
    }
}

/// The printable receipt, in the payer's language (HTML-escaped by Mustache).
struct ReceiptPage: Sendable {
    let templates: [String: MustacheTemplate]

    init() throws {
        templates = [
            "fr": try MustacheTemplate(string: Self.page(
                title: "Reçu", number: "Numéro", date: "Date", payer: "Payeur", card: "Carte", participant: "Participant",
                activity: "Activité", amount: "Montant", subtotal: "Sous-total", total: "Total", quantity: "qté")),
            "en": try MustacheTemplate(string: Self.page(
                title: "Receipt", number: "Number", date: "Date", payer: "Payer", card: "Card", participant: "Participant",
                activity: "Activity", amount: "Amount", subtotal: "Subtotal", total: "Total", quantity: "qty")),
        ]
    }

    func render(_ receipt: Receipt) -> String {
        let english = receipt.language == "en"
        func money(_ amount: MoneyAmount) -> String { MoneyText.format(amount.amountCents, english: english) }
        func name(_ name: LocalizedName) -> String { english ? name.en : name.fr }
        var day = Date.FormatStyle(date: .long, time: .omitted).locale(Locale(identifier: english ? "en_CA" : "fr_CA"))
        day.timeZone = CalendarDate.timeZone
        let address = receipt.payer.billingAddress
        let context: [String: Any] = [
            "number": receipt.number, "date": receipt.issuedAt.formatted(day), "organisation": name(receipt.organisation.name),
            "payerName": address.name, "email": receipt.payer.email,
            "address": [address.line1, address.line2, "\(address.city) \(address.province) \(address.postalCode)", address.country]
                .compactMap { $0 }.joined(separator: ", "),
            "card": "\(receipt.card.brand.uppercased()) •••• \(receipt.card.last4)",
            "lines": receipt.lines.map { line -> [String: Any] in
                [
                    "participant": line.participantName, "code": line.offeringCode, "title": name(line.title), "price": money(line.unitPrice),
                    "items": line.items.map { item -> [String: Any] in
                        ["name": name(item.name) + (item.date.map { " (\($0))" } ?? ""), "quantity": item.quantity,
                         "unit": money(item.unitPrice), "amount": money(item.amount)]
                    },
                ]
            },
            "subtotal": money(receipt.subtotal),
            "taxes": receipt.taxes.map { ["name": name($0.name) + ($0.percent.map { " (\($0) %)" } ?? ""), "amount": money($0.amount)] },
            "total": money(receipt.total),
        ]
        return templates[english ? "en" : "fr"]!.render(context)
    }

    private static func page(
        title: String, number: String, date: String, payer: String, card: String, participant: String, activity: String, amount: String,
        subtotal: String, total: String, quantity: String
    ) -> String {
        """
        <!doctype html>
        <html lang="\(title == "Reçu" ? "fr" : "en")"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) {{number}}</title>
        <style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:1rem auto;padding:0 1rem}table{width:100%;border-collapse:collapse}
        td,th{padding:.3rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}@media print{button{display:none}}</style></head>
        <body>
        <h1>{{organisation}}</h1>
        <p><strong>\(title) {{number}}</strong><br>\(date) : {{date}}</p>
        <p>\(payer) : {{payerName}} ({{email}})<br>{{address}}</p>
        <table><thead><tr><th>\(participant)</th><th>\(activity)</th><th class="n">\(amount)</th></tr></thead><tbody>
        {{#lines}}<tr><td>{{participant}}</td><td>{{code}} {{title}}</td><td class="n">{{price}}</td></tr>
        {{#items}}<tr><td></td><td>{{name}} — {{quantity}} \(quantity) × {{unit}}</td><td class="n">{{amount}}</td></tr>{{/items}}{{/lines}}
        </tbody><tfoot><tr><td></td><th>\(subtotal)</th><td class="n">{{subtotal}}</td></tr>
        {{#taxes}}<tr><td></td><td>{{name}}</td><td class="n">{{amount}}</td></tr>{{/taxes}}
        <tr><td></td><th>\(total)</th><th class="n">{{total}}</th></tr></tfoot></table>
        <p>\(card) : {{card}}</p>
        <button onclick="window.print()">🖨</button>
        </body></html>
        """
    }
}
