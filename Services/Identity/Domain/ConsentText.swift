import Foundation
import DomainKit

/// A versioned text a person consents to (CAL asks consent to the use of personal information at sign-up);
/// an account's consent records the version it saw.
struct ConsentText: Sendable, Equatable {
    var purpose: String
    var version: Int
    var text: LocalizedText
    var publishedAt: Date
}
