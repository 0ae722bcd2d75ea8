import Foundation
import DomainKit

/// A person registered to offerings: a child of the guardian, or the adult account holder themselves.
struct Participant: Sendable, Equatable {
    var id: UUID
    var firstName: String
    var lastName: String
    /// `YYYY-MM-DD`; a calendar date, not an instant.
    var birthDate: String
    var createdAt: Date
    /// Set when a guardian linked the participant to an organisation's record.
    var record: LinkedRecord? = nil
    /// The household the participant lives in; its guardians see them, its first guardian gets the mails.
    var householdId: UUID? = nil

    struct LinkedRecord: Sendable, Equatable {
        var organisationId: UUID
        var fileNumber: String
        var school: String?
        var level: String?
        var group: String?
        var residency: String?
        var programme: String? = nil
    }
}

/// A participant as submitted, checked before anything is written.
struct NewParticipant: Sendable {
    static let maximumNameLength = 100

    var firstName: String
    var lastName: String
    var birthDate: String

    /// Trims the names and checks every field; all failures are reported together.
    static func validated(firstName: String, lastName: String, birthDate: String, today: Date) throws(FieldErrors) -> NewParticipant {
        let first = firstName.trimmingCharacters(in: .whitespacesAndNewlines)
        let last = lastName.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        for (field, value) in [("firstName", first), ("lastName", last)] {
            if value.isEmpty {
                errors.append(.required(field))
            } else if value.unicodeScalars.count > maximumNameLength {
                errors.append(
                    .init(
                        field: field, code: "tooLong",
                        message: .init(fr: "Au plus \(maximumNameLength) caractères.", en: "At most \(maximumNameLength) characters.")))
            }
        }
        switch CalendarDate(birthDate) {
        case nil:
            errors.append(
                .init(
                    field: "birthDate", code: "invalidDate",
                    message: .init(fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")))
        case let date? where date > CalendarDate(today):
            errors.append(
                .init(
                    field: "birthDate", code: "inFuture",
                    message: .init(fr: "La date de naissance ne peut pas être dans le futur.", en: "The birth date cannot be in the future.")))
        case let date? where date.year < 1900:
            errors.append(
                .init(
                    field: "birthDate", code: "tooOld",
                    message: .init(fr: "La date de naissance est trop ancienne.", en: "The birth date is too far in the past.")))
        default:
            break
        }
        guard errors.isEmpty else { throw FieldErrors(errors) }
        return NewParticipant(firstName: first, lastName: last, birthDate: birthDate)
    }
}
