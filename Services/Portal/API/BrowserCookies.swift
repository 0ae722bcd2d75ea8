import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The portal's two cookies. `form`: a secret every form's token derives from (anyone, signed in or not).
/// `session`: the secret of a signed-in browser. Both `HttpOnly` and `SameSite=Lax`; over HTTPS they are `Secure`
/// and take the `__Host-` prefix, which a browser only accepts from this very host, over HTTPS, for `Path=/`.
struct BrowserCookies: Sendable {
    let secure: Bool
    /// The public address's origin (`https://guichet.example`), which a form's `Origin` may name.
    let publicOrigin: String

    var formName: String { secure ? "__Host-guichet_form" : "guichet_form" }
    var sessionName: String { secure ? "__Host-guichet_session" : "guichet_session" }
    /// A guest's checkout and its token, sealed with the form secret (CSSPO: registering without an account).
    var guestName: String { secure ? "__Host-guichet_guest" : "guichet_guest" }

    static let staySignedInSeconds = 14 * 24 * 3600

    func formSecret(_ request: Request) -> BrowserSecret? { BrowserSecret(cookie: request.cookies[formName]?.value) }
    func sessionSecret(_ request: Request) -> BrowserSecret? { BrowserSecret(cookie: request.cookies[sessionName]?.value) }

    /// `maxAge` nil: until the browser closes.
    func setting(_ name: String, _ value: String, maxAge: Int?) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if secure { cookie += "; Secure" }
        return cookie
    }

    func clearing(_ name: String) -> String { setting(name, "", maxAge: 0) }
}

/// A posted form: its fields (`application/x-www-form-urlencoded`, at most 64 KiB), accepted only when it comes
/// from one of the portal's own pages: the browser's `Origin` (or `Sec-Fetch-Site`) names this site, and the form's
/// token matches the browser's form cookie.
struct PostedForm: Sendable {
    let fields: FormQuery

    enum Refusal: Error { case otherOrigin, missingToken, tooLarge, fileTooLarge }

    /// A form's fields: the longest (a profile's five 2,000-character answers, accents percent-encoded) fit.
    static let maximumBytes = 128 * 1024

    init(_ request: Request, cookies: BrowserCookies) async throws(Refusal) {
        guard Self.sameOrigin(request, publicOrigin: cookies.publicOrigin) else { throw .otherOrigin }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: Self.maximumBytes) } catch { throw .tooLarge }
        fields = FormQuery(String(buffer: buffer))
        guard let secret = cookies.formSecret(request), secret.accepts(formToken: fields["form_token"]) else { throw .missingToken }
    }

    /// The origin the browser is on (`scheme://host[:port]`): the scheme the gateway saw, the request's host. A
    /// page that a processor frames must name this one, which may differ from the public address (`localhost`).
    static func pageOrigin(_ request: Request, publicOrigin: String) -> String {
        guard let authority = (request.head.authority ?? request.headers[.host])?.lowercased(),
            authority.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) })
        else { return publicOrigin }
        let forwarded = request.headers[.xForwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let scheme = forwarded == "https" ? "https" : "http"
        return "\(scheme)://\(authority)"
    }

    /// A browser sends `Origin` with every POST. It must be the public address's origin, or name the very scheme,
    /// host and port the request was sent to (a newcomer may open `localhost` rather than `127.0.0.1`); the scheme is
    /// the one the gateway saw (`X-Forwarded-Proto`), plain HTTP otherwise. `Origin: null` is refused. Without
    /// `Origin` (an old browser), `Sec-Fetch-Site` must not say another site; the form token is checked either way.
    static func sameOrigin(_ request: Request, publicOrigin: String) -> Bool {
        if let origin = request.headers[.origin]?.lowercased() {
            if origin == publicOrigin { return true }
            guard let url = URL(string: origin), let host = url.host, let scheme = url.scheme else { return false }
            let authority = url.port.map { "\(host):\($0)" } ?? host
            // HTTP/1.1's Host header becomes the request's authority; a request built without one keeps the header.
            let target = request.head.authority ?? request.headers[.host]
            let forwarded = request.headers[.xForwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces)
            return authority == target?.lowercased() && scheme == (forwarded?.lowercased() ?? "http")
        }
        if let site = request.headers[.secFetchSite] { return site == "same-origin" || site == "none" }
        return true
    }

    /// A field as typed, trimmed, at most `limit` characters (longer is cut: the services refuse what is too long anyway).
    func text(_ name: String, limit: Int = 254) -> String {
        String((fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit))
    }

    /// A password exactly as typed (spaces count), at most 1,024 characters.
    func password(_ name: String) -> String { String((fields[name] ?? "").prefix(1024)) }

    func checked(_ name: String) -> Bool { fields[name] == "true" }

    /// A mailed code as typed, spaces and dashes left out ("123 456" is 123456).
    func code() -> String { String(text("code", limit: 40).filter { $0.isNumber }.prefix(16)) }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
    static let host = Self("Host")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
}
