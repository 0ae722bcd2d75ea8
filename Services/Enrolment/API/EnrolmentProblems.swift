import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// The problems this service answers with, for the domain errors and refusals its rules and stores report.
extension Problem {
    static func sessionFull(_ fields: [String]) -> Problem {
        Problem(
            type: "/problems/session-full", status: .conflict,
            title: .init(fr: "Il ne reste plus de place dans cette session.", en: "There are no seats left in this session."),
            detail: .init(
                fr: "Aucune place n'a été retenue. Choisissez une autre session ou inscrivez-vous à la liste d'attente.",
                en: "No seat was held. Choose another session or join the waiting list."),
            errors: fields.map {
                .init(field: $0, code: "full", message: .init(fr: "Session complète.", en: "Session full."))
            })
    }

    static let holdNotExtendable = Problem(
        type: "/problems/hold-not-extendable", status: .conflict,
        title: .init(fr: "Le délai de paiement ne peut plus être prolongé.", en: "The time to pay can no longer be extended."),
        detail: .init(
            fr: "La commande est déjà payée, expirée, ou a été prolongée le nombre maximal de fois.",
            en: "The checkout is already paid, expired, or was extended the most times allowed."))

    static let alreadyDecided = Problem(
        type: "/problems/already-decided", status: .conflict,
        title: .init(fr: "Cette demande de remboursement est déjà décidée.", en: "This refund request is already decided."))

    static let cartEmpty = Problem(
        type: "/problems/cart-empty", status: .unprocessableContent,
        title: .init(
            fr: "Votre panier ne contient aucune inscription pour cet organisme.", en: "Your cart has no registration for this organisation."))

    static let accountNotReady = Problem(
        type: "/problems/account-not-ready", status: .conflict,
        title: .init(
            fr: "Votre compte est en cours de préparation. Réessayez dans quelques secondes.",
            en: "Your account is still being set up. Try again in a few seconds."),
        headers: ["Retry-After": "2"])

    static let alreadyInCart = Problem(
        type: "/problems/already-in-cart", status: .conflict,
        title: .init(
            fr: "Ce participant est déjà dans votre panier pour cette session.", en: "This participant is already in your cart for this session."))
}

extension Problem {
    static func unsupportedDocument(accepted: [String]) -> Problem {
        Problem(
            type: "/problems/unsupported-document", status: .unsupportedMediaType,
            title: .init(fr: "Ce type de fichier n'est pas accepté.", en: "This type of file is not accepted."),
            detail: .init(fr: "Types acceptés : \(accepted.joined(separator: ", ")).", en: "Accepted types: \(accepted.joined(separator: ", ")).")
        )
    }

    static let documentNotAsked = Problem(
        type: "/problems/document-not-asked", status: .unprocessableContent,
        title: .init(fr: "Cette offre ne demande pas de plan d'intervention.", en: "This offering does not ask for an intervention plan."))
}

extension Problem {
    static let participantLinked = Problem(
        type: "/problems/participant-linked", status: .conflict,
        title: .init(
            fr: "Cet enfant est lié au dossier d'un organisme : c'est l'organisme qui corrige son nom et sa date de naissance.",
            en: "This child is linked to an organisation's file: the organisation corrects their name and birth date."))

    static let participantHasRegistrations = Problem(
        type: "/problems/participant-has-registrations", status: .conflict,
        title: .init(
            fr: "Cet enfant a déjà été inscrit ou mis sur une liste d'attente : ses inscriptions le nomment encore.",
            en: "This child has already been registered or put on a waiting list: their registrations still name them."))
}

extension Problem {
    static let notCancellable = Problem(
        type: "/problems/not-cancellable", status: .conflict,
        title: .init(fr: "Seule une inscription confirmée peut être annulée.", en: "Only a confirmed registration can be cancelled."))

    static let offeringCancelled = Problem(
        type: "/problems/offering-cancelled", status: .conflict,
        title: .init(fr: "Cette offre est annulée.", en: "This offering is cancelled."))

    static let notMovable = Problem(
        type: "/problems/not-movable", status: .conflict,
        title: .init(fr: "Seule une inscription confirmée change de groupe.", en: "Only a confirmed registration changes group."))

    static let cancellationClosed = Problem(
        type: "/problems/cancellation-closed", status: .conflict,
        title: .init(
            fr: "L'activité est commencée : communiquez avec l'organisme pour annuler.",
            en: "The activity has started: contact the organisation to cancel."))
}

extension CheckoutRefusal: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .invalid(let errors): .validation(errors)
        case .empty: .cartEmpty
        }
    }
}
