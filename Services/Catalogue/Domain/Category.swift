import Foundation
import DomainKit

/// A kind of offering as parents browse them (CSSPO's "Activités", "Campagnes de financement", CAL's recovery courses).
struct Category: Sendable, Equatable {
    var id: UUID
    var code: String
    var position: Int
    var name: LocalizedText
}

/// A school subject (Mathématiques, Français…): what a course teaches.
struct Subject: Sendable, Equatable {
    var id: UUID
    var code: String
    var name: LocalizedText
}

/// A school level, by code (`secondaire-4`): whom an offering is for.
struct Level: Sendable, Equatable {
    var code: String
    var name: LocalizedText
}
