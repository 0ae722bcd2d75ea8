import Foundation
import Hummingbird
import IdentityClient
import Logging
import OpenAPIRuntime
import ServiceKit

/// The account pages: sign up (consent shown and accepted), verify by the mailed code or link, sign in (14 days
/// on request), sign out, forgotten password by mailed code, change email or password, delete the account. Every
/// rule is identity's; these pages only ask, pass on, and say identity's answer in the person's language.
struct AccountPages: Sendable {
    let kit: PageKit
    var identity: IdentityClient.Client { kit.identity }
    var sessions: BrowserSessionStore { kit.sessions }
    var cookies: BrowserCookies { kit.cookies }
    var pages: Pages { kit.pages }
    var clock: any WallClock { kit.clock }

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/compte/inscription") { request, _ in try await signUpPage(request) }
        group.post("/compte/inscription") { request, _ in try await signUp(request) }
        group.get("/compte/verification") { request, _ in try await verificationPage(request, email: "") }
        group.post("/compte/verification") { request, _ in try await verify(request) }
        group.post("/compte/verification/nouveau-code") { request, _ in try await resendCode(request) }
        group.get("/compte/confirmer") { request, _ in try await linkPage(request) }
        group.post("/compte/confirmer") { request, _ in try await confirmLink(request) }
        group.get("/connexion") { request, _ in try await signInPage(request, email: "") }
        group.post("/connexion") { request, _ in try await signIn(request) }
        group.post("/connexion/code") { request, _ in try await SecondFactorPages(kit: kit).completeSignIn(request) }
        group.post("/deconnexion") { request, _ in try await signOut(request) }
        group.get("/mot-de-passe-oublie") { request, _ in try await resetPage(request) }
        group.post("/mot-de-passe-oublie") { request, _ in try await requestReset(request) }
        group.post("/mot-de-passe-oublie/code") { request, _ in try await checkResetCode(request) }
        group.post("/mot-de-passe-oublie/nouveau") { request, _ in try await completeReset(request) }
        group.get("/compte") { request, _ in try await accountPage(request) }
        group.get("/compte/mot-de-passe") { request, _ in try await passwordPage(request) }
        group.post("/compte/mot-de-passe") { request, _ in try await changePassword(request) }
        group.get("/compte/courriel") { request, _ in try await emailPage(request) }
        group.post("/compte/courriel") { request, _ in try await requestEmailChange(request) }
        group.post("/compte/courriel/code") { request, _ in try await confirmEmailChange(request) }
        group.get("/compte/suppression") { request, _ in try await deletionPage(request) }
        group.post("/compte/suppression") { request, _ in try await deleteAccount(request) }
    }

    // MARK: - Sign up and verification

    func signUpForm(_ language: Language) async throws -> FormPage {
        async let consentAnswer = identity.getCurrentConsentText(query: .init(purpose: .personalInformation))
        async let rulesAnswer = identity.getPasswordRules()
        let consent = try await consentAnswer.ok.body.json
        let rules = try await rulesAnswer.ok.body.json
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.signUpTitle), intro: t(.signUpIntro), action: "/compte/inscription", submit: t(.signUpSubmit),
            fields: [
                .init(name: "firstName", label: t(.firstName), autocomplete: "given-name"),
                .init(name: "lastName", label: t(.lastName), autocomplete: "family-name"),
                .init(name: "email", label: t(.email), kind: .email, autocomplete: "email", hint: t(.emailHint)),
                .init(name: "birthDate", label: t(.birthDate), autocomplete: "bday", hint: t(.birthDateHint)),
                .init(name: "phone", label: t(.phone), kind: .tel, autocomplete: "tel", required: false),
                .init(
                    name: "password", label: t(.password), kind: .password, autocomplete: "new-password",
                    rules: rules.rules.map { $0.text.text(language) }),
                .init(
                    name: "consent", label: t(.consentAccept), kind: .checkbox, preamble: [t(.consentHeading), consent.text.text(language)]),
            ],
            hidden: [("consentVersion", String(consent.version))],
            links: [.init(href: "/connexion", label: t(.alreadyHaveAccount))])
    }

    func signUpPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        return kit.formResponse(try await signUpForm(language), request: request, language: language)
    }

    func signUp(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        var page = try await signUpForm(language)
        for index in page.fields.indices where page.fields[index].kind != .password {
            let name = page.fields[index].name
            page.fields[index].value = form.text(name, limit: name == "email" ? 254 : 100)
            page.fields[index].checked = form.checked(name)
        }
        let email = form.text("email")
        let birthDate = form.text("birthDate", limit: 10)
        let phone = form.text("phone", limit: 30)
        let answer = try await identity.signUp(
            body: .json(
                .init(
                    firstName: form.text("firstName", limit: 100), lastName: form.text("lastName", limit: 100), email: email,
                    password: form.password("password"), language: language == .fr ? .fr : .en, birthDate: birthDate,
                    phone: phone.isEmpty ? nil : phone,
                    consentVersion: form.checked("consent") ? Int(form.text("consentVersion", limit: 8)) ?? 0 : nil)))
        if case .accepted = answer {
            var next = verificationForm(language, email: email)
            next.notice = Strings.text(.codeSent, language)
            return kit.formResponse(next, request: request, language: language, status: .accepted)
        }
        return try kit.refused(answer, page: page, request: request, language: language, fields: ["consentVersion": "consent"])
    }

    func verificationForm(_ language: Language, email: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.verifyTitle), intro: t(.verifyIntro), action: "/compte/verification", submit: t(.verifySubmit),
            fields: [
                .init(name: "email", label: t(.email), kind: .email, value: email, autocomplete: "email"),
                .init(name: "code", label: t(.code6), autocomplete: "one-time-code", inputmode: "numeric", hint: t(.code6Hint)),
            ],
            secondary: .init(
                action: "/compte/verification/nouveau-code", text: t(.noCodeReceived), submit: t(.sendNewCode), hidden: [("email", email)]))
    }

    func verificationPage(_ request: Request, email: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        return kit.formResponse(verificationForm(language, email: email), request: request, language: language)
    }

    func verify(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let email = form.text("email")
        var page = verificationForm(language, email: email)
        let code = form.code()
        guard !code.isEmpty else {
            page.addErrors([Strings.text(.codeRequired, language)], to: "code")
            return kit.formResponse(page, request: request, language: language, status: .unprocessableContent)
        }
        let answer = try await identity.verifyAccount(body: .json(.init(email: email, code: code)))
        if case .ok = answer { return verified(request, language: language, email: email) }
        return try kit.refused(answer, page: page, request: request, language: language, fields: ["token": "code"])
    }

    func resendCode(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let email = form.text("email")
        var page = verificationForm(language, email: email)
        let answer = try await identity.resendVerification(body: .json(.init(email: email)))
        if case .accepted = answer {
            page.notice = Strings.text(.codeSent, language)
            return kit.formResponse(page, request: request, language: language)
        }
        return try kit.refused(answer, page: page, request: request, language: language)
    }

    /// The mailed link's page: opening it changes nothing (mail scanners open links); its button verifies.
    func linkForm(_ language: Language, sealedToken: String) -> FormPage {
        FormPage(
            heading: Strings.text(.confirmLinkTitle, language), intro: Strings.text(.confirmLinkIntro, language), action: "/compte/confirmer",
            submit: Strings.text(.confirmLinkSubmit, language), hidden: [("link", sealedToken)])
    }

    func linkPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let token = String((FormQuery(request.uri.query)["token"] ?? "").prefix(128))
        let visit = FormVisit(request, cookies: cookies)
        // The link's token goes into the page sealed with the browser's form secret, never as it came.
        let sealed = token.isEmpty ? "" : Base64URL.encode(try visit.secret.seal(Data(token.utf8), for: .mailedLinkToken))
        return kit.formResponse(linkForm(language, sealedToken: sealed), request: request, language: language, visit: visit)
    }

    func confirmLink(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let token = kit.opened(form.text("link", limit: 400), for: .mailedLinkToken, request: request)
        if let token {
            let answer = try await identity.verifyAccount(body: .json(.init(token: token)))
            if case .ok(let ok) = answer { return verified(request, language: language, email: (try? ok.body.json.email) ?? "") }
            _ = try ServiceProblem.of(answer)
        }
        return pages.message(
            .linkFailedTitle, .linkFailedText, language: language, path: "/compte/verification", status: .unprocessableContent,
            link: ("/compte/verification", Strings.text(.verifyTitle, language)))
    }

    /// After verification: the sign-in form, saying the address is confirmed.
    func verified(_ request: Request, language: Language, email: String) -> Response {
        var page = signInForm(language, email: email, back: "/compte")
        page.notice = Strings.text(.verifiedNotice, language)
        return kit.formResponse(page, request: request, language: language)
    }

    // MARK: - Sign in and out

    func signInForm(_ language: Language, email: String, back: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.signInTitle), action: "/connexion", submit: t(.signInSubmit),
            fields: [
                .init(name: "email", label: t(.email), kind: .email, value: email, autocomplete: "username"),
                .init(name: "password", label: t(.password), kind: .password, autocomplete: "current-password"),
                .init(name: "staySignedIn", label: t(.staySignedIn), kind: .checkbox, hint: "", required: false),
            ],
            hidden: [("back", back)],
            links: [
                .init(href: "/mot-de-passe-oublie", label: t(.forgotPassword)), .init(href: "/compte/inscription", label: t(.createAccount)),
                .init(href: "/compte/verification", label: t(.haveACode)),
            ])
    }

    func signInPage(_ request: Request, email: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let back = LanguageChoice.safeBack(FormQuery(request.uri.query)["back"] ?? "/compte")
        return kit.formResponse(signInForm(language, email: email, back: back), request: request, language: language)
    }

    func signIn(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let email = form.text("email")
        let back = LanguageChoice.safeBack(form.text("back", limit: 600))
        var page = signInForm(language, email: email, back: back)
        page.fields[2].checked = form.checked("staySignedIn")
        let stay = form.checked("staySignedIn")
        let answer = try await identity.signIn(body: .json(.init(email: email, password: form.password("password"), staySignedIn: stay)))
        switch answer {
        case .created(let created):
            return try await kit.startSession(request, tokens: try created.body.json, staySignedIn: stay, back: back)
        case .accepted(let accepted):
            // The password is right and the account has a second factor: its code, on the next page.
            let challenge = try accepted.body.json
            return kit.formResponse(
                SecondFactorPages.signInCodeForm(language, challenge: challenge.secondFactorToken, staySignedIn: stay, back: back),
                request: request, language: language)
        default:
            if case .forbidden(let forbidden) = answer, (try? forbidden.body.applicationProblemJson)?._type == "/problems/email-not-verified" {
                var next = verificationForm(language, email: email)
                next.notice = Strings.text(.notVerifiedNotice, language)
                return kit.formResponse(next, request: request, language: language, status: .forbidden)
            }
            return try kit.refused(answer, page: page, request: request, language: language)
        }
    }

    func signOut(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        _ = try await PostedForm(request, cookies: cookies)
        if let secret = cookies.sessionSecret(request) {
            // Signing out works even when identity does not answer: the browser's session ends here regardless.
            if let session = try? await kit.currentSession(secret) {
                // Identity revokes the session's refresh tokens; its access token lapses within minutes.
                _ = try? await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await identity.signOut() }
            }
            try? await sessions.delete(secret)
        }
        var response = pages.message(.signedOutTitle, .signedOutText, language: language, path: "/activites", status: .ok)
        response.headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.sessionName)))
        // A new form secret too: nothing sealed or posted before signing out is accepted after.
        response.headers.append(.init(name: .setCookie, value: cookies.setting(cookies.formName, BrowserSecret.generate().value, maxAge: nil)))
        response.headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.guestName)))
        return response
    }

    // MARK: - Forgotten password

    func resetForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.resetTitle), intro: t(.resetIntro), action: "/mot-de-passe-oublie", submit: t(.resetSubmit),
            fields: [.init(name: "email", label: t(.email), kind: .email, autocomplete: "email")])
    }

    func resetCodeForm(_ language: Language, email: String) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.resetCodeTitle), intro: t(.resetCodeIntro), action: "/mot-de-passe-oublie/code", submit: t(.verifySubmit),
            fields: [
                .init(name: "email", label: t(.email), kind: .email, value: email, autocomplete: "email"),
                .init(name: "code", label: t(.code6), autocomplete: "one-time-code", inputmode: "numeric", hint: t(.resetCodeHint)),
            ])
    }

    func newPasswordForm(_ language: Language, sealedGrant: String, rules: [String]) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.newPasswordTitle), action: "/mot-de-passe-oublie/nouveau", submit: t(.newPasswordSubmit),
            fields: [.init(name: "newPassword", label: t(.newPassword), kind: .password, autocomplete: "new-password", rules: rules)],
            hidden: [("grant", sealedGrant)])
    }

    func resetPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        return kit.formResponse(resetForm(language), request: request, language: language)
    }

    func requestReset(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let email = form.text("email")
        let answer = try await identity.requestPasswordReset(body: .json(.init(email: email)))
        guard case .accepted = answer else {
            var page = resetForm(language)
            page.fields[0].value = email
            return try kit.refused(answer, page: page, request: request, language: language)
        }
        var page = resetCodeForm(language, email: email)
        page.notice = Strings.text(.resetCodeSent, language)
        return kit.formResponse(page, request: request, language: language, status: .accepted)
    }

    func checkResetCode(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let email = form.text("email")
        let answer = try await identity.verifyPasswordReset(body: .json(.init(email: email, code: form.code())))
        guard case .ok(let ok) = answer else {
            return try kit.refused(answer, page: resetCodeForm(language, email: email), request: request, language: language)
        }
        // The grant goes into the page sealed with the browser's form secret: readable only with that browser's cookie.
        let visit = FormVisit(request, cookies: cookies)
        let sealed = Base64URL.encode(try visit.secret.seal(Data(try ok.body.json.resetToken.utf8), for: .resetGrant))
        return kit.formResponse(
            newPasswordForm(language, sealedGrant: sealed, rules: try await passwordRules(language)), request: request, language: language,
            visit: visit)
    }

    func completeReset(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let sealed = form.text("grant", limit: 400)
        guard let grant = kit.opened(sealed, for: .resetGrant, request: request) else {
            return pages.message(
                .linkFailedTitle, .resetExpiredText, language: language, path: "/mot-de-passe-oublie", status: .unprocessableContent,
                link: ("/mot-de-passe-oublie", Strings.text(.resetTitle, language)))
        }
        let answer = try await identity.completePasswordReset(body: .json(.init(resetToken: grant, newPassword: form.password("newPassword"))))
        guard case .noContent = answer else {
            let page = newPasswordForm(language, sealedGrant: sealed, rules: try await passwordRules(language))
            if case .unprocessableContent(let refusal) = answer, (try? refusal.body.applicationProblemJson)?.errors?.isEmpty ?? true {
                // Not a rule of the password: the grant has expired or was used.
                return pages.message(
                    .linkFailedTitle, .resetExpiredText, language: language, path: "/mot-de-passe-oublie", status: .unprocessableContent,
                    link: ("/mot-de-passe-oublie", Strings.text(.resetTitle, language)))
            }
            return try kit.refused(answer, page: page, request: request, language: language)
        }
        var page = signInForm(language, email: "", back: "/compte")
        page.notice = Strings.text(.passwordResetNotice, language)
        return kit.formResponse(page, request: request, language: language)
    }

    // MARK: - The signed-in account

    func accountPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        return try await accountView(request, session: session, language: language, notice: "")
    }

    func accountView(_ request: Request, session: BrowserSessionStore.Session, language: Language, notice: String) async throws -> Response {
        guard let account = try await kit.account(session) else { return kit.signInFirst(request) }
        let visit = FormVisit(request, cookies: cookies)
        var context: [String: Any] = [
            "heading": Strings.text(.accountTitle, language), "name": "\(account.firstName) \(account.lastName)", "email": account.email,
            "language": account.language == .fr ? "Français" : "English", "languageCode": account.language == .fr ? "fr" : "en",
            "formToken": visit.secret.formToken,
        ]
        if let pending = account.pendingEmail { context["pendingEmail"] = pending }
        context["isStaff"] = account.admin || !account.staffRoles.isEmpty
        context["secondFactorState"] = Strings.text(account.secondFactor?.enabled == true ? .secondFactorIsOn : .secondFactorIsOff, language)
        if !notice.isEmpty { context["notice"] = notice }
        var response = pages.render(
            "account", title: Strings.text(.accountTitle, language), context: context, language: language, path: "/compte", signedIn: true)
        visit.setCookie(on: &response)
        return response
    }

    func passwordForm(_ language: Language, rules: [String]) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.changePasswordTitle), action: "/compte/mot-de-passe", submit: t(.changePasswordSubmit),
            fields: [
                .init(name: "currentPassword", label: t(.currentPassword), kind: .password, autocomplete: "current-password"),
                .init(name: "newPassword", label: t(.newPassword), kind: .password, autocomplete: "new-password", rules: rules),
            ],
            links: [.init(href: "/compte", label: t(.backToAccount))])
    }

    func passwordPage(_ request: Request) async throws -> Response {
        try await kit.signedInForm(request) { passwordForm($0, rules: try await passwordRules($0)) }
    }

    func changePassword(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.changeMyPassword(
                body: .json(.init(currentPassword: form.password("currentPassword"), newPassword: form.password("newPassword"))))
        }
        guard case .noContent = answer else {
            let page = passwordForm(language, rules: try await passwordRules(language))
            return try kit.refused(answer, page: page, request: request, language: language, signedIn: true, fields: ["password": "currentPassword"])
        }
        return try await accountView(request, session: session, language: language, notice: Strings.text(.passwordChangedNotice, language))
    }

    func emailForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.changeEmailTitle), intro: t(.changeEmailIntro), action: "/compte/courriel", submit: t(.changeEmailSubmit),
            fields: [
                .init(name: "newEmail", label: t(.newEmail), kind: .email, autocomplete: "email"),
                .init(name: "password", label: t(.currentPassword), kind: .password, autocomplete: "current-password"),
            ],
            links: [.init(href: "/compte", label: t(.backToAccount))])
    }

    func emailCodeForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.changeEmailCodeTitle), action: "/compte/courriel/code", submit: t(.verifySubmit),
            fields: [.init(name: "code", label: t(.code6), autocomplete: "one-time-code", inputmode: "numeric", hint: t(.code6Hint))],
            links: [.init(href: "/compte", label: t(.backToAccount))])
    }

    func emailPage(_ request: Request) async throws -> Response {
        try await kit.signedInForm(request) { emailForm($0) }
    }

    func requestEmailChange(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let newEmail = form.text("newEmail")
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.requestEmailChange(body: .json(.init(newEmail: newEmail, password: form.password("password"))))
        }
        guard case .accepted = answer else {
            var page = emailForm(language)
            page.fields[0].value = newEmail
            return try kit.refused(answer, page: page, request: request, language: language, signedIn: true, fields: ["email": "newEmail"])
        }
        var page = emailCodeForm(language)
        page.notice = Strings.text(.emailCodeSent, language)
        return kit.formResponse(page, request: request, language: language, status: .accepted, signedIn: true)
    }

    func confirmEmailChange(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.confirmEmailChange(body: .json(.init(code: form.code())))
        }
        guard case .ok = answer else {
            return try kit.refused(answer, page: emailCodeForm(language), request: request, language: language, signedIn: true)
        }
        return try await accountView(request, session: session, language: language, notice: Strings.text(.emailChangedNotice, language))
    }

    func deletionForm(_ language: Language) -> FormPage {
        let t = { Strings.text($0, language) }
        return FormPage(
            heading: t(.deleteAccountTitle), intro: t(.deleteAccountIntro), action: "/compte/suppression", submit: t(.deleteAccountSubmit),
            fields: [.init(name: "password", label: t(.currentPassword), kind: .password, autocomplete: "current-password")],
            links: [.init(href: "/compte", label: t(.backToAccount))])
    }

    func deletionPage(_ request: Request) async throws -> Response {
        try await kit.signedInForm(request) { deletionForm($0) }
    }

    func deleteAccount(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        guard let (secret, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await identity.deleteMyAccount(body: .json(.init(password: form.password("password"))))
        }
        guard case .noContent = answer else {
            return try kit.refused(answer, page: deletionForm(language), request: request, language: language, signedIn: true)
        }
        try await sessions.delete(secret)
        var response = pages.message(.accountDeletedTitle, .accountDeletedText, language: language, path: "/activites", status: .ok)
        response.headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.sessionName)))
        response.headers.append(.init(name: .setCookie, value: cookies.setting(cookies.formName, BrowserSecret.generate().value, maxAge: nil)))
        response.headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.guestName)))
        return response
    }

    func passwordRules(_ language: Language) async throws -> [String] {
        try await identity.getPasswordRules().ok.body.json.rules.map { $0.text.text(language) }
    }
}

/// A page with a form: the browser's form secret, made (and set as a cookie) on its first form.
struct FormVisit {
    let secret: BrowserSecret
    private let cookie: String?

    init(_ request: Request, cookies: BrowserCookies) {
        if let existing = cookies.formSecret(request) {
            secret = existing
            cookie = nil
        } else {
            secret = BrowserSecret.generate()
            cookie = cookies.setting(cookies.formName, secret.value, maxAge: nil)
        }
    }

    func setCookie(on response: inout Response) {
        if let cookie { response.headers.append(.init(name: .setCookie, value: cookie)) }
    }
}

extension IdentityClient.Components.Schemas.LocalizedText: BilingualText {}
