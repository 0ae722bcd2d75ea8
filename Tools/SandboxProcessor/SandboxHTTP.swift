import Crypto
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

// MARK: - HTTP plumbing

enum SandboxHTTP {
    static let cors: HTTPFields = [
        .accessControlAllowOrigin: "*", .accessControlAllowMethods: "POST, OPTIONS", .accessControlAllowHeaders: "Content-Type",
    ]

    static func authorise(_ request: Request, settings: SandboxSettings) throws {
        guard request.headers[.authorization] == "Bearer \(settings.secretKey)" else {
            throw SandboxError(status: .unauthorized, code: "invalid_api_key", message: "Invalid API key.")
        }
    }

    static func idempotencyKey(_ request: Request) throws -> String {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!], !key.isEmpty else {
            throw SandboxError(status: .badRequest, code: "idempotency_key_required", message: "Idempotency-Key is required.")
        }
        return key
    }

    static func answer(_ value: some Encodable, status: HTTPResponse.Status, cors: Bool = false) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if cors { headers.append(contentsOf: Self.cors) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder().encode(value))))
    }
}

/// Errors as `{"error": {"code", "message"}}` with their status.
struct SandboxErrors<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as SandboxError {
            return try SandboxHTTP.answer(["error": error], status: error.status)
        } catch let error as any HTTPResponseError where error.status == .badRequest {
            return try SandboxHTTP.answer(
                ["error": SandboxError(status: .badRequest, code: "invalid_request", message: "\(error)")], status: .badRequest)
        }
    }
}
