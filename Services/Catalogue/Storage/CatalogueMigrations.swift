import Database
import Outbox

enum CatalogueMigrations {
    static let all: [Migration] = [
        Migration(
            1, "categories",
            [
                """
                CREATE TABLE categories (
                    id uuid PRIMARY KEY,
                    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
                    position integer NOT NULL,
                    name_fr text NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 200),
                    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
                    UNIQUE (position, id)
                )
                """,
                // The categories the seed platforms show; organisations add their own later.
                """
                INSERT INTO categories (id, code, position, name_fr, name_en) VALUES
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a001', 'cours-de-formation', 10, 'Cours de formation', 'Training courses'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a002', 'cours-de-rattrapage', 20, 'Cours de rattrapage', 'Recovery courses'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a003', 'activites', 30, 'Activités', 'Activities'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a004', 'sorties', 40, 'Sorties', 'Outings'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a005', 'campagnes-de-financement', 50, 'Campagnes de financement', 'Fund-raisers'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006', 'camps-de-jour', 60, 'Camps de jour', 'Day camps')
                """,
            ]),
        OutboxSchema.migration(2),
        Migration(
            3, "offerings and sessions",
            [
                """
                CREATE TABLE offerings (
                    id uuid PRIMARY KEY,
                    selling_organisation_id uuid NOT NULL,
                    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
                    title_fr text NOT NULL,
                    title_en text NOT NULL,
                    base_price_cents bigint NOT NULL CHECK (base_price_cents >= 0),
                    registration_opens_at timestamptz,
                    registration_closes_at timestamptz,
                    status text NOT NULL CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
                    version bigint NOT NULL CHECK (version > 0),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    UNIQUE (selling_organisation_id, code)
                )
                """,
                """
                CREATE TABLE sessions (
                    id uuid PRIMARY KEY,
                    offering_id uuid NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
                    name_fr text NOT NULL,
                    name_en text NOT NULL,
                    starts_on date NOT NULL,
                    ends_on date NOT NULL CHECK (ends_on >= starts_on),
                    capacity integer NOT NULL CHECK (capacity >= 0),
                    waitlist_size integer NOT NULL DEFAULT 0 CHECK (waitlist_size >= 0)
                )
                """,
                "CREATE INDEX sessions_by_offering ON sessions (offering_id)",
            ]),
        Migration(
            4, "organisations",
            [
                """
                CREATE TABLE organisations (
                    id uuid PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('school-service-centre', 'school', 'municipality', 'college', 'private-school')),
                    short_code text NOT NULL UNIQUE CHECK (short_code ~ '^[A-Z0-9][A-Z0-9-]{0,19}$'),
                    name_fr text NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 200),
                    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
                    parent_id uuid REFERENCES organisations (id),
                    version bigint NOT NULL CHECK (version > 0),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX organisations_by_parent ON organisations (parent_id)",
            ]),
        Migration(
            5, "offering categories and accent-insensitive search",
            [
                "ALTER TABLE offerings ADD COLUMN category_id uuid REFERENCES categories (id)",
                // unaccent() is only STABLE (its dictionary could change); pinned to one dictionary it can back an index.
                """
                CREATE FUNCTION search_form(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
                AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
                """,
                """
                ALTER TABLE offerings ADD COLUMN search_text text
                    GENERATED ALWAYS AS (search_form(code || ' ' || title_fr || ' ' || title_en)) STORED
                """,
                "CREATE INDEX offerings_search ON offerings USING gin (search_text public.gin_trgm_ops) WHERE status = 'published'",
                "CREATE INDEX offerings_published_by_title ON offerings (lower(title_fr), id) WHERE status = 'published'",
                "CREATE INDEX offerings_by_category ON offerings (category_id) WHERE status = 'published'",
            ]),
        // Prices by origin/residency, items, contract, refund and document policies: read and written whole with
        // the offering, carried whole by its events.
        Migration(
            6, "offering terms",
            [
                "ALTER TABLE offerings ADD COLUMN terms jsonb NOT NULL DEFAULT '{}'"
            ]),
        // Enrolment's counts, from its events (no foreign key: an event may outlive or precede a session here).
        Migration(
            7, "seats held and confirmed per session",
            [
                """
                CREATE TABLE session_seats (
                    session_id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    held integer NOT NULL CHECK (held >= 0),
                    confirmed integer NOT NULL CHECK (confirmed >= 0)
                )
                """
            ]),
        Migration(
            8, "subjects and levels",
            [
                """
                CREATE TABLE subjects (
                    id uuid PRIMARY KEY,
                    code text NOT NULL UNIQUE,
                    position integer NOT NULL,
                    name_fr text NOT NULL,
                    name_en text NOT NULL
                )
                """,
                """
                INSERT INTO subjects (id, code, position, name_fr, name_en) VALUES
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b001', 'anglais', 10, 'Anglais', 'English'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b002', 'arts', 20, 'Arts', 'Arts'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b003', 'francais', 30, 'Français', 'French'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b004', 'mathematiques', 40, 'Mathématiques', 'Mathematics'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b005', 'sciences', 50, 'Sciences', 'Science'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b006', 'histoire', 60, 'Histoire', 'History'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b007', 'geographie', 70, 'Géographie', 'Geography'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b008', 'education-physique', 80, 'Éducation physique', 'Physical education'),
                  ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3b009', 'musique', 90, 'Musique', 'Music')
                """,
                // Quebec's school levels, by code; offerings list the levels they are for.
                """
                CREATE TABLE levels (
                    code text PRIMARY KEY,
                    position integer NOT NULL UNIQUE,
                    name_fr text NOT NULL,
                    name_en text NOT NULL
                )
                """,
                """
                INSERT INTO levels (code, position, name_fr, name_en) VALUES
                  ('prescolaire', 10, 'Préscolaire', 'Preschool'),
                  ('primaire-1', 20, '1re année', 'Grade 1'),
                  ('primaire-2', 30, '2e année', 'Grade 2'),
                  ('primaire-3', 40, '3e année', 'Grade 3'),
                  ('primaire-4', 50, '4e année', 'Grade 4'),
                  ('primaire-5', 60, '5e année', 'Grade 5'),
                  ('primaire-6', 70, '6e année', 'Grade 6'),
                  ('secondaire-1', 80, 'Secondaire 1', 'Secondary 1'),
                  ('secondaire-2', 90, 'Secondaire 2', 'Secondary 2'),
                  ('secondaire-3', 100, 'Secondaire 3', 'Secondary 3'),
                  ('secondaire-4', 110, 'Secondaire 4', 'Secondary 4'),
                  ('secondaire-5', 120, 'Secondaire 5', 'Secondary 5'),
                  ('collegial', 130, 'Collégial', 'College'),
                  ('adulte', 140, 'Adulte', 'Adult')
                """,
                "ALTER TABLE offerings ADD COLUMN subject_id uuid REFERENCES subjects (id)",
                "ALTER TABLE offerings ADD COLUMN levels text[] NOT NULL DEFAULT '{}'",
                "CREATE INDEX offerings_by_level ON offerings USING gin (levels) WHERE status = 'published'",
            ]),
        Migration(
            9, "session details",
            [
                "ALTER TABLE sessions ADD COLUMN details jsonb NOT NULL DEFAULT '{\"online\": false}'"
            ]),
        // College programmes (JEE.0K) group courses; school years (2026-2027) and terms (A-2026) date them.
        Migration(
            10, "programmes, school years and terms",
            [
                """
                CREATE TABLE programmes (
                    id uuid PRIMARY KEY,
                    organisation_id uuid NOT NULL REFERENCES organisations (id),
                    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
                    name_fr text NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 200),
                    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
                    UNIQUE (organisation_id, code)
                )
                """,
                "ALTER TABLE offerings ADD COLUMN programme_id uuid REFERENCES programmes (id)",
                "ALTER TABLE offerings ADD COLUMN school_year text CHECK (school_year ~ '^[0-9]{4}-[0-9]{4}$')",
                "ALTER TABLE offerings ADD COLUMN term text CHECK (term ~ '^[AHE]-[0-9]{4}$')",
                "CREATE INDEX offerings_by_programme ON offerings (programme_id) WHERE status = 'published'",
            ]),
        // The letter to parents an organisation attaches to an offering (a PDF, public like the offering).
        Migration(
            11, "letters to parents",
            [
                """
                CREATE TABLE parent_letters (
                    offering_id uuid PRIMARY KEY REFERENCES offerings (id) ON DELETE CASCADE,
                    size_bytes integer NOT NULL CHECK (size_bytes > 0),
                    bytes bytea NOT NULL,
                    uploaded_by uuid NOT NULL,
                    uploaded_at timestamptz NOT NULL
                )
                """
            ]),
        // An organisation's address and numbers (GST, QST, NEQ), which its receipts, invoices and slips print.
        Migration(12, "organisation details", ["ALTER TABLE organisations ADD COLUMN details jsonb NOT NULL DEFAULT '{}'"]),
    ]
}
