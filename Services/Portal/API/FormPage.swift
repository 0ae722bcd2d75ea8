import DomainKit
import Foundation

/// A page with one form, described as data and rendered by `form.mustache`: every field labelled, its hint and
/// rules tied to it, its errors said next to it (`aria-describedby`, `aria-invalid`) and summarised at the top with
/// a link to each field (WCAG 3.3.1, 3.3.3).
struct FormPage {
    enum Kind: String {
        case text, email, password, date, tel, checkbox, select, number, textarea
        /// Not a field: a heading before the fields that follow (its level in `value`, 2 when empty), for long forms.
        case heading
    }

    struct Field {
        var name: String
        var label: String
        var kind: Kind = .text
        var value: String = ""
        var autocomplete: String = ""
        var inputmode: String = ""
        var hint: String = ""
        var rules: [String] = []
        /// Paragraphs shown before the field, which it refers to (a consent text before its checkbox).
        var preamble: [String] = []
        var required = true
        var checked = false
        var errors: [String] = []
        /// A select's choices: value and label (the field's `value` is the one chosen).
        var options: [(value: String, label: String)] = []
        /// A quantity's bounds and unit price in cents (the page's live total adds them up).
        var maximum: Int?
        var unitCents: Int64?
    }

    struct Link {
        var href: String
        var label: String
    }

    /// A second, smaller form on the page (send the code again).
    struct Secondary {
        var action: String
        var text: String
        var submit: String
        var hidden: [(String, String)] = []
    }

    var heading: String
    var intro: String = ""
    var notice: String = ""
    var action: String
    var submit: String
    var fields: [Field] = []
    var hidden: [(String, String)] = []
    var links: [Link] = []
    var secondary: Secondary?
    /// Errors that belong to no field (a code sent too often); shown in the summary, linked to `formErrorsTarget`
    /// (the first field when it is nil).
    var formErrors: [String] = []
    var formErrorsTarget: String?
    /// What the person reviews before the form (WCAG 3.3.4): the checkout's lines, total and hold (`review`).
    var review: [String: Any]?
    /// The invoice being paid: its lines, number, due date and total.
    var invoiceReview: [String: Any]?
    /// The processor's framed card entry, placed before the submit button: its address and origin.
    var cardEntry: CardEntry?
    /// A second button of the same form, after the main one (which stays the default for Enter), posting what was
    /// typed elsewhere: asking for more time on the payment page.
    var alternate: (action: String, label: String, hint: String)?
    /// The live total of the quantity fields, as first shown (`portal.js` keeps it up to date).
    var liveTotal: String?
    /// The second factor's setup: the QR code (inline SVG, drawn by `QRCodeImage`, never from the request) and the key.
    var keySetup: (svg: String, key: String)?
    /// Sent once: a second click while the first is on its way does nothing (a charge, a mail to a whole group).
    var submitOnce = false

    struct CardEntry {
        var src: String
        var origin: String
    }

    mutating func addErrors(_ messages: [String], to name: String) {
        if let index = fields.firstIndex(where: { $0.name == name && $0.kind != .heading }) {
            fields[index].errors += messages
        } else {
            formErrors += messages
        }
    }

    /// Where the language switch goes back to when this page answered a form (a POST has no page to return to):
    /// the form's own address, or for a form that has no page of its own, the page its journey starts from.
    var restartPath: String {
        let journeys = [
            "/mot-de-passe-oublie/code": "/mot-de-passe-oublie", "/mot-de-passe-oublie/nouveau": "/mot-de-passe-oublie",
            "/compte/courriel/code": "/compte/courriel", "/compte/verification/nouveau-code": "/compte/verification",
            // The mailed link's page: its token is never copied into the page, so the switch goes to the code's page.
            "/compte/confirmer": "/compte/verification",
        ]
        if action.hasPrefix("/factures/"), action.hasSuffix("/payer") { return action }
        if action.hasPrefix("/caisse/") || action.hasPrefix("/invite/caisse/"), action.hasSuffix("/payer") {
            return String(action.dropLast("/payer".count))
        }
        return journeys[action] ?? action
    }

