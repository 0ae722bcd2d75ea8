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

    /// The address and numbers (`Details`, as JSON), added to the table after it was first made.
    public static let detailsColumn = "ALTER TABLE organisations ADD COLUMN details jsonb NOT NULL DEFAULT '{}'"

    /// What receipts, invoices and slips print about their organisation.
    public struct Details: Codable, Sendable, Equatable {
        public var address: PostalAddress?
        public var gstNumber: String?
        public var qstNumber: String?
        public var enterpriseNumber: String?

        public init(address: PostalAddress? = nil, gstNumber: String? = nil, qstNumber: String? = nil, enterpriseNumber: String? = nil) {
            self.address = address
            self.gstNumber = gstNumber
            self.qstNumber = qstNumber
            self.enterpriseNumber = enterpriseNumber
        }
    }

    /// Keeps the newest version; an older or repeated one changes nothing.
    public static let handler = EventHandler(OrganisationEvent.self) { organisation, context in
        let details = Details(
            address: organisation.address, gstNumber: organisation.gstNumber, qstNumber: organisation.qstNumber,
            enterpriseNumber: organisation.enterpriseNumber)
        let json = String(decoding: try EventJSON.encoder.encode(details), as: UTF8.self)
        try await context.connection.query(
            """
            INSERT INTO organisations (id, version, parent_id, kind, short_code, name_fr, name_en, details)
            VALUES (\(organisation.organisationId), \(organisation.version), \(organisation.parentId), \(organisation.kind),
                \(organisation.shortCode), \(organisation.name.fr), \(organisation.name.en), \(json)::jsonb)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, parent_id = EXCLUDED.parent_id, kind = EXCLUDED.kind,
                short_code = EXCLUDED.short_code, name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en, details = EXCLUDED.details
            WHERE organisations.version < EXCLUDED.version
            """, logger: context.logger)
    }
}
