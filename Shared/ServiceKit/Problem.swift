import DomainKit
import Foundation
import HTTPTypes
import Hummingbird

/// An RFC 9457 problem. Handlers throw it; `RequestScopeMiddleware` renders it as `application/problem+json`.
public struct Problem: Error, Sendable, Equatable {
    /// Stable relative URI, e.g. `/problems/validation`; documented in each service's spec.
    public var type: String
    public var status: HTTPResponse.Status
    public var title: LocalizedText
    public var detail: LocalizedText?
    public var errors: [FieldError]
    public var headers: [String: String]

    public init(
        type: String, status: HTTPResponse.Status, title: LocalizedText, detail: LocalizedText? = nil,
        errors: [FieldError] = [], headers: [String: String] = [:]
    ) {
        self.type = type
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.type == rhs.type && lhs.status == rhs.status && lhs.title == rhs.title && lhs.detail == rhs.detail
            && lhs.errors == rhs.errors
    }
}

extension Problem {
    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(
            type: "/problems/validation", status: .unprocessableContent,
            title: .init(fr: "Certains champs sont invalides.", en: "Some fields are invalid."),
            errors: errors)
    }

    public static func malformedRequest(_ detail: String) -> Problem {
        Problem(
            type: "/problems/malformed-request", status: .badRequest,
            title: .init(fr: "La requête est mal formée.", en: "The request is malformed."),
            detail: .init(fr: detail, en: detail))
    }

    public static let unauthenticated = Problem(
        type: "/problems/unauthenticated", status: .unauthorized,
        title: .init(fr: "Veuillez vous connecter.", en: "Please sign in."),
        headers: ["WWW-Authenticate": "Bearer"])

    public static let invalidToken = Problem(
        type: "/problems/invalid-token", status: .unauthorized,
        title: .init(
            fr: "Votre session n'est plus valide. Veuillez vous reconnecter.",
            en: "Your session is no longer valid. Please sign in again."),
        headers: ["WWW-Authenticate": #"Bearer error="invalid_token""#])

    public static let forbidden = Problem(
        type: "/problems/forbidden", status: .forbidden,
        title: .init(fr: "Vous n'avez pas accès à cette ressource.", en: "You do not have access to this resource."))

    public static let notFound = Problem(
        type: "/problems/not-found", status: .notFound,
        title: .init(fr: "Ressource introuvable.", en: "Resource not found."))

    public static let methodNotAllowed = Problem(
        type: "/problems/method-not-allowed", status: .methodNotAllowed,
        title: .init(fr: "Méthode non permise.", en: "Method not allowed."))

    public static let internalError = Problem(
        type: "/problems/internal", status: .internalServerError,
        title: .init(
            fr: "Une erreur inattendue est survenue. Réessayez plus tard.",
            en: "An unexpected error occurred. Please try again later."))

    /// Too many attempts from this client or on this account: retry after the given delay (never a permanent lock).
    public static func tooManyRequests(retryAfterSeconds: Int) -> Problem {
        let seconds = max(1, retryAfterSeconds)
        return Problem(
            type: "/problems/too-many-requests", status: .tooManyRequests,
            title: .init(fr: "Trop de tentatives.", en: "Too many attempts."),
            detail: .init(
                fr: "Réessayez dans \(seconds) seconde\(seconds > 1 ? "s" : "").",
                en: "Try again in \(seconds) second\(seconds > 1 ? "s" : "")."),
            headers: ["Retry-After": String(seconds)])
    }

    public static let unavailable = Problem(
        type: "/problems/unavailable", status: .serviceUnavailable,
        title: .init(
            fr: "Le service est temporairement indisponible.", en: "The service is temporarily unavailable."),
        headers: ["Retry-After": "5"])
}

/// The JSON body of a problem, in the language the client asked for; `localized` carries both.
struct ProblemDocument: Encodable {
    struct Localized: Encodable {
        var title: String
        var detail: String?
    }

    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?
    var requestId: String
    var errors: [FieldError]?
    var localized: [String: Localized]

    init(_ problem: Problem, language: Language, requestID: String, instance: String?) {
        type = problem.type
        title = problem.title.text(for: language)
        status = Int(problem.status.code)
        detail = problem.detail?.text(for: language)
        self.instance = instance
        self.requestId = requestID
        errors = problem.errors.isEmpty ? nil : problem.errors
        localized = Dictionary(
            uniqueKeysWithValues: Language.allCases.map {
                ($0.rawValue, Localized(title: problem.title.text(for: $0), detail: problem.detail?.text(for: $0)))
            })
    }
}

extension Problem {
    public func response(language: Language, requestID: String, instance: String?) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(ProblemDocument(self, language: language, requestID: requestID, instance: instance))) ?? Data()
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        fields[.contentLanguage] = language.rawValue
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A domain error the API answers as a problem: the domain says what went wrong, the API says it in HTTP.
/// Each service's API/ gives its domain errors this conformance; the request scope renders them.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

extension FieldErrors: ProblemConvertible {
    /// A domain rule's refusal of some fields: the 422 every service documents.
    public var problem: Problem { .validation(errors) }
}
