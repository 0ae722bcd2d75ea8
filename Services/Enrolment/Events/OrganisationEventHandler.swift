import Contracts
import Foundation
import Logging
import Messaging
import Outbox
import PostgresNIO

/// Keeps the catalogue's organisation tree (`catalogue.organisation.*`): staff of an organisation act for those below it.
enum OrganisationEventHandler {
    static let handler = EventHandler { event, connection, logger in
        let organisation = try EventJSON.decoder.decode(OrganisationEvent.self, from: Data(event.data))
        try await connection.query(
            """
            INSERT INTO organisations (id, version, parent_id, kind, short_code, name_fr, name_en)
            VALUES (\(organisation.organisationId), \(organisation.version), \(organisation.parentId), \(organisation.kind),
                \(organisation.shortCode), \(organisation.name.fr), \(organisation.name.en))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, parent_id = EXCLUDED.parent_id, kind = EXCLUDED.kind,
                short_code = EXCLUDED.short_code, name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en
            WHERE organisations.version < EXCLUDED.version
            """, logger: logger)
    }
}
