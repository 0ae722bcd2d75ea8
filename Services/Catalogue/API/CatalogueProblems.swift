import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// The problems this service answers with, for the domain errors and refusals its rules and stores report.
extension Problem {
    static func offeringIncomplete(_ errors: [FieldError]) -> Problem {
        Problem(
            type: "/problems/offering-incomplete", status: .unprocessableContent,
            title: .init(fr: "L'offre n'est pas prête à publier.", en: "The offering is not ready to publish."), errors: errors)
    }

    static func offeringStatus(_ status: Offering.Status) -> Problem {
        Problem(
            type: "/problems/offering-status", status: .conflict,
            title: .init(
                fr: "L'offre est « \(status.rawValue) » : ce changement n'est pas permis.",
                en: "The offering is \(status.rawValue): this change is not allowed."))
    }

    static let tooManySessions = Problem(
        type: "/problems/too-many-sessions", status: .conflict,
        title: .init(
            fr: "L'offre a déjà \(OfferingRules.maximumSessions) groupes, le plus qu'elle puisse avoir.",
            en: "The offering already has \(OfferingRules.maximumSessions) sessions, the most it can have."))

    static func capacityBelowConfirmed(_ confirmed: Int) -> Problem {
        Problem(
            type: "/problems/capacity-below-confirmed", status: .conflict,
            title: .init(
                fr: "La capacité ne peut pas être inférieure aux \(confirmed) places confirmées.",
                en: "The capacity cannot be below the \(confirmed) confirmed seats."))
    }

    static let unknownSubject = Problem.validation([
        FieldError(field: "subjectId", code: "unknown", message: .init(fr: "Cette matière n'existe pas.", en: "This subject does not exist."))
    ])

    static let unknownLevel = Problem.validation([
        FieldError(field: "levels", code: "unknown", message: .init(fr: "Niveau inconnu (voir /v1/levels).", en: "Unknown level (see /v1/levels)."))
    ])

    static let unknownProgramme = Problem.validation([
        FieldError(field: "programmeId", code: "unknown", message: .init(fr: "Ce programme n'existe pas.", en: "This programme does not exist."))
    ])

    static let unknownCategory = Problem.validation([
        FieldError(field: "categoryId", code: "unknown", message: .init(fr: "Cette catégorie n'existe pas.", en: "This category does not exist."))
    ])

    static let offeringNotDraft = Problem(
        type: "/problems/offering-not-draft", status: .conflict,
        title: .init(fr: "Seule une offre en brouillon peut être publiée.", en: "Only a draft offering can be published."))

    static let duplicateOfferingCode = Problem(
        type: "/problems/duplicate-code", status: .conflict,
        title: .init(fr: "Ce code est déjà utilisé par votre organisme.", en: "Your organisation already uses this code."))
}

extension Problem {
    static let unknownParent = Problem.validation([
        FieldError(
            field: "parentId", code: "unknown",
            message: .init(fr: "Cet organisme parent n'existe pas.", en: "This parent organisation does not exist."))
    ])

    static let duplicateShortCode = Problem(
        type: "/problems/duplicate-code", status: .conflict,
        title: .init(fr: "Ce code court est déjà utilisé.", en: "This short code is already used."))
}

extension Problem {
    /// Sent as a PDF, but its content is not one (the media type was right: 422, not 415).
    static let notAPDF = Problem(
        type: "/problems/document-not-pdf", status: .unprocessableContent,
        title: .init(fr: "La lettre aux parents doit être un PDF.", en: "The letter to parents must be a PDF."))
}
