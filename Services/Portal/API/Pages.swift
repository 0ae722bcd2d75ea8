import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import ServiceKit

/// The portal's pages: a body template rendered inside the layout, in the person's language, with the
/// headers every page carries (its language, no caching of personal pages, a CSP without inline code).
struct Pages: Sendable {
    let library: MustacheLibrary

    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    init() throws {
        // Every template escapes with ScalarHTMLEscaping (registered before any template is parsed).
        MustacheContentTypes.register(ScalarHTMLEscaping(), named: ScalarHTMLEscaping.name)
        var library = MustacheLibrary()
        for (name, bytes) in [
            ("layout", PackageResources.layout_mustache), ("catalogue", PackageResources.catalogue_mustache),
            ("offering", PackageResources.offering_mustache), ("message", PackageResources.message_mustache),
            ("form", PackageResources.form_mustache), ("account", PackageResources.account_mustache),
            ("second-factor", PackageResources.second_factor_mustache), ("staff", PackageResources.staff_mustache),
            ("staff-organisations", PackageResources.staff_organisations_mustache),
            ("staff-organisation", PackageResources.staff_organisation_mustache),
            ("staff-people", PackageResources.staff_people_mustache), ("staff-person", PackageResources.staff_person_mustache),
            ("staff-offerings", PackageResources.staff_offerings_mustache), ("staff-class-list", PackageResources.staff_class_list_mustache),
            ("staff-import", PackageResources.staff_import_mustache), ("staff-offering", PackageResources.staff_offering_mustache),
            ("staff-payments", PackageResources.staff_payments_mustache), ("staff-payment", PackageResources.staff_payment_mustache),
            ("credit-note", PackageResources.credit_note_mustache), ("statement", PackageResources.statement_mustache),
            ("invoice", PackageResources.invoice_mustache), ("invoices", PackageResources.invoices_mustache),
            ("invoice-review", PackageResources.invoice_review_mustache),
            ("staff-documents", PackageResources.staff_documents_mustache),
            ("staff-quantities", PackageResources.staff_quantities_mustache), ("staff-attendance", PackageResources.staff_attendance_mustache),
            ("staff-refund-requests", PackageResources.staff_refund_requests_mustache),
            ("staff-releve24", PackageResources.staff_releve24_mustache), ("releve24", PackageResources.releve24_mustache),
            ("releve24-slip", PackageResources.releve24_slip_mustache),
            ("children", PackageResources.children_mustache), ("child", PackageResources.child_mustache),
            ("cart", PackageResources.cart_mustache), ("review", PackageResources.checkout_mustache),
            ("payment", PackageResources.payment_mustache), ("receipt", PackageResources.receipt_mustache),
            ("payments", PackageResources.payments_mustache), ("waitlist", PackageResources.waitlist_mustache),
            ("registrations", PackageResources.registrations_mustache), ("plan", PackageResources.plan_mustache),
        ] {
            try library.register("{{% CONTENT_TYPE: \(ScalarHTMLEscaping.name)}}" + String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// A whole page: `body` names the template, `context` its values; texts (`t`) and the language switch are added.
    /// `signedIn`: whether the header offers the account (a session cookie is there) or signing in.
    /// `cardEntryOrigin`: the processor whose card entry this page frames (the CSP lets that origin, and no other, in).
    /// `script`: the page has something `portal.js` enhances (live totals); a page with a card entry always has.
    func render(
        _ body: String, title: String, context: [String: Any], language: Language, path: String, status: HTTPResponse.Status = .ok,
        signedIn: Bool = false, cardEntryOrigin: String? = nil, script: Bool = false
    ) -> Response {
        let texts = Strings.table(language)
        var values = context
        values["t"] = texts
        let inner = library.render(values, withTemplate: body) ?? ""
        let other: Language = language == .fr ? .en : .fr
        let page =
            library.render(
                [
                    "lang": language.rawValue, "title": title, "t": texts, "body": inner,
                    "otherLanguage": other.rawValue, "switchHref": LanguageChoice.switchHref(to: other, back: path),
                    "signedIn": signedIn, "script": script || cardEntryOrigin != nil,
                ] as [String: Any], withTemplate: "layout") ?? ""
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentLanguage] = language.rawValue
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy + (cardEntryOrigin.map { "; frame-src \($0)" } ?? "")
        headers[.vary] = "Cookie, Accept-Language"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A page that only says something (not found, an error), in the person's language.
    /// `link`: where to go next (the catalogue when none is given).
    func message(
        _ heading: Text, _ text: Text, language: Language, path: String, status: HTTPResponse.Status, link: (String, String)? = nil,
        details: [String] = [], signedIn: Bool = false
    ) -> Response {
        let (href, label) = link ?? ("/activites", Strings.text(.backToCatalogue, language))
        return render(
            "message", title: Strings.text(heading, language),
            context: [
                "heading": Strings.text(heading, language), "text": Strings.text(text, language), "href": href, "label": label,
                "details": details, "hasDetails": !details.isEmpty,
            ],
            language: language, path: path, status: status, signedIn: signedIn)
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
}

/// French by default; English one click away and remembered in a cookie (no account needed).
enum LanguageChoice {
    static let cookie = "guichet_lang"

    static func of(_ request: Request) -> Language {
        if let chosen = request.cookies[cookie]?.value, let language = Language(rawValue: chosen) { return language }
        return Language.negotiate(acceptLanguage: request.headers[.acceptLanguage])
    }

    /// Where the switch link goes: `/language/en?back=/activites%3Fq%3D…`.
    static func switchHref(to language: Language, back: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return "/language/\(language.rawValue)?back=" + (back.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/activites")
    }

    /// Only a path of this site: never another origin (`//evil.example`, `https://…`).
    static func safeBack(_ back: String?) -> String {
        guard let back, back.hasPrefix("/"), !back.hasPrefix("//"), !back.contains("\\"), back.count <= 600,
            !back.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return "/activites" }
        return back
    }
}

/// HTML escaping by Unicode scalar. swift-mustache's own escapes by Character, and a quote followed by a
/// combining mark (`"` + U+0301) is one Character that is not a quote: it would leave an attribute unescaped.
struct ScalarHTMLEscaping: MustacheContentType {
    static let name = "GUICHET_HTML"

    func escapeText(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