    /// A label and its message: French puts a non-breaking space before a colon.
    static func colon(_ language: Language) -> String { language == .fr ? "\u{00A0}: " : ": " }

    var hasErrors: Bool { !formErrors.isEmpty || fields.contains { !$0.errors.isEmpty } }

    func context(formToken: String, language: Language) -> [String: Any] {
        // French puts a non-breaking space before a colon.
        let colon = Self.colon(language)
        var summary: [[String: String]] = formErrors.map { ["field": formErrorsTarget ?? fields.first?.name ?? "content", "message": $0] }
        for field in fields {
            summary += field.errors.map { ["field": field.name, "message": field.label + colon + $0] }
        }
        let hiddenValues = hidden.map { ["name": $0.0, "value": $0.1] }
        var values: [String: Any] = [
            "heading": heading, "action": action, "submit": submit, "formToken": formToken, "hidden": hiddenValues,
            "hasErrors": hasErrors, "summary": summary,
            "fields": fields.map(Self.fieldContext),
            "links": links.map { ["href": $0.href, "label": $0.label] },
        ]
        if !intro.isEmpty { values["intro"] = intro }
        if let review { values["review"] = review }
        if let invoiceReview { values["invoiceReview"] = invoiceReview }
        if let cardEntry { values["cardEntry"] = ["src": cardEntry.src, "origin": cardEntry.origin] }
        if submitOnce || cardEntry != nil { values["once"] = true }
        if let alternate { values["alternate"] = ["action": alternate.action, "label": alternate.label, "hint": alternate.hint] }
        if let liveTotal { values["liveTotal"] = liveTotal }
        if let keySetup { values["keySetup"] = ["svg": keySetup.svg, "key": keySetup.key] }
        if !notice.isEmpty { values["notice"] = notice }
        if let secondary {
            values["secondary"] = [
                "action": secondary.action, "text": secondary.text, "submit": secondary.submit, "formToken": formToken,
                "hidden": secondary.hidden.map { ["name": $0.0, "value": $0.1] },
            ]
        }
        return values
    }

    private static func fieldContext(_ field: Field) -> [String: Any] {
        var describedBy: [String] = []
        if !field.preamble.isEmpty { describedBy.append("\(field.name)-preamble") }
        if !field.hint.isEmpty { describedBy.append("\(field.name)-hint") }
        if !field.rules.isEmpty { describedBy.append("\(field.name)-rules") }
        describedBy += field.errors.indices.map { "\(field.name)-error-\($0)" }
        var values: [String: Any] = [
            "name": field.name, "label": field.label, "type": field.kind.rawValue, "checkbox": field.kind == .checkbox,
            "isHeading": field.kind == .heading, "level": field.kind == .heading && !field.value.isEmpty ? field.value : "2",
            "select": field.kind == .select, "textarea": field.kind == .textarea,
            "options": field.options.map { ["value": $0.value, "label": $0.label, "selected": $0.value == field.value] as [String: Any] },
            "required": field.required, "checked": field.checked, "invalid": !field.errors.isEmpty,
            "hasRules": !field.rules.isEmpty, "rules": field.rules,
            "hasPreamble": !field.preamble.isEmpty, "preamble": field.preamble,
            "errors": field.errors.enumerated().map { ["field": field.name, "index": String($0.offset), "message": $0.element] },
        ]
        // Mustache shows a section for any string, even an empty one: what a field does not have is left out.
        for (key, text) in [
            ("value", field.value), ("autocomplete", field.autocomplete), ("inputmode", field.inputmode), ("hint", field.hint),
            ("describedBy", describedBy.joined(separator: " ")), ("maximum", field.maximum.map(String.init) ?? ""),
            ("unitCents", field.unitCents.map(String.init) ?? ""),
        ] where !text.isEmpty {
            values[key] = text
        }
        return values
    }
}
