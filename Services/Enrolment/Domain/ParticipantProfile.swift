import Foundation
import DomainKit

/// What CSSPO asks of a participant beyond names and birth date. Sealed as a whole at rest except the
/// permanent code and phone, which staff search by.
struct ParticipantProfile: Codable, Sendable, Equatable {
    struct EmergencyContact: Codable, Sendable, Equatable {
        var name: String
        var phone: String
        var relationship: String?
    }

    var permanentCode: String?
    var phone: String?
    /// The participant's own address (a student, an adult): confirmations go there too.
    var email: String?
    var address: String?
    var school: String?
    var level: String?
    var group: String?
    var teacher: String?
    var lunchArrangement: String?
    var allergies: String?
    var medicalConditions: String?
    var healthInsuranceNumber: String?
    /// `YYYY-MM`
    var healthInsuranceExpiry: String?
    var emergencyContact: EmergencyContact?
    var volunteerWishes: String?
    var hasInterventionPlan: Bool?

    /// The catalogue's names of the participant fields this profile fills (what offerings may ask).
    var filledFields: [String] {
        var filled: [String] = []
        func add(_ name: String, _ value: String?) { if let value, !value.isEmpty { filled.append(name) } }
        add("permanent-code", permanentCode)
        add("school", school)
        add("level", level)
        add("group", group)
        add("teacher", teacher)
        add("lunch-arrangement", lunchArrangement)
        add("allergies", allergies)
        add("medical-conditions", medicalConditions)
        add("health-insurance-number", healthInsuranceNumber)
        if emergencyContact != nil { filled.append("emergency-contact") }
        return filled
    }

    /// The answer to one of the catalogue's participant fields, as a line of a class list; nil when not filled.
    func answer(to field: String) -> String? {
        let text: String? =
            switch field {
            case "permanent-code": permanentCode
            case "school": school
            case "level": level
            case "group": group
            case "teacher": teacher
            case "lunch-arrangement": lunchArrangement
            case "allergies": allergies
            case "medical-conditions": medicalConditions
            case "health-insurance-number": healthInsuranceNumber
            case "emergency-contact":
                emergencyContact.map { contact in
                    [contact.name, contact.phone, contact.relationship].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ", ")
                }
            default: nil
            }
        return text?.isEmpty == false ? text : nil
    }

    /// Only the fields named (the catalogue's `participantFields`): what staff of an organisation may read.
    func limited(to fields: Set<String>) -> ParticipantProfile {
        var shown = ParticipantProfile()
        if fields.contains("permanent-code") { shown.permanentCode = permanentCode }
        if fields.contains("school") { shown.school = school }
        if fields.contains("level") { shown.level = level }
        if fields.contains("group") { shown.group = group }
        if fields.contains("teacher") { shown.teacher = teacher }
        if fields.contains("lunch-arrangement") { shown.lunchArrangement = lunchArrangement }
        if fields.contains("allergies") { shown.allergies = allergies }
        if fields.contains("medical-conditions") { shown.medicalConditions = medicalConditions }
        if fields.contains("health-insurance-number") {
            shown.healthInsuranceNumber = healthInsuranceNumber
            shown.healthInsuranceExpiry = healthInsuranceExpiry
        }
        if fields.contains("emergency-contact") { shown.emergencyContact = emergencyContact }
        return shown
    }

    /// Every field checked; all problems reported together.
    func errors() -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(.init(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        // Québec permanent code: 4 letters, 8 digits (LEBJ12345678).
        if let code = permanentCode,
            !(code.count == 12 && code.prefix(4).allSatisfy { $0.isASCII && $0.isLetter } && code.suffix(8).allSatisfy(\.isNumber))
        {
            add("permanentCode", "invalid", fr: "Code permanent : 4 lettres et 8 chiffres.", en: "Permanent code: 4 letters and 8 digits.")
        }
        // RAMQ number: 4 letters, 8 digits.
        if let number = healthInsuranceNumber?.replacingOccurrences(of: " ", with: ""),
            !(number.count == 12 && number.prefix(4).allSatisfy { $0.isASCII && $0.isLetter } && number.suffix(8).allSatisfy(\.isNumber))
        {
            add(
                "healthInsuranceNumber", "invalid", fr: "Numéro d'assurance maladie : 4 lettres et 8 chiffres.",
                en: "Health insurance number: 4 letters and 8 digits.")
        }
        if let expiry = healthInsuranceExpiry, CalendarDate(expiry + "-01") == nil {
            add("healthInsuranceExpiry", "invalid", fr: "Date d'expiration (AAAA-MM).", en: "Expiry date (YYYY-MM).")
        }
        if let email, !EmailAddress.isPlausible(EmailAddress.normalized(email)) {
            add("email", "invalidEmail", fr: "Adresse courriel invalide.", en: "Invalid email address.")
        }
        if let phone, phone.filter(\.isNumber).count < 10 {
            add("phone", "invalid", fr: "Numéro de téléphone à 10 chiffres.", en: "A 10-digit phone number.")
        }
        if let contact = emergencyContact, contact.name.trimmingCharacters(in: .whitespaces).isEmpty || contact.phone.filter(\.isNumber).count < 10 {
            add(
                "emergencyContact", "invalid", fr: "Nom et téléphone de la personne à joindre en cas d'urgence.",
                en: "Name and phone of the emergency contact.")
        }
        // The spec's maxLength, counted as JSON Schema counts (code points, not grapheme clusters).
        let limits: [(String, String?, Int)] = [
            ("address", address, 2_000), ("allergies", allergies, 2_000), ("medicalConditions", medicalConditions, 2_000),
            ("volunteerWishes", volunteerWishes, 2_000), ("lunchArrangement", lunchArrangement, 2_000), ("teacher", teacher, 2_000),
            ("school", school, 200), ("level", level, 100), ("group", group, 50), ("phone", phone, 30),
            ("emergencyContact.name", emergencyContact?.name, 200), ("emergencyContact.phone", emergencyContact?.phone, 30),
            ("emergencyContact.relationship", emergencyContact?.relationship, 100),
        ]
        for (field, value, limit) in limits where (value?.unicodeScalars.count ?? 0) > limit {
            add(field, "tooLong", fr: "Au plus \(limit) caractères.", en: "At most \(limit) characters.")
        }
        return errors
    }
}
