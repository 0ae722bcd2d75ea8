import Foundation
import Hummingbird
import IdentityClient
import OpenAPIRuntime
import ServiceKit

/// The second factor in pages: turning an authenticator app on (QR code and key, then a first code and the
/// password), the recovery codes shown once, new ones, turning it off, and the code asked after the password at
/// sign-in. The rules (codes used once, attempts, throttling) are identity's.
struct SecondFactorPages: Sendable {
    let kit: PageKit
    var identity: IdentityClient.Client { kit.identity }
    var cookies: BrowserCookies { kit.cookies }

    static let path = "/compte/double-authentification"

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("\(Self.path)") { request, _ in try await statusPage(request) }
        group.post("\(Self.path)/cle") { request, _ in try await start(request) }
        group.post("\(Self.path)") { request, _ in try await confirm(request) }
        group.get("\(Self.path)/codes") { request, _ in try await kit.signedInForm(request) { Self.renewForm($0) } }
        group.post("\(Self.path)/codes") { request, _ in try await renew(request) }
        group.get("\(Self.path)/desactivation") { request, _ in try await kit.signedInForm(request) { Self.turnOffForm($0) } }
        group.post("\(Self.path)/desactivation") { request, _ in try await turnOff(request) }
    }

    // MARK: - Sign-in

    static func signInCodeForm(_ language: Language, challenge: String, staySignedIn: Bool, back: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.signInCodeTitle), intro: t(.signInCodeIntro), action: "/connexion/code", submit: t(.signInSubmit),
            fields: [.init(name: "code", label: t(.appCode), autocomplete: "one-time-code", hint: t(.signInCodeHint))],
            hidden: [("challenge", challenge), ("staySignedIn", staySignedIn ? "true" : ""), ("back", back)])
    }

    func completeSignIn(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let challenge = form.text("challenge", limit: 128)
        let stay = form.checked("staySignedIn")
        let back = LanguageChoice.safeBack(form.text("back", limit: 600))
        let answer = try await identity.completeSignIn(body: .json(.init(secondFactorToken: challenge, code: form.text("code", limit: 32))))
        if case .created(let created) = answer {
            // How long the browser keeps the session is identity's answer (the challenge kept the choice), not the form's.
            let tokens = try created.body.json
            let long = tokens.refreshExpiresAt.timeIntervalSince(kit.clock.now()) > 24 * 3600
            return try await kit.startSession(request, tokens: tokens, staySignedIn: long, back: back)
        }
        if case .unauthorized = answer {
            // The challenge ended (5 minutes, or 5 wrong codes): the password again, saying why.
            var page = AccountPages(kit: kit).signInForm(language, email: "", back: back)
            page.formErrors.append(try ServiceProblem.of(answer).summary)
            return kit.formResponse(page, request: request, language: language, status: .unauthorized)
        }
        return try kit.refused(
            answer, page: Self.signInCodeForm(language, challenge: challenge, staySignedIn: stay, back: back), request: request,
            language: language)
    }

    // MARK: - The account's second factor

    func statusPage(_ request: Request) async throws -> Response {
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        return try await statusView(request, session: session, notice: nil, recoveryCodes: [])
    }

    func statusView(
        _ request: Request, session: BrowserSessionStore.Session, notice: Text?, recoveryCodes: [String]
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let account = try await kit.account(session) else { return kit.signInFirst(request) }
        let factor = account.secondFactor
        let visit = FormVisit(request, cookies: cookies)
        var context: [String: Any] = [
            "heading": Strings.text(.secondFactorTitle, language), "on": factor?.enabled == true,
            "codesLeft": String(factor?.recoveryCodesLeft ?? 0), "formToken": visit.secret.formToken,
            "hasRecoveryCodes": !recoveryCodes.isEmpty, "recoveryCodes": recoveryCodes,
        ]
        if let notice { context["notice"] = Strings.text(notice, language) }
        var response = kit.pages.render(
            "second-factor", title: Strings.text(.secondFactorTitle, language), context: context, language: language, path: Self.path,
            signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    /// The setup form: the QR code of the key address, the key as text (in groups of four, as apps show it), then
    /// the first code and the password. The key travels in the form so that a refused code shows the same key again.
    static func setupForm(_ language: Language, secret: String, keyURI: String) -> FormPage {
        let t = { Strings.text($0, language) }
        let grouped = stride(from: 0, to: secret.count, by: 4).map { start in
            String(secret.dropFirst(start).prefix(4))
        }.joined(separator: " ")
        var page = FormPage(
            heading: t(.secondFactorSetupTitle), intro: t(.secondFactorScan), action: path, submit: t(.secondFactorConfirm),
            fields: [
                .init(name: "code", label: t(.appCode), autocomplete: "one-time-code", inputmode: "numeric", hint: t(.appCodeHint)),
                .init(name: "currentPassword", label: t(.currentPassword), kind: .password, autocomplete: "current-password"),
            ],
            hidden: [("secret", secret), ("keyUri", keyURI)],
            links: [.init(href: path, label: t(.backToSecondFactor))])
        if let svg = QRCodeImage.svg(keyURI, title: t(.secondFactorQRTitle), titleID: "key-qr-title") {
            page.keySetup = (svg, grouped)
        }
        return page
    }

    func start(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        _ = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await identity.startSecondFactor() }
        switch answer {
        case .created(let created):
            let setup = try created.body.json
            return kit.formResponse(
                Self.setupForm(language, secret: setup.secret, keyURI: setup.keyUri), request: request, language: language, signedIn: true)
        case .conflict:
            return try await statusView(request, session: session, notice: .secondFactorAlreadyOnNotice, recoveryCodes: [])
        case .unauthorized:
            return kit.signInFirst(request)
        case .undocumented(let status, _):
            throw PageErrors.Upstream(status: status)
        }
    }

    func confirm(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.confirmSecondFactor(
                body: .json(.init(code: form.text("code", limit: 32), currentPassword: form.password("currentPassword"))))
        }
        guard case .ok(let ok) = answer else {
            // Only a key address this page could have made is drawn again; anything else starts over.
            let secret = form.text("secret", limit: 64)
            let keyURI = form.text("keyUri", limit: 400)
            let base32 = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
            guard secret.unicodeScalars.allSatisfy(base32.contains), keyURI.hasPrefix("otpauth://totp/Guichet:"),
                keyURI.hasSuffix("?secret=\(secret)&issuer=Guichet&algorithm=SHA1&digits=6&period=30")
            else {
                return try await statusView(request, session: session, notice: nil, recoveryCodes: [])
            }
            return try kit.refused(
                answer, page: Self.setupForm(language, secret: secret, keyURI: keyURI), request: request, language: language,
                signedIn: true)
        }
        // Identity counts this session as having given the second factor; new tokens say so.
        var renewed: BrowserSessionStore.Session?
        if let secret = cookies.sessionSecret(request) { renewed = try await kit.currentSession(secret, refreshNow: true) }
        return try await statusView(
            request, session: renewed ?? session, notice: .secondFactorOnNotice, recoveryCodes: try ok.body.json.recoveryCodes)
    }

    static func renewForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.renewRecoveryCodes), intro: t(.renewRecoveryCodesIntro), action: "\(path)/codes", submit: t(.renewRecoveryCodesSubmit),
            fields: [.init(name: "code", label: t(.appCode), autocomplete: "one-time-code", hint: t(.signInCodeHint))],
            links: [.init(href: path, label: t(.backToSecondFactor))])
    }

    func renew(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.renewRecoveryCodes(body: .json(.init(code: form.text("code", limit: 32))))
        }
        guard case .ok(let ok) = answer else {
            return try kit.refused(answer, page: Self.renewForm(language), request: request, language: language, signedIn: true)
        }
        return try await statusView(request, session: session, notice: nil, recoveryCodes: try ok.body.json.recoveryCodes)
    }

    static func turnOffForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.turnOffTitle), intro: t(.turnOffIntro), action: "\(path)/desactivation", submit: t(.turnOffSubmit),
            fields: [
                .init(name: "code", label: t(.appCode), autocomplete: "one-time-code", hint: t(.signInCodeHint)),
                .init(name: "currentPassword", label: t(.currentPassword), kind: .password, autocomplete: "current-password"),
            ],
            links: [.init(href: path, label: t(.backToSecondFactor))])
    }

    func turnOff(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.removeSecondFactor(
                body: .json(.init(code: form.text("code", limit: 32), currentPassword: form.password("currentPassword"))))
        }
        guard case .noContent = answer else {
            return try kit.refused(
                answer, page: Self.turnOffForm(language), request: request, language: language, signedIn: true,
                fields: ["password": "currentPassword"])
        }
        return try await statusView(request, session: session, notice: .secondFactorOffNotice, recoveryCodes: [])
    }
}
