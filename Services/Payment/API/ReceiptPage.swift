import Contracts
import Foundation
import Mustache
import ServiceKit

/// The printable receipt, in the payer's language (HTML-escaped by Mustache).
struct ReceiptPage: Sendable {
    let templates: [String: MustacheTemplate]

    init() throws {
        templates = [
            "fr": try MustacheTemplate(
                string: Self.page(
                    title: "Reçu", number: "Numéro", date: "Date", payer: "Payeur", card: "Carte", participant: "Participant",
                    activity: "Activité", amount: "Montant", subtotal: "Sous-total", total: "Total", quantity: "qté")),
            "en": try MustacheTemplate(
                string: Self.page(
                    title: "Receipt", number: "Number", date: "Date", payer: "Payer", card: "Card", participant: "Participant",
                    activity: "Activity", amount: "Amount", subtotal: "Subtotal", total: "Total", quantity: "qty")),
        ]
    }

    func render(_ receipt: Receipt) -> String {
        let english = receipt.language == "en"
        func money(_ amount: MoneyAmount) -> String { MoneyText.format(amount.amountCents, english: english) }
        func name(_ name: LocalizedName) -> String { english ? name.en : name.fr }
        let address = receipt.payer.billingAddress
        let context: [String: Any] = [
            "number": receipt.number, "date": DateText.day(receipt.issuedAt, english ? .en : .fr), "organisation": name(receipt.organisation.name),
            "payerName": address.name, "email": receipt.payer.email,
            "address": [address.line1, address.line2, "\(address.city) \(address.province) \(address.postalCode)", address.country]
                .compactMap { $0 }.joined(separator: ", "),
            "card": receipt.card.masked,
            "lines": receipt.lines.map { line -> [String: Any] in
                [
                    "participant": line.participantName, "code": line.offeringCode, "price": money(line.unitPrice),
                    "title": name(line.title)
                        + (line.planPart.map { part in
                            part.number == 0
                                ? (english ? " — deposit" : " — dépôt")
                                : english ? " — instalment \(part.number) of \(part.count)" : " — versement \(part.number) de \(part.count)"
                        } ?? ""),
                    "items": line.items.map { item -> [String: Any] in
                        [
                            "name": name(item.name) + (item.date.map { " (\($0))" } ?? ""), "quantity": item.quantity,
                            "unit": money(item.unitPrice), "amount": money(item.amount),
                        ]
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
