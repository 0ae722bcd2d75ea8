import DomainKit
import EnrolmentClient
import Foundation

/// A participant's profile as form fields (CSSPO's "fiche"): the whole profile on the child's own form, or only
/// what an offering asks of a guest's participant (the catalogue's `participantFields`). One mapping both ways, so
/// a field an offering asks is a field the form fills, and enrolment's refusals land next to their field.
enum ProfileForm {
    typealias Profile = EnrolmentClient.Components.Schemas.ParticipantProfile

    /// The form's fields for each participant field the catalogue names, in the order the form shows them.
    static let formFields: [(catalogue: String, form: [String])] = [
        ("permanent-code", ["permanentCode"]), ("school", ["school"]), ("level", ["level"]), ("group", ["group"]),
        ("teacher", ["teacher"]), ("lunch-arrangement", ["lunchArrangement"]), ("allergies", ["allergies"]),
        ("medical-conditions", ["medicalConditions"]), ("health-insurance-number", ["healthInsuranceNumber", "healthInsuranceExpiry"]),
        ("emergency-contact", ["emergencyName", "emergencyPhone", "emergencyRelationship"]),
    ]

    /// The catalogue's participant fields as staff read their names (the terms form's boxes, a class list's
    /// columns), in the terms form's order.
    static let fieldLabels: [(catalogue: String, label: Text)] = [
        ("permanent-code", .permanentCode), ("file-number", .fileNumber), ("school", .school), ("level", .level), ("group", .group),
        ("teacher", .teacher), ("lunch-arrangement", .lunchArrangement), ("allergies", .allergies), ("medical-conditions", .medicalConditions),
        ("health-insurance-number", .healthInsuranceNumber), ("emergency-contact", .emergencyContact),
    ]

    /// Every field of the guardian's form.
    static let whole: [String] = formFields.flatMap(\.form) + ["volunteerWishes"]

    /// The form's fields for the participant fields an offering asks (one the form cannot fill, the file number, is
    /// left to enrolment's refusal).
    static func asked(_ catalogueNames: [String]) -> [String] {
        formFields.filter { catalogueNames.contains($0.catalogue) }.flatMap(\.form)
    }

    static let labels: [String: Text] = [
        "permanentCode": .permanentCode, "school": .school, "level": .level, "group": .group, "teacher": .teacher,
        "lunchArrangement": .lunchArrangement, "allergies": .allergies, "medicalConditions": .medicalConditions,
        "healthInsuranceNumber": .healthInsuranceNumber, "healthInsuranceExpiry": .healthInsuranceExpiry, "emergencyName": .emergencyName,
        "emergencyPhone": .emergencyPhone, "emergencyRelationship": .emergencyRelationship, "volunteerWishes": .volunteerWishes,
    ]

    static let hints: [String: Text] = [
        "permanentCode": .permanentCodeHint, "allergies": .sealedFieldHint, "medicalConditions": .sealedFieldHint,
        "healthInsuranceNumber": .healthInsuranceHint, "healthInsuranceExpiry": .healthInsuranceExpiryHint,
        "emergencyPhone": .phoneHint,
    ]

    /// The fields, filled with `profile` (the insurance number never: its last digits are said in the hint, and an
    /// empty field keeps it). `required`: the fields an offering asks must be answered (a relationship and an
    /// expiry date stay optional).
    static func fields(_ names: [String], profile: Profile?, required: Bool, language: Language) -> [FormPage.Field] {
        names.map { name in
            var field = FormPage.Field(name: name, label: Strings.text(labels[name] ?? .notGiven, language))
            field.hint = hints[name].map { Strings.text($0, language) } ?? ""
            field.required = required && !["emergencyRelationship", "healthInsuranceExpiry"].contains(name)
            field.autocomplete = "off"
            if name == "emergencyPhone" {
                field.kind = .tel
                field.inputmode = "tel"
            }
            if name == "healthInsuranceNumber", let number = profile?.healthInsuranceNumber {
                field.hint += " " + Strings.text(.keepNumberHint, language).replacingOccurrences(of: "{last}", with: String(number.suffix(4)))
            } else {
                field.value = value(name, of: profile) ?? ""
            }
            return field
        }
    }

    static func value(_ name: String, of profile: Profile?) -> String? {
        guard let profile else { return nil }
        switch name {
        case "permanentCode": return profile.permanentCode
        case "school": return profile.school
        case "level": return profile.level
        case "group": return profile.group
        case "teacher": return profile.teacher
        case "lunchArrangement": return profile.lunchArrangement
        case "allergies": return profile.allergies
        case "medicalConditions": return profile.medicalConditions
        case "healthInsuranceNumber": return profile.healthInsuranceNumber
        case "healthInsuranceExpiry": return profile.healthInsuranceExpiry
        case "emergencyName": return profile.emergencyContact?.name
        case "emergencyPhone": return profile.emergencyContact?.phone
        case "emergencyRelationship": return profile.emergencyContact?.relationship
        case "volunteerWishes": return profile.volunteerWishes
        default: return nil
        }
    }

    /// The profile to send: the form's `names` as typed (empty is none), everything else as `existing` had it (the
    /// address and phone the form does not show, the insurance number left empty).
    static func profile(from form: PostedForm, names: [String], keeping existing: Profile?) -> Profile {
        var profile = existing ?? Profile()
        func typed(_ name: String, limit: Int = 2000) -> String? {
            let text = form.text(name, limit: limit)
            return text.isEmpty ? nil : text
        }
        let shown = Set(names)
        if shown.contains("permanentCode") { profile.permanentCode = typed("permanentCode", limit: 20)?.uppercased().filter { $0 != " " } }
        if shown.contains("school") { profile.school = typed("school") }
        if shown.contains("level") { profile.level = typed("level") }
        if shown.contains("group") { profile.group = typed("group") }
        if shown.contains("teacher") { profile.teacher = typed("teacher") }
        if shown.contains("lunchArrangement") { profile.lunchArrangement = typed("lunchArrangement") }
        if shown.contains("allergies") { profile.allergies = typed("allergies") }
        if shown.contains("medicalConditions") { profile.medicalConditions = typed("medicalConditions") }
        if shown.contains("healthInsuranceNumber"), let number = typed("healthInsuranceNumber", limit: 20) {
            profile.healthInsuranceNumber = number.uppercased().filter { !$0.isWhitespace }
        }
        if shown.contains("healthInsuranceExpiry") { profile.healthInsuranceExpiry = typed("healthInsuranceExpiry", limit: 7) }
        if shown.contains("volunteerWishes") { profile.volunteerWishes = typed("volunteerWishes") }
        if shown.contains("emergencyName") {
            let (name, phone) = (typed("emergencyName", limit: 200), typed("emergencyPhone", limit: 30))
            profile.emergencyContact =
                name == nil && phone == nil
                ? nil : .init(name: name ?? "", phone: phone ?? "", relationship: typed("emergencyRelationship", limit: 100))
        }
        return profile
    }

    /// The form's field for a field enrolment names in a profile (`allergies`, `emergencyContact.phone`, or the same
    /// under a guest's line, `lines[0].profile.allergies`).
    static func formField(_ field: String) -> String? {
        let name = field.hasPrefix("lines[0].profile.") ? String(field.dropFirst("lines[0].profile.".count)) : field
        switch name {
        case "emergencyContact", "emergencyContact.name": return "emergencyName"
        case "emergencyContact.phone": return "emergencyPhone"
        case "emergencyContact.relationship": return "emergencyRelationship"
        default: return whole.contains(name) ? name : nil
        }
    }
}
