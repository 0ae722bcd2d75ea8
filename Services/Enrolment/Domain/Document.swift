import Foundation
import ServiceKit

/// An uploaded file (an intervention plan) as the API describes it; the bytes stay sealed in storage.
struct DocumentInfo: Sendable, Equatable {
    var id: UUID
    var kind: String
    var contentType: String
    var sizeBytes: Int
    var schoolYear: String?
    var uploadedAt: Date
}

enum DocumentRules {
    /// The type from the file's first bytes, whatever the client declared.
    static func sniff(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }
}

extension Problem {
    static func unsupportedDocument(accepted: [String]) -> Problem {
        Problem(
            type: "/problems/unsupported-document", status: .unsupportedMediaType,
            title: .init(fr: "Ce type de fichier n'est pas accepté.", en: "This type of file is not accepted."),
            detail: .init(fr: "Types acceptés : \(accepted.joined(separator: ", ")).", en: "Accepted types: \(accepted.joined(separator: ", ")).")
        )
    }

    static let documentNotAsked = Problem(
        type: "/problems/document-not-asked", status: .unprocessableContent,
        title: .init(fr: "Cette offre ne demande pas de plan d'intervention.", en: "This offering does not ask for an intervention plan."))
}
