import Contracts
import Messaging
import Foundation
import Logging
import PostgresNIO

/// A service's copy of the catalogue's organisations (`catalogue.organisation.*`), the same table and handler
/// in every service that needs it: staff roles, records, receipt numbers (`CSSBE-2026-000123`).
public enum OrganisationProjection {
    public static let table = """
        CREATE TABLE organisations (
            id uuid PRIMARY KEY,
            version bigint NOT NULL,
            parent_id uuid,
            kind text,
            short_code text NOT NULL,
            name_fr text NOT NULL,
            name_en text NOT NULL
        )
        """

    /// Keeps the newest version; an older or repeated one changes nothing.
    public static let handler = EventHandler { event, connection, logger in
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
