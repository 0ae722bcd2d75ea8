import Foundation
import Logging
import PostgresNIO

/// A large catalogue for benchmarks: subjects × levels × places, spread over 60 organisations and the six
/// categories, each with one session and an open registration window. Written in SQL, in one statement per
/// table, so 20,000 offerings take seconds. No events: benchmarks measure the catalogue's own reads.
enum CatalogueGenerator {
    static func generate(count: Int, client: PostgresClient, logger: Logger) async throws {
        let batch = UUID().uuidString.prefix(8).lowercased()
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO offerings (id, selling_organisation_id, code, category_id, title_fr, title_en, base_price_cents,
                    registration_opens_at, registration_closes_at, status, version, created_at, updated_at, terms)
                SELECT gen_random_uuid(),
                    ('00000000-0000-4000-8000-' || lpad(to_hex(i % 60), 12, '0'))::uuid,
                    'G' || \(String(batch)) || '-' || i,
                    (SELECT id FROM categories ORDER BY position OFFSET (i % 6) LIMIT 1),
                    (ARRAY['Mathématiques','Français','Anglais','Sciences et technologie','Histoire','Géographie','Arts plastiques',
                           'Musique','Éducation physique','Éthique et culture religieuse','Camp de jour','Natation','Soccer','Théâtre'])[1 + i % 14]
                        || ' ' || (ARRAY['préscolaire','1re année','2e année','3e année','4e année','5e année','6e année',
                           'secondaire 1','secondaire 2','secondaire 3','secondaire 4','secondaire 5','adulte'])[1 + (i / 14) % 13]
                        || ' — ' || (ARRAY['Baie-Comeau','Gatineau','Rimouski','Saint-Georges','Lévis','Sherbrooke','Trois-Rivières',
                           'Québec','Montréal','Chicoutimi'])[1 + (i / 182) % 10] || ' ' || i,
                    'Offering ' || i,
                    (i % 40) * 500,
                    now() - interval '1 day', now() + interval '30 days', 'published', 1, now(), now(),
                    '{"refundPolicy": {"kind": "full-before-start"}}'::jsonb
                FROM generate_series(1, \(count)) AS i
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size)
                SELECT gen_random_uuid(), id, 'Été', 'Summer', current_date + 40 + (hashtext(code) & 63),
                    current_date + 45 + (hashtext(code) & 63), 30, 5
                FROM offerings WHERE code LIKE \("G\(batch)-%")
                """, logger: logger)
        }
    }
}
