import Contracts
import Messaging
import Outbox
import Foundation
import Logging
import PostgresNIO

/// A consumer's own copy of the organisations the catalogue announces (`catalogue.organisation.*`): built from
/// the event contract alone (never from the catalogue's tables), the same table and handler in every service that
/// needs it: staff roles, records, receipt numbers (`CSSBE-2026-000123`).
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
    public static let handler = EventHandler(OrganisationEvent.self) { organisation, context in
        try await context.connection.query(
            """
            INSERT INTO organisations (id, version, parent_id, kind, short_code, name_fr, name_en)
            VALUES (\(organisation.organisationId), \(organisation.version), \(organisation.parentId), \(organisation.kind),
                \(organisation.shortCode), \(organisation.name.fr), \(organisation.name.en))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, parent_id = EXCLUDED.parent_id, kind = EXCLUDED.kind,
                short_code = EXCLUDED.short_code, name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en
            WHERE organisations.version < EXCLUDED.version
            """, logger: context.logger)
    }
}
