import Contracts
import Foundation
import DomainKit

/// A school service centre, a school, a municipality, a college or a private school: who sells offerings and
/// whose staff manage them.
struct Organisation: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable {
        case schoolServiceCentre = "school-service-centre"
        case school
        case municipality
        case college
        case privateSchool = "private-school"
    }

    var id: UUID
    var kind: Kind
    var shortCode: String
    var name: LocalizedText
    var parentId: UUID?
    var version: Int64
    var details = Details()

    /// Where the organisation is and its numbers, set by its administrators.
    struct Details: Codable, Sendable, Equatable {
        var address: PostalAddress?
        var gstNumber: String?
        var qstNumber: String?
        var enterpriseNumber: String?
    }

    var event: OrganisationEvent {
        OrganisationEvent(
            organisationId: id, version: version, parentId: parentId, kind: kind.rawValue, shortCode: shortCode,
            name: .init(fr: name.fr, en: name.en), address: details.address, gstNumber: details.gstNumber, qstNumber: details.qstNumber,
            enterpriseNumber: details.enterpriseNumber)
    }
}

enum OrganisationRules {
    /// Every problem with a new organisation's fields, at once.
    static func validate(shortCode: String, name: LocalizedText?) throws(FieldErrors) {
        var errors: [FieldError] = []
        if shortCode.isEmpty || shortCode.unicodeScalars.count > 20
            || !shortCode.allSatisfy({ ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "-" })
            || shortCode.hasPrefix("-")
        {
            errors.append(
                FieldError(
                    field: "shortCode", code: "invalid",
                    message: .init(
                        fr: "Le code court compte 1 à 20 majuscules, chiffres ou traits d'union (ex. CSSBE).",
                        en: "The short code has 1 to 20 capitals, digits or hyphens (e.g. CSSBE).")))
        }
        errors += nameErrors(name)
        guard errors.isEmpty else { throw FieldErrors(errors) }
    }

    static func nameErrors(_ name: LocalizedText?) -> [FieldError] {
        guard let name else { return [] }
        return [("name.fr", name.fr), ("name.en", name.en)].compactMap { field, text in
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.isEmpty || trimmed.unicodeScalars.count > 200 else { return nil }
            return FieldError(
                field: field, code: "invalid",
                message: .init(fr: "Le nom est obligatoire (200 caractères au plus).", en: "The name is required (at most 200 characters)."))
        }
    }
}

enum OrganisationDetailsRules {
    static let provinces: Set = ["QC", "ON", "NB", "NS", "PE", "NL", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]

    /// A number as written on forms (spaces, hyphens, lower case) in its canonical form; nil when it is not one.
    static func gstNumber(_ text: String) -> String? { canonical(text, digits: 9, program: "RT") }
    static func qstNumber(_ text: String) -> String? { canonical(text, digits: 10, program: "TQ") }
    static func enterpriseNumber(_ text: String) -> String? {
        let compact = text.filter { !$0.isWhitespace && $0 != "-" }
        return compact.count == 10 && compact.allSatisfy({ $0.isASCII && $0.isNumber }) ? compact : nil
    }
    /// `g4z1a1`, `G4Z-1A1` → `G4Z 1A1`.
    static func postalCode(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard compact.wholeMatch(of: /[A-Z][0-9][A-Z][0-9][A-Z][0-9]/) != nil else { return nil }
        return "\(compact.prefix(3)) \(compact.suffix(3))"
    }

    private static func canonical(_ text: String, digits: Int, program: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        let pattern = try! Regex("[0-9]{\(digits)}\(program)[0-9]{4}")
        return compact.wholeMatch(of: pattern) != nil ? compact : nil
    }

    /// The address and numbers as stored, or every problem at once. A number given empty is removed; one not
    /// given keeps what `current` holds.
    static func apply(
        address: PostalAddress?, gstNumber: String?, qstNumber: String?, enterpriseNumber: String?, to current: Organisation.Details
    ) throws(FieldErrors) -> Organisation.Details {
        var details = current
        var errors: [FieldError] = []
        func add(_ field: String, fr: String, en: String) { errors.append(FieldError(field: field, code: "invalid", message: .init(fr: fr, en: en))) }
        if let address {
            let street = address.street.trimmingCharacters(in: .whitespacesAndNewlines)
            let city = address.city.trimmingCharacters(in: .whitespacesAndNewlines)
            if street.isEmpty || street.count > 200 { add("address.street", fr: "L'adresse est obligatoire.", en: "The address is required.") }
            if city.isEmpty || city.count > 100 { add("address.city", fr: "La ville est obligatoire.", en: "The city is required.") }
            if !provinces.contains(address.province) { add("address.province", fr: "Province inconnue.", en: "Unknown province.") }
            let postal = postalCode(address.postalCode)
            if postal == nil { add("address.postalCode", fr: "Code postal attendu\u{00A0}: G4Z\u{00A0}1A1.", en: "Postal code expected: G4Z 1A1.") }
            details.address = PostalAddress(street: street, city: city, province: address.province, postalCode: postal ?? "")
        }
        func number(_ text: String?, _ field: String, _ parse: (String) -> String?, fr: String, en: String) -> String?? {
            guard let text else { return .none }
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return .some(nil) }
            guard let parsed = parse(text) else {
                add(field, fr: fr, en: en)
                return .none
            }
            return .some(parsed)
        }
        if let gst = number(
            gstNumber, "gstNumber", Self.gstNumber, fr: "Numéro de TPS attendu\u{00A0}: 123456789RT0001.", en: "GST number expected: 123456789RT0001."
        ) {
            details.gstNumber = gst
        }
        if let qst = number(
            qstNumber, "qstNumber", Self.qstNumber, fr: "Numéro de TVQ attendu\u{00A0}: 1234567890TQ0001.",
            en: "QST number expected: 1234567890TQ0001.")
        {
            details.qstNumber = qst
        }
        if let neq = number(
            enterpriseNumber, "enterpriseNumber", Self.enterpriseNumber, fr: "Le NEQ compte 10 chiffres.", en: "The NEQ has 10 digits.")
        {
            details.enterpriseNumber = neq
        }
        guard errors.isEmpty else { throw FieldErrors(errors) }
        return details
    }
}

/// A college programme (JEE.0K) that groups courses.
struct Programme: Sendable, Equatable {
    var id: UUID
    var organisationId: UUID
    var code: String
    var name: LocalizedText
}
