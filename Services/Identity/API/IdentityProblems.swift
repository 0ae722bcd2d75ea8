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

extension ClientInfo {
    /// The client of the request being handled.
    static var current: ClientInfo {
        ClientInfo(address: RequestScope.current?.clientAddress, userAgent: RequestScope.current?.userAgent)
    }
}
