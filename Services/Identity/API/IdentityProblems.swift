import Contracts
import Foundation
import PostgresNIO
import ServiceKit

/// The problems this service answers with, for the domain errors and refusals its rules and stores report.
extension Problem {
    /// One answer for a wrong, expired, used or voided code or link: which one it was helps only an attacker.
    static let verificationFailed = Problem(
        type: "/problems/verification-failed", status: .unprocessableContent,
        title: .init(fr: "Ce code ou ce lien n'est pas valide.", en: "This code or link is not valid."),
        detail: .init(
            fr: "Il est peut-être expiré, déjà utilisé, ou annulé après 5 essais. Demandez un nouveau code.",
            en: "It may have expired, been used already, or been cancelled after 5 attempts. Ask for a new code."))

    /// One answer for an unknown email and a wrong password.
    static let signInFailed = Problem(
        type: "/problems/sign-in-failed", status: .unauthorized,
        title: .init(fr: "Courriel ou mot de passe incorrect.", en: "Incorrect email or password."))

    static let emailNotVerified = Problem(
        type: "/problems/email-not-verified", status: .forbidden,
        title: .init(fr: "Votre courriel n'est pas encore vérifié.", en: "Your email is not verified yet."),
        detail: .init(
            fr: "Entrez le code reçu par courriel, ou demandez-en un nouveau (« Renvoyer le code »).",
            en: "Enter the code you received by email, or ask for a new one (\"Resend the code\")."))

    static let refreshTokenInvalid = Problem(
        type: "/problems/refresh-token-invalid", status: .unauthorized,
        title: .init(fr: "Votre session a pris fin. Veuillez vous reconnecter.", en: "Your session has ended. Please sign in again."))

    static let passwordIncorrect = Problem(
        type: "/problems/password-incorrect", status: .forbidden,
        title: .init(fr: "Le mot de passe actuel est incorrect.", en: "The current password is incorrect."))

    static let emailTaken = Problem(
        type: "/problems/email-taken", status: .conflict,
        title: .init(fr: "Cette adresse est déjà celle d'un autre compte.", en: "This address already belongs to another account."))

    static let organisationUnknown = Problem(
        type: "/problems/organisation-unknown", status: .notFound,
        title: .init(fr: "Organisme inconnu.", en: "Unknown organisation."),
        detail: .init(
            fr: "Identity ne connaît pas encore cet organisme; s'il vient d'être créé, réessayez dans un instant.",
            en: "Identity does not know this organisation yet; if it was just created, try again in a moment."))
}

extension Problem {
    static let secondFactorCodeInvalid = Problem(
        type: "/problems/second-factor-code-invalid", status: .unprocessableContent,
        title: .init(fr: "Ce code n'est pas valide.", en: "This code is not valid."),
        detail: .init(
            fr:
                "Entrez le code que votre application affiche maintenant (il change toutes les 30 secondes), ou un code de récupération. Un code ne sert qu'une fois.",
            en: "Enter the code your app shows now (it changes every 30 seconds), or a recovery code. A code works once."))

    static let secondFactorChallengeInvalid = Problem(
        type: "/problems/second-factor-challenge-invalid", status: .unauthorized,
        title: .init(
            fr: "Cette connexion a expiré. Recommencez avec votre mot de passe.", en: "This sign-in has expired. Start again with your password."),
        detail: .init(
            fr: "Une connexion attend son code 5 minutes et accepte 5 essais.",
            en: "A sign-in waits 5 minutes for its code and accepts 5 attempts."))

    static let secondFactorAlreadyOn = Problem(
        type: "/problems/second-factor-already-on", status: .conflict,
        title: .init(fr: "La double authentification est déjà activée.", en: "Two-step verification is already on."))

    static let secondFactorOff = Problem(
        type: "/problems/second-factor-off", status: .conflict,
        title: .init(fr: "La double authentification n'est pas activée.", en: "Two-step verification is not on."))

    static let secondFactorNotStarted = Problem(
        type: "/problems/second-factor-not-started", status: .conflict,
        title: .init(
            fr: "Commencez par ajouter Guichet à votre application d'authentification.", en: "Start by adding Guichet to your authenticator app."
        ),
        detail: .init(
            fr: "La clé affichée a peut-être été remplacée par une nouvelle : recommencez l'activation.",
            en: "The key shown may have been replaced by a new one: start turning it on again."))
}

extension ClientInfo {
    /// The client of the request being handled.
    static var current: ClientInfo {
        ClientInfo(address: RequestScope.current?.clientAddress, userAgent: RequestScope.current?.userAgent)
    }
}
