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

    var event: OrganisationEvent {
        OrganisationEvent(
            organisationId: id, version: version, parentId: parentId, kind: kind.rawValue, shortCode: shortCode,
            name: .init(fr: name.fr, en: name.en))
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

/// A college programme (JEE.0K) that groups courses.
struct Programme: Sendable, Equatable {
    var id: UUID
    var organisationId: UUID
    var code: String
    var name: LocalizedText
}
