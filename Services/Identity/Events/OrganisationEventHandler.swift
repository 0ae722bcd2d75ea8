import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// Keeps identity's list of organisations (staff roles are granted in them, and a school service centre's
/// staff act on the schools below it) from `catalogue.organisation.*`. An older version changes nothing.
enum OrganisationEventHandler {
    static let handler = EventHandler { event, connection, logger in
        let organisation = try EventJSON.decoder.decode(OrganisationEvent.self, from: Data(event.data))
        try await connection.query(
            """
            INSERT INTO organisations (id, parent_id, short_code, name_fr, name_en, version)
            VALUES (\(organisation.organisationId), \(organisation.parentId), \(organisation.shortCode), \(organisation.name.fr),
                \(organisation.name.en), \(organisation.version))
            ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, short_code = EXCLUDED.short_code,
                name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en, version = EXCLUDED.version
            WHERE organisations.version < EXCLUDED.version
            """, logger: logger)
    }
}
