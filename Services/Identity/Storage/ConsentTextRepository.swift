import Foundation
import Logging
import PostgresNIO
import ServiceKit

protocol ConsentTextRepository: Sendable {
    /// The latest version published at or before `now`.
    func current(purpose: String, now: Date) async throws -> ConsentText?
}

struct PostgresConsentTextRepository: ConsentTextRepository {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    func current(purpose: String, now: Date) async throws -> ConsentText? {
        let rows = try await client.query(
            """
            SELECT version, text_fr, text_en, published_at FROM consent_texts
            WHERE purpose = \(purpose) AND published_at <= \(now)
            ORDER BY version DESC LIMIT 1
            """, logger: logger)
        for try await (version, fr, en, publishedAt) in rows.decode((Int, String, String, Date).self) {
            return ConsentText(purpose: purpose, version: version, text: .init(fr: fr, en: en), publishedAt: publishedAt)
        }
        return nil
    }
}
