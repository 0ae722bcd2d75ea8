import Foundation
import HTTPTypes
import Hummingbird
import IdentityClient
import OpenAPIRuntime
import ServiceKit

/// What every page that acts for a person shares: their session (refreshed when needed), the form token and
/// cookies, rendering a form page, and saying a service's refusal on it.
struct PageKit: Sendable {
    let identity: IdentityClient.Client
    let sessions: BrowserSessionStore
    let cookies: BrowserCookies
    let pages: Pages
    let clock: any WallClock

    /// The signed-in browser's session (its access token fresh), or nil.
    func signedIn(_ request: Request) async throws -> (BrowserSecret, BrowserSessionStore.Session)? {
        guard let secret = cookies.sessionSecret(request), let session = try await currentSession(secret) else { return nil }
        return (secret, session)
    }

    func currentSession(_ secret: BrowserSecret, refreshNow: Bool = false) async throws -> BrowserSessionStore.Session? {
        let identity = self.identity
        let clock = self.clock
        return try await sessions.session(secret, at: clock.now(), refreshNow: refreshNow) { tokens in
            let answer = try await identity.refreshSession(body: .json(.init(refreshToken: tokens.refreshToken)))
            switch answer {
            case .ok(let ok):
                let renewed = try ok.body.json
                return IdentityTokens(
                    accessToken: renewed.accessToken, accessExpiresAt: clock.now().addingTimeInterval(TimeInterval(renewed.expiresIn)),
                    refreshToken: renewed.refreshToken, refreshExpiresAt: renewed.refreshExpiresAt, secondFactorAt: renewed.secondFactorAt)
            case .unauthorized, .unprocessableContent, .badRequest: return nil
            case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
            }
        }
    }

    /// Signed in at identity: the browser's session is made (the one it had before ends), and the browser goes `back`.
    func startSession(
        _ request: Request, tokens: Components.Schemas.SessionTokens, staySignedIn: Bool, back: String
    ) async throws -> Response {
        let now = clock.now()
        // Signing in again in the same browser ends the session it had (its tokens are not left behind).
        if let previous = cookies.sessionSecret(request) { try await sessions.delete(previous) }
        let secret = BrowserSecret.generate()
        try await sessions.create(
            secret,
            session: .init(
                accountId: UUID(uuidString: tokens.accountId) ?? UUID(),
                tokens: .init(
                    accessToken: tokens.accessToken, accessExpiresAt: now.addingTimeInterval(TimeInterval(tokens.expiresIn)),
                    refreshToken: tokens.refreshToken, refreshExpiresAt: tokens.refreshExpiresAt, secondFactorAt: tokens.secondFactorAt),
                staySignedIn: staySignedIn),
            at: now)
        var headers: HTTPFields = [.location: back]
        let lifetime = staySignedIn ? BrowserCookies.staySignedInSeconds : nil
        headers.append(.init(name: .setCookie, value: cookies.setting(cookies.sessionName, secret.value, maxAge: lifetime)))
        // A new form secret with the new session: nothing posted before signing in is accepted after.
        headers.append(.init(name: .setCookie, value: cookies.setting(cookies.formName, BrowserSecret.generate().value, maxAge: nil)))
        headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.guestName)))
        return Response(status: .seeOther, headers: headers)
    }

    /// To the sign-in page, coming back here after (a form posted once the session had ended comes back to the account).
    /// The signed-in person's account at identity; nil when identity no longer accepts the session (to sign in again).
    func account(_ session: BrowserSessionStore.Session) async throws -> IdentityClient.Components.Schemas.Account? {
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) { try await identity.getMyAccount() }
        guard case .ok(let ok) = answer else {
            if case .unauthorized = answer { return nil }
            _ = try ServiceProblem.of(answer)
            throw PageErrors.Upstream(status: 502)
        }
        return try ok.body.json
    }

    func signInFirst(_ request: Request) -> Response {
        let back = request.method == .get ? request.uri.path : "/compte"
        var headers: HTTPFields = [.location: "/connexion?back=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")]
        headers.append(.init(name: .setCookie, value: cookies.clearing(cookies.sessionName)))
        return Response(status: .seeOther, headers: headers)
    }

    /// A form page for a signed-in person, or the sign-in page.
    func signedInForm(_ request: Request, _ form: (Language) async throws -> FormPage) async throws -> Response {
        let language = LanguageChoice.of(request)
        guard try await signedIn(request) != nil else { return signInFirst(request) }
        return formResponse(try await form(language), request: request, language: language, signedIn: true)
    }

    /// What `?fait=…` says on the page a form sent the person to after it succeeded, if it is one of `notices`.
    func notice(_ request: Request, _ notices: [String: Text], _ language: Language) -> String? {
        FormQuery(request.uri.query)["fait"].flatMap { notices[$0] }.map { Strings.text($0, language) }
    }

    /// A sealed value from a page (a link's token, a reset grant), opened with this browser's form secret.
    func opened(_ sealed: String, for purpose: BrowserSecret.Purpose, request: Request) -> String? {
        guard let secret = cookies.formSecret(request), let data = Base64URL.decode(sealed), let plain = secret.open(data, for: purpose) else {
            return nil
        }
        return String(decoding: plain, as: UTF8.self)
    }

    /// The guest checkouts this browser holds (empty without the cookie, or once the form secret changed).
    func guestCheckouts(_ request: Request) -> GuestCheckouts {
        guard let sealed = request.cookies[cookies.guestName]?.value, let opened = opened(sealed, for: .guestCheckout, request: request) else {
            return GuestCheckouts()
        }
        return GuestCheckouts(text: opened)
    }

    /// The cookie holding `checkouts`, sealed with this browser's form secret; it lasts as long as that secret (the
    /// browser's session), and a new secret (sign-in, sign-out) leaves it unreadable.
    func guestCookie(_ checkouts: GuestCheckouts, _ request: Request) throws -> String? {
        guard let secret = cookies.formSecret(request) else { return nil }
        let sealed = try secret.seal(Data(checkouts.text.utf8), for: .guestCheckout)
        return cookies.setting(cookies.guestName, Base64URL.encode(sealed), maxAge: nil)
    }

    func formResponse(
        _ page: FormPage, request: Request, language: Language, status: HTTPResponse.Status = .ok, signedIn: Bool? = nil,
        visit: FormVisit? = nil
    ) -> Response {
        let visit = visit ?? FormVisit(request, cookies: cookies)
        var response = pages.render(
            "form", title: page.hasErrors ? Strings.text(.errorTitlePrefix, language) + page.heading : page.heading,
            context: page.context(formToken: visit.secret.formToken, language: language), language: language,
            path: request.method == .get && request.uri.query?.contains("token") != true ? request.uri.description : page.restartPath,
            status: status, signedIn: signedIn ?? (cookies.sessionSecret(request) != nil), cardEntryOrigin: page.cardEntry?.origin,
            script: page.liveTotal != nil)
        visit.setCookie(on: &response)
        return response
    }

    /// A service's refusal said on the form: each field's errors next to it, the rest at the top. `fields` maps the
    /// service's field names to the form's where they differ.
    func refused(
        _ answer: some Sendable, page: FormPage, request: Request, language: Language, signedIn: Bool? = nil, fields: [String: String] = [:]
    ) throws -> Response {
        let found = try ServiceProblem.of(answer)
        var page = page
        if found.errors.isEmpty {
            page.formErrors.append(found.summary)
        } else {
            for error in found.errors {
                page.addErrors([error.message.text(for: language)], to: fields[error.field] ?? error.field)
            }
        }
        return formResponse(
            page, request: request, language: language, status: found.pageStatus, signedIn: signedIn)
    }
}

