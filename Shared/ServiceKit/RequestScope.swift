import Database
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Messaging
import NIOCore
import Synchronization
import OpenAPIRuntime

/// What a handler knows about the request it serves. Generated OpenAPI handlers get no Hummingbird
/// context, so the middleware publishes this in a task-local.
public struct RequestScope: Sendable {
    @TaskLocal public static var current: RequestScope?

    public var requestID: String
    public var language: Language
    public var principal: Principal?
    /// The client's IP address (from `X-Forwarded-For` behind a trusted gateway), for throttling and security events.
    public var clientAddress: String?
    public var userAgent: String?
    public var logger: Logger
    let extraResponseHeaders: ResponseHeaderBox

    /// Adds a header to the response sent for this request. Used for `Location`, which the generated
    /// server code would percent-encode (`/` becomes `%2F`); the spec still documents it.
    public static func setResponseHeader(_ name: HTTPField.Name, _ value: String) {
        current?.extraResponseHeaders.fields.withLock { $0[name] = value }
    }

    /// The signed-in account, or a 401 problem.
    public static func requirePrincipal() throws(Problem) -> Principal {
        guard let principal = current?.principal else { throw .unauthenticated }
        return principal
    }

    public static var logger: Logger { current?.logger ?? Logger(label: "guichet") }
}

public struct GuichetRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// One middleware for what every request needs: a request id (taken from `X-Request-Id` or made),
/// the language, the bearer token checked, errors turned into problem+json, and one log line.
public struct RequestScopeMiddleware: RouterMiddleware {
    public typealias Context = GuichetRequestContext
    let verifier: AccessTokenVerifier?
    let trustForwardedFor: Bool

    public init(verifier: AccessTokenVerifier?, trustForwardedFor: Bool = false) {
        self.verifier = verifier
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = Self.requestID(from: request.headers[.xRequestID])
        let language = Language.negotiate(acceptLanguage: request.headers[.acceptLanguage])
        var logger = context.logger
        logger[metadataKey: "request_id"] = .string(requestID)
        // The caller's trace (W3C traceparent) or a new one: the events this request records carry it on.
        let trace = request.headers[.traceparent].flatMap(TraceContext.init(traceparent:)) ?? .root()
        logger[metadataKey: "trace_id"] = .string(trace.traceID)
        var response: Response
        do {
            let principal = try await authenticate(request)
            let extraHeaders = ResponseHeaderBox()
            let scope = RequestScope(
                requestID: requestID, language: language, principal: principal,
                clientAddress: clientAddress(request, context: context), userAgent: request.headers[.userAgent].map { String($0.prefix(200)) },
                logger: logger, extraResponseHeaders: extraHeaders)
            response = try await RequestScope.$current.withValue(scope) {
                try await TraceContext.$current.withValue(trace) {
                    try await next(request, context)
                }
            }
            for field in extraHeaders.fields.withLock({ $0 }) { response.headers[field.name] = field.value }
        } catch {
            let problem = Self.problem(for: error, logger: logger)
            response = problem.response(language: language, requestID: requestID, instance: request.uri.path)
        }
        response.headers[.xRequestID] = requestID
        let elapsed = ContinuousClock.now - started
        logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .stringConvertible(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000),
            ])
        return response
    }

    private func authenticate(_ request: Request) async throws(Problem) -> Principal? {
        guard let header = request.headers[.authorization] else { return nil }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer ", let verifier else {
            throw .invalidToken
        }
        return try await verifier.verify(String(header.dropFirst(7)))
    }

    private func clientAddress(_ request: Request, context: Context) -> String? {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
            let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        {
            return String(first.prefix(64))
        }
        return context.remoteAddress?.ipAddress
    }

    static func requestID(from header: String?) -> String {
        if let header, (1...128).contains(header.count),
            header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        {
            return header
        }
        return UUID().uuidString.lowercased()
    }

    /// Maps anything thrown below to a problem. Unknown errors are logged, never shown.
    static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refusal as any ProblemConvertible:
            return refusal.problem
        case let serverError as ServerError:
            if let problem = serverError.underlyingError as? Problem { return problem }
            if let refusal = serverError.underlyingError as? any ProblemConvertible { return refusal.problem }
            if let problem = Self.unstorableText(serverError.underlyingError) { return problem }
            if serverError.underlyingError is DecodingError || (400..<500).contains(serverError.httpStatus.code) {
                return .malformedRequest(serverError.causeDescription)
            }
            logger.error("handler failed", metadata: ["error": .string(String(reflecting: serverError.underlyingError))])
            return .internalError
        case let httpError as HTTPError where httpError.status == .notFound:
            return .notFound
        case let httpError as HTTPError where httpError.status == .methodNotAllowed:
            return .methodNotAllowed
        case let httpError as HTTPError where (400..<500).contains(httpError.status.code):
            return .malformedRequest(httpError.body ?? httpError.status.reasonPhrase)
        case is DecodingError:
            return .malformedRequest("The body does not match the expected JSON.")
        case is NIOTooManyBytesError:
            // A handler read the body up to its own limit (a webhook's, a document's): the client sent too much.
            return Problem(
                type: "/problems/payload-too-large", status: .contentTooLarge,
                title: .init(fr: "La requête est trop volumineuse.", en: "The request is too large."))
        default:
            if let problem = Self.unstorableText(error) { return problem }
            logger.error("request failed", metadata: ["error": .string(String(reflecting: error))])
            return .internalError
        }
    }

    /// Text PostgreSQL cannot store (a NUL character, which JSON allows as \u0000): the client's input, not a
    /// server fault. The statement failed, so nothing changed.
    static func unstorableText(_ error: any Error) -> Problem? {
        guard let state = error.sqlState, state == "22021" || state == "22P05" else { return nil }
        return Problem(
            type: "/problems/malformed-request", status: .badRequest,
            title: .init(fr: "La requête est mal formée.", en: "The request is malformed."),
            detail: .init(fr: "Le texte ne peut pas contenir le caractère NUL.", en: "Text may not contain the NUL character."))
    }
}

final class ResponseHeaderBox: Sendable {
    let fields = Mutex(HTTPFields())
}

extension HTTPField.Name {
    public static let xRequestID = Self("X-Request-Id")!
    public static let xForwardedFor = Self("X-Forwarded-For")!
    public static let traceparent = Self("traceparent")!
}
