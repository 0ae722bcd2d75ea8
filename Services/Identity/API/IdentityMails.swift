import Foundation
import Mail

/// The mails identity sends, in French and English. Codes and links appear only here and in the mail queue,
/// which is the mail itself; never in the event bus or the logs.
struct IdentityMails: Sendable {
    let signUp: MailTemplate
    let alreadyRegistered: MailTemplate
    let passwordReset: MailTemplate
    let passwordChanged: MailTemplate
    let emailChange: MailTemplate
    let emailChanged: MailTemplate
    let secondFactorEnabled: MailTemplate
    let secondFactorDisabled: MailTemplate
    let recoveryCodeUsed: MailTemplate

    init() throws {
        signUp = try MailTemplate(
            fr: .init(
                subject: "Votre code de vérification Guichet : {{code}}",
                text: """
                    Bonjour {{firstName}},

                    Pour activer votre compte Guichet, entrez ce code de vérification :

                        {{code}}

                    ou ouvrez ce lien :
                    {{link}}

                    Le code et le lien sont valides {{hours}} heures et ne servent qu'une fois.
                    Si vous n'avez pas créé de compte, ignorez ce courriel : sans vérification, aucun compte n'est activé.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Pour activer votre compte Guichet, entrez ce code de vérification :</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>ou <a href="{{link}}">confirmez votre adresse en cliquant ici</a>.</p>
                    <p>Le code et le lien sont valides {{hours}} heures et ne servent qu'une fois.
                    Si vous n'avez pas créé de compte, ignorez ce courriel.</p>
                    """),
            en: .init(
                subject: "Your Guichet verification code: {{code}}",
                text: """
                    Hello {{firstName}},

                    To activate your Guichet account, enter this verification code:

                        {{code}}

                    or open this link:
                    {{link}}

                    The code and the link are valid for {{hours}} hours and work once.
                    If you did not create an account, ignore this mail: no account is activated without verification.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>To activate your Guichet account, enter this verification code:</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>or <a href="{{link}}">confirm your address by clicking here</a>.</p>
                    <p>The code and the link are valid for {{hours}} hours and work once.
                    If you did not create an account, ignore this mail.</p>
                    """))
        alreadyRegistered = try MailTemplate(
            fr: .init(
                subject: "Une inscription a été tentée avec votre courriel",
                text: """
                    Bonjour {{firstName}},

                    Quelqu'un a voulu créer un compte Guichet avec votre adresse, qui a déjà un compte.
                    Si c'était vous, connectez-vous, ou choisissez « Mot de passe oublié » si vous ne vous en souvenez plus.
                    Sinon, vous n'avez rien à faire : votre compte n'a pas changé.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Quelqu'un a voulu créer un compte Guichet avec votre adresse, qui a déjà un compte.
                    Si c'était vous, connectez-vous, ou choisissez « Mot de passe oublié ».</p>
                    <p>Sinon, vous n'avez rien à faire : votre compte n'a pas changé.</p>
                    """),
            en: .init(
                subject: "Someone tried to sign up with your email",
                text: """
                    Hello {{firstName}},

                    Someone tried to create a Guichet account with your address, which already has one.
                    If it was you, sign in, or choose "Forgot password" if you do not remember it.
                    Otherwise there is nothing to do: your account has not changed.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>Someone tried to create a Guichet account with your address, which already has one.
                    If it was you, sign in, or choose "Forgot password".</p>
                    <p>Otherwise there is nothing to do: your account has not changed.</p>
                    """))
        passwordReset = try MailTemplate(
            fr: .init(
                subject: "Réinitialisation de votre mot de passe Guichet : {{code}}",
                text: """
                    Bonjour {{firstName}},

                    Voici le code pour choisir un nouveau mot de passe :

                        {{code}}

                    Il est valide {{minutes}} minutes et ne sert qu'une fois.
                    Si vous n'avez rien demandé, ignorez ce courriel : votre mot de passe ne change pas.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Voici le code pour choisir un nouveau mot de passe :</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>Il est valide {{minutes}} minutes et ne sert qu'une fois.
                    Si vous n'avez rien demandé, ignorez ce courriel.</p>
                    """),
            en: .init(
                subject: "Resetting your Guichet password: {{code}}",
                text: """
                    Hello {{firstName}},

                    Here is the code to choose a new password:

                        {{code}}

                    It is valid for {{minutes}} minutes and works once.
                    If you did not ask for it, ignore this mail: your password does not change.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>Here is the code to choose a new password:</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>It is valid for {{minutes}} minutes and works once.
                    If you did not ask for it, ignore this mail.</p>
                    """))
        passwordChanged = try MailTemplate(
            fr: .init(
                subject: "Votre mot de passe Guichet a été changé",
                text: """
                    Bonjour {{firstName}},

                    Le mot de passe de votre compte Guichet a été changé et vos autres sessions ont été fermées.
                    Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Le mot de passe de votre compte Guichet a été changé et vos autres sessions ont été fermées.</p>
                    <p>Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.</p>
                    """),
            en: .init(
                subject: "Your Guichet password was changed",
                text: """
                    Hello {{firstName}},

                    The password of your Guichet account was changed and your other sessions were signed out.
                    If it was not you, choose "Forgot password" right away.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>The password of your Guichet account was changed and your other sessions were signed out.</p>
                    <p>If it was not you, choose "Forgot password" right away.</p>
                    """))
        emailChange = try MailTemplate(
            fr: .init(
                subject: "Confirmez votre nouveau courriel Guichet : {{code}}",
                text: """
                    Bonjour {{firstName}},

                    Pour que cette adresse devienne celle de votre compte Guichet, entrez ce code :

                        {{code}}

                    Il est valide {{minutes}} minutes et ne sert qu'une fois.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Pour que cette adresse devienne celle de votre compte Guichet, entrez ce code :</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>Il est valide {{minutes}} minutes et ne sert qu'une fois.</p>
                    """),
            en: .init(
                subject: "Confirm your new Guichet email: {{code}}",
                text: """
                    Hello {{firstName}},

                    To make this address your Guichet account's, enter this code:

                        {{code}}

                    It is valid for {{minutes}} minutes and works once.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>To make this address your Guichet account's, enter this code:</p>
                    <p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
                    <p>It is valid for {{minutes}} minutes and works once.</p>
                    """))
        emailChanged = try MailTemplate(
            fr: .init(
                subject: "Le courriel de votre compte Guichet a changé",
                text: """
                    Bonjour {{firstName}},

                    Votre compte Guichet utilise maintenant l'adresse {{newEmail}}. Les courriels n'arriveront plus ici.
                    Si ce n'était pas vous, communiquez avec l'organisme qui offre vos activités.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Votre compte Guichet utilise maintenant l'adresse {{newEmail}}. Les courriels n'arriveront plus ici.</p>
                    <p>Si ce n'était pas vous, communiquez avec l'organisme qui offre vos activités.</p>
                    """),
            en: .init(
                subject: "Your Guichet account's email changed",
                text: """
                    Hello {{firstName}},

                    Your Guichet account now uses the address {{newEmail}}. Mails will no longer arrive here.
                    If it was not you, contact the organisation that offers your activities.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>Your Guichet account now uses the address {{newEmail}}. Mails will no longer arrive here.</p>
                    <p>If it was not you, contact the organisation that offers your activities.</p>
                    """))
        secondFactorEnabled = try MailTemplate(
            fr: .init(
                subject: "La double authentification est activée sur votre compte Guichet",
                text: """
                    Bonjour {{firstName}},

                    Votre compte Guichet demande maintenant, après le mot de passe, un code de votre application d'authentification.
                    Gardez vos codes de récupération en lieu sûr : ils remplacent l'application si vous perdez votre téléphone.
                    Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Votre compte Guichet demande maintenant, après le mot de passe, un code de votre application d'authentification.</p>
                    <p>Gardez vos codes de récupération en lieu sûr : ils remplacent l'application si vous perdez votre téléphone.</p>
                    <p>Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.</p>
                    """),
            en: .init(
                subject: "Two-step verification is on for your Guichet account",
                text: """
                    Hello {{firstName}},

                    Your Guichet account now asks, after the password, for a code from your authenticator app.
                    Keep your recovery codes somewhere safe: they replace the app if you lose your phone.
                    If it was not you, choose "Forgot password" right away.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>Your Guichet account now asks, after the password, for a code from your authenticator app.</p>
                    <p>Keep your recovery codes somewhere safe: they replace the app if you lose your phone.</p>
                    <p>If it was not you, choose "Forgot password" right away.</p>
                    """))
        secondFactorDisabled = try MailTemplate(
            fr: .init(
                subject: "La double authentification est désactivée sur votre compte Guichet",
                text: """
                    Bonjour {{firstName}},

                    Votre compte Guichet ne demande plus de code d'application après le mot de passe.
                    Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Votre compte Guichet ne demande plus de code d'application après le mot de passe.</p>
                    <p>Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement.</p>
                    """),
            en: .init(
                subject: "Two-step verification is off for your Guichet account",
                text: """
                    Hello {{firstName}},

                    Your Guichet account no longer asks for an app code after the password.
                    If it was not you, choose "Forgot password" right away.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>Your Guichet account no longer asks for an app code after the password.</p>
                    <p>If it was not you, choose "Forgot password" right away.</p>
                    """))
        recoveryCodeUsed = try MailTemplate(
            fr: .init(
                subject: "Un code de récupération a servi à ouvrir votre compte Guichet",
                text: """
                    Bonjour {{firstName}},

                    Un de vos codes de récupération vient de remplacer le code de votre application d'authentification. Il vous en reste {{left}}.
                    Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement, puis obtenez de nouveaux codes de récupération.
                    """,
                html: """
                    <p>Bonjour {{firstName}},</p>
                    <p>Un de vos codes de récupération vient de remplacer le code de votre application d'authentification. Il vous en reste {{left}}.</p>
                    <p>Si ce n'était pas vous, choisissez « Mot de passe oublié » immédiatement, puis obtenez de nouveaux codes de récupération.</p>
                    """),
            en: .init(
                subject: "A recovery code was used to open your Guichet account",
                text: """
                    Hello {{firstName}},

                    One of your recovery codes just replaced your authenticator app's code. You have {{left}} left.
                    If it was not you, choose "Forgot password" right away, then get new recovery codes.
                    """,
                html: """
                    <p>Hello {{firstName}},</p>
                    <p>One of your recovery codes just replaced your authenticator app's code. You have {{left}} left.</p>
                    <p>If it was not you, choose "Forgot password" right away, then get new recovery codes.</p>
                    """))
    }
}