/// A service's problem+json (RFC 9457), whichever generated client it came through: every service writes the same
/// shape (ServiceKit's `Problem`, its errors DomainKit's `FieldError`).
struct ServiceProblem: Decodable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var errors: [FieldError]

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        title = try container.decode(String.self, forKey: .title)
        status = try container.decode(Int.self, forKey: .status)
        detail = try container.decodeIfPresent(String.self, forKey: .detail)
        errors = try container.decodeIfPresent([FieldError].self, forKey: .errors) ?? []
    }

    /// The title and the detail, for a refusal that names no field.
    var summary: String { [title, detail].compactMap { $0 }.joined(separator: " ") }

    /// Every reason, for a page that has no field to put them next to: each field's message, or the summary.
    func messages(_ language: Language) -> [String] { errors.isEmpty ? [summary] : errors.map { $0.message.text(for: language) } }

    /// The page's status: the service's own refusal (4xx); a body claiming anything else reads as 422.
    var pageStatus: HTTPResponse.Status { HTTPResponse.Status(code: (400..<500).contains(status) ? status : 422) }

    /// The problem in a generated client's answer (`.unprocessableContent(Components.Responses.Problem)` and the
    /// like). An answer the document does not describe (a 5xx) fails the page, which then says "unavailable".
    static func of(_ answer: some Sendable) throws -> ServiceProblem {
        guard let response = Mirror(reflecting: answer).children.first?.value else { throw PageErrors.Upstream(status: 502) }
        let parts = Mirror(reflecting: response).children
        if let status = parts.first?.value as? Int { throw PageErrors.Upstream(status: status) }  // .undocumented(statusCode:, _)
        guard let body = parts.first(where: { $0.label == "body" })?.value,
            let problem = Mirror(reflecting: body).children.first?.value as? any Encodable
        else { throw PageErrors.Upstream(status: 502) }
        return try JSONDecoder().decode(ServiceProblem.self, from: JSONEncoder().encode(problem))
    }
}
