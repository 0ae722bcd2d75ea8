import EnrolmentClient
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import ServiceKit

/// Intervention plans (CAL, CSSPO): attached to a cart line before paying or to a registration later, listed with
/// their type, size and date, opened through the portal (enrolment decides who may: the child's guardians and the
/// organisation's staff). The cart and registration pages show the block; this holds what they share.
struct DocumentPages: Sendable {
    let kit: PageKit
    let enrolment: EnrolmentClient.Client

    typealias Rules = EnrolmentClient.Components.Schemas.PlanRules
    typealias Document = EnrolmentClient.Components.Schemas.Document

    func register(on router: Router<GuichetRequestContext>) {
        router.get("/documents/:documentId") { request, context in
            try await download(request, id: context.parameters.get("documentId") ?? "")
        }
    }

    /// The file, as an attachment: a PDF or an image sent by a family is never shown inside the portal's pages.
    func download(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        guard let (_, session) = try await kit.signedIn(request) else { return kit.signInFirst(request) }
        let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
            try await enrolment.downloadDocument(path: .init(documentId: id))
        }
        let (body, type, ext): (HTTPBody, String, String)
        switch answer {
        case .ok(let ok):
            switch ok.body {
            case .pdf(let file): (body, type, ext) = (file, "application/pdf", "pdf")
            case .jpeg(let file): (body, type, ext) = (file, "image/jpeg", "jpg")
            case .png(let file): (body, type, ext) = (file, "image/png", "png")
            }
        case .unauthorized: return kit.signInFirst(request)
        case .notFound: throw HTTPError(.notFound)
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
        // A child's plan: kept by no cache.
        return try await Self.attachment(
            body, type: type, filename: "plan-\(id.prefix(8)).\(ext)", upTo: UploadedForm.maximumBytes, cacheControl: "private, no-store")
    }

    /// A file handed to the browser to save (`Content-Disposition: attachment`, `nosniff`): a document from a family
    /// or an organisation is never shown inside a page of the portal's origin.
    static func attachment(
        _ body: HTTPBody, type: String, filename: String, upTo maximumBytes: Int, cacheControl: String
    ) async throws -> Response {
        let bytes = try await [UInt8](collecting: body, upTo: maximumBytes)
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: "attachment; filename=\"\(filename)\"", .cacheControl: cacheControl,
                .xContentTypeOptions: "nosniff",
            ],
            body: .init(byteBuffer: .init(bytes: bytes)))
    }

    /// The plan block of a cart line or a registration, when its offering asks for a plan.
    static func context(
        id: String, participant: String, rules: Rules?, documents: [Document], action: String, mayUpload: Bool, error: String?,
        language: Language
    ) -> [String: Any]? {
        guard let rules else { return nil }
        let t = { Strings.text($0, language) }
        let types = rules.acceptedTypes.map { Formatting.documentType($0.rawValue) }.joined(separator: ", ")
        var values: [String: Any] = [
            "id": id, "participant": participant, "planAction": action, "mayUpload": mayUpload,
            "planAsked": t(rules.asked == .required ? .planRequired : .planOptional),
            "planHint": t(.planFileHint).replacingOccurrences(of: "{types}", with: types)
                .replacingOccurrences(of: "{size}", with: Formatting.size(bytes: rules.maximumBytes, language)),
            "accept": rules.acceptedTypes.map(\.rawValue).joined(separator: ","),
            "hasDocuments": !documents.isEmpty,
            "documents": documents.map { document -> [String: String] in
                [
                    "documentId": document.id,
                    "description": t(.documentUploaded).replacingOccurrences(
                        of: "{type}", with: Formatting.documentType(document.contentType.rawValue)
                    )
                    .replacingOccurrences(of: "{size}", with: Formatting.size(bytes: document.sizeBytes, language))
                    .replacingOccurrences(of: "{date}", with: DateText.day(document.uploadedAt, language)),
                ]
            },
            // A cart line keeps one plan (a new one replaces it); a registration may gain more.
            "planSubmit": t(documents.isEmpty ? .planSubmit : (action.hasPrefix("/panier") ? .planReplace : .planAdd)),
        ]
        if let error { values["planError"] = error }
        return values
    }

    /// The error summary of a page whose plan was refused: its message, linked to the file field.
    static func errorSummary(lineId: String, message: String) -> [String: String] { ["lineId": lineId, "message": message] }

    /// The file for enrolment: the type named by its first bytes (enrolment checks them again and refuses others).
    static func kind(of bytes: [UInt8]) -> String {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        return "application/pdf"
    }

    /// What enrolment's refusal of a file says, in the page's language.
    static func refusal(_ answer: some Sendable, _ language: Language) throws -> String {
        try ServiceProblem.of(answer).messages(language).joined(separator: " ")
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

extension DocumentPages {
    /// A staff list as a CSV file (`name`.csv, made safe), kept by no cache: it names people.
    static func csvFile(_ body: HTTPBody, name: String, upTo maximumBytes: Int = 8 * 1024 * 1024) async throws -> Response {
        try await attachment(
            body, type: "text/csv; charset=utf-8", filename: safeFileName(name) + ".csv", upTo: maximumBytes, cacheControl: "private, no-store")
    }

    /// A file name safe inside `Content-Disposition`'s quotes: ASCII letters, digits and hyphens only.
    static func safeFileName(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
    }
}
