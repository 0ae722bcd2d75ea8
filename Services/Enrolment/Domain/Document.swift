import Foundation
import DomainKit

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
