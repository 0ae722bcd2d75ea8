import Foundation
import PostgresNIO
import ServiceKit

/// Enrolment's copy of an offering, as last received from the catalogue.
struct OfferingView: Sendable {
    struct Session: Sendable {
        var id: UUID
        var startsOn: String
        var endsOn: String
        var capacity: Int
    }

    var id: UUID
    var version: Int64
    var status: String
    var sellingOrganisationId: UUID
    var code: String
    var title: LocalizedText
    var basePriceCents: Int64
    var sessions: [Session]
}

struct OfferingProjection: Sendable {
    let client: PostgresClient

    func find(id: UUID) async throws -> OfferingView? {
        let logger = RequestScope.logger
        var view: OfferingView?
        for try await (version, status, organisation, code, titleFr, titleEn, price) in try await client.query(
            "SELECT version, status, selling_organisation_id, code, title_fr, title_en, base_price_cents FROM offerings WHERE id = \(id)",
            logger: logger
        ).decode((Int64, String, UUID, String, String, String, Int64).self) {
            view = OfferingView(
                id: id, version: version, status: status, sellingOrganisationId: organisation, code: code,
                title: .init(fr: titleFr, en: titleEn), basePriceCents: price, sessions: [])
        }
        guard var found = view else { return nil }
        for try await (sessionId, startsOn, endsOn, capacity) in try await client.query(
            """
            SELECT id, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'), capacity
            FROM offering_sessions WHERE offering_id = \(id) ORDER BY starts_on, id
            """, logger: logger
        ).decode((UUID, String, String, Int).self) {
            found.sessions.append(.init(id: sessionId, startsOn: startsOn, endsOn: endsOn, capacity: capacity))
        }
        return found
    }
}
