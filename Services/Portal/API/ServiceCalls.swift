import Foundation
import HTTPTypes
import OpenAPIRuntime
import ServiceKit

/// What every call from the portal to a service carries on behalf of the person: their language (the services'
/// messages come back in it), their address (identity throttles per person, not per portal), their browser, the
/// request id, and their access token when the page acts for a signed-in person.
struct OnBehalfOfVisitor: ClientMiddleware {
    /// The access token for the calls made while it is set (`acting(with:_:)`).
    @TaskLocal static var accessToken: String?
    /// The language of the page being made (set for every page by `PageErrors`).
    @TaskLocal static var pageLanguage: Language?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let scope = RequestScope.current {
            request.headerFields[.acceptLanguage] = (Self.pageLanguage ?? scope.language).rawValue
            request.headerFields[.xRequestID] = scope.requestID
            if let address = scope.clientAddress { request.headerFields[.xForwardedFor] = address }
            if let agent = scope.userAgent { request.headerFields[.userAgent] = String(agent.prefix(300)) }
        }
        if let token = Self.accessToken { request.headerFields[.authorization] = "Bearer \(token)" }
        return try await next(request, body, baseURL)
    }

    /// Runs `body` with the person's access token on every call it makes.
    static func acting<Result: Sendable>(with token: String, _ body: () async throws -> Result) async rethrows -> Result {
        try await $accessToken.withValue(token, operation: body)
    }
}
