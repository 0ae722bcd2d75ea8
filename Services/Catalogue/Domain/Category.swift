import Foundation
import ServiceKit

/// A kind of offering as parents browse them (CSSPO's "Activités", "Campagnes de financement", CAL's recovery courses).
struct Category: Sendable, Equatable {
    var id: UUID
    var code: String
    var position: Int
    var name: LocalizedText
}
