import Foundation
import Mustache
import ServiceKit

/// The small page the mailed link opens. Opening it changes nothing (mail scanners open links); the button
/// posts the token, which verifies.
enum VerificationPage {
    private static let template = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Guichet</title>
            <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.7rem 1.4rem}</style>
            </head><body>
            <h1>{{title}}</h1>
            <p>{{message}}</p>
            {{#token}}<form method="post" action="verify-email"><input type="hidden" name="token" value="{{token}}"><button type="submit">{{button}}</button></form>{{/token}}
            </body></html>
            """)

    static func confirm(token: String, language: Language) -> String {
        render(
            language: language, token: token,
            title: .init(fr: "Confirmer votre adresse courriel", en: "Confirm your email address"),
            message: .init(fr: "Cliquez sur le bouton pour activer votre compte Guichet.", en: "Click the button to activate your Guichet account."))
    }

    static func result(verified: Bool, language: Language) -> String {
        verified
            ? render(
                language: language, token: nil, title: .init(fr: "Adresse confirmée", en: "Address confirmed"),
                message: .init(fr: "Votre compte est activé. Vous pouvez vous connecter.", en: "Your account is active. You can sign in."))
            : render(
                language: language, token: nil, title: .init(fr: "Lien non valide", en: "Link not valid"),
                message: Problem.verificationFailed.detail!)
    }

    private static func render(language: Language, token: String?, title: LocalizedText, message: LocalizedText) -> String {
        var values: [String: Any] = [
            "lang": language.rawValue, "title": title.text(for: language), "message": message.text(for: language),
            "button": language == .fr ? "Confirmer" : "Confirm",
        ]
        if let token { values["token"] = token }
        return template.render(values)
    }
}
