import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A form that sends a file (`multipart/form-data`): the same checks as `PostedForm` (the origin, the page's form
/// token) before the file is looked at. Parsed by MultipartKit; the file's type is decided by the service from its
/// content, never from what the browser declared.
struct UploadedForm: Sendable {
    /// The file chosen (empty when none was: a browser then sends an empty part).
    let file: [UInt8]

    /// The largest file an offering may ask for (enrolment's limit, 20 MiB) and the form around it; the gateway
    /// lets these routes through at 22 MiB, so that the portal answers with its own page just past this.
    static let maximumBytes = 20 * 1024 * 1024 + 64 * 1024
    /// An organisation's records export (enrolment takes 32 MiB) and the form around it; the gateway allows 33 MiB.
    static let maximumRecordsBytes = 32 * 1024 * 1024 + 64 * 1024

    private struct Fields: Decodable {
        var form_token: String?
        var file: Data?
    }

    init(_ request: Request, cookies: BrowserCookies, maximumBytes: Int = Self.maximumBytes) async throws(PostedForm.Refusal) {
        guard PostedForm.sameOrigin(request, publicOrigin: cookies.publicOrigin) else { throw .otherOrigin }
        // Only a signed-in browser with its form secret sends a file: nothing is read for anyone else.
        guard cookies.formSecret(request) != nil, cookies.sessionSecret(request) != nil else { throw .missingToken }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maximumBytes) } catch { throw .fileTooLarge }
        // Not a multipart body, or one that does not parse: the same as a form without its token.
        guard let boundary = request.headers[.contentType].flatMap(Self.boundary),
            let fields = try? FormDataDecoder().decode(Fields.self, from: buffer, boundary: boundary)
        else { throw .missingToken }
        guard let secret = cookies.formSecret(request), secret.accepts(formToken: fields.form_token) else { throw .missingToken }
        file = fields.file.map { [UInt8]($0) } ?? []
    }

    /// The `boundary` parameter of a `multipart/form-data` content type.
    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }
}
