import Database
import Mail
import Outbox
import Projections

enum IdentityMigrations {
    static let all: [Migration] = [
        Migration(
            1, "consent texts",
            [
                """
                CREATE TABLE consent_texts (
                    purpose text NOT NULL,
                    version integer NOT NULL CHECK (version > 0),
                    text_fr text NOT NULL,
                    text_en text NOT NULL,
                    published_at timestamptz NOT NULL,
                    PRIMARY KEY (purpose, version)
                )
                """,
                """
                INSERT INTO consent_texts (purpose, version, text_fr, text_en, published_at) VALUES (
                  'personal-information', 1,
                  'J''accepte que mes renseignements personnels et ceux des personnes que j''inscris soient utilisés par l''organisme qui offre l''activité et par Guichet pour traiter l''inscription et le paiement, et conservés le temps exigé par la loi.',
                  'I agree that my personal information and that of the people I register be used by the organisation offering the activity and by Guichet to process the registration and payment, and kept as long as the law requires.',
                  '2026-01-01T00:00:00Z')
                """,
            ]),
        OutboxSchema.migration(2),
        MailQueue.migration(3),
        Migration(
            4, "accounts, email challenges, sessions, roles, throttles, security events",
            [
                // `email` is stored trimmed and lower-cased; one live account (pending or active) per address.
                """
                CREATE TABLE accounts (
                    id uuid PRIMARY KEY,
                    status text NOT NULL CHECK (status IN ('pending', 'active', 'deleted')),
                    email text,
                    first_name text,
                    last_name text,
                    birth_date date,
                    phone text,
                    language text NOT NULL CHECK (language IN ('fr', 'en')),
                    password_hash text,
                    version bigint NOT NULL DEFAULT 1,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    verified_at timestamptz,
                    deleted_at timestamptz,
                    CHECK (status = 'deleted' OR (email IS NOT NULL AND password_hash IS NOT NULL))
                )
                """,
                "CREATE UNIQUE INDEX accounts_live_email ON accounts (email) WHERE status <> 'deleted'",
                """
                CREATE TABLE consents (
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    purpose text NOT NULL,
                    version integer NOT NULL,
                    accepted_at timestamptz NOT NULL,
                    PRIMARY KEY (account_id, purpose, version),
                    FOREIGN KEY (purpose, version) REFERENCES consent_texts (purpose, version)
                )
                """,
                // Codes are kept as an HMAC (a 6-digit code hashed without a secret falls to a million guesses);
                // link tokens and reset grants (256 random bits) as SHA-256.
                """
                CREATE TABLE email_challenges (
                    id uuid PRIMARY KEY,
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    purpose text NOT NULL CHECK (purpose IN ('sign-up', 'password-reset', 'email-change')),
                    code_hash bytea NOT NULL,
                    link_hash bytea UNIQUE,
                    grant_hash bytea UNIQUE,
                    new_email text,
                    failed_attempts integer NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL,
                    used_at timestamptz,
                    voided_at timestamptz
                )
                """,
                "CREATE INDEX email_challenges_by_account ON email_challenges (account_id, purpose, created_at DESC)",
                """
                CREATE TABLE sign_in_sessions (
                    id uuid PRIMARY KEY,
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    stay_signed_in boolean NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL,
                    revoked_at timestamptz,
                    revoked_reason text
                )
                """,
                "CREATE INDEX sign_in_sessions_by_account ON sign_in_sessions (account_id) WHERE revoked_at IS NULL",
                """
                CREATE TABLE refresh_tokens (
                    token_hash bytea PRIMARY KEY,
                    session_id uuid NOT NULL REFERENCES sign_in_sessions ON DELETE CASCADE,
                    issued_at timestamptz NOT NULL,
                    used_at timestamptz
                )
                """,
                "CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id)",
                """
                CREATE TABLE organisations (
                    id uuid PRIMARY KEY,
                    parent_id uuid,
                    short_code text NOT NULL,
                    name_fr text NOT NULL,
                    name_en text NOT NULL,
                    version bigint NOT NULL
                )
                """,
                """
                CREATE TABLE staff_grants (
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    organisation_id uuid NOT NULL REFERENCES organisations,
                    granted_by uuid NOT NULL,
                    granted_at timestamptz NOT NULL,
                    PRIMARY KEY (account_id, organisation_id)
                )
                """,
                // Failed attempts per key ("sign-in:email:…", "sign-in:address:…"), counted in a window.
                """
                CREATE TABLE throttles (
                    key text PRIMARY KEY,
                    failures integer NOT NULL,
                    window_started_at timestamptz NOT NULL,
                    blocked_until timestamptz
                )
                """,
                """
                CREATE TABLE security_events (
                    id uuid PRIMARY KEY,
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    kind text NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    client_address text,
                    user_agent text
                )
                """,
                "CREATE INDEX security_events_by_account ON security_events (account_id, occurred_at DESC, id DESC)",
            ]),
        // The organisations table is now the shared `OrganisationProjection`'s, which keeps the kind too.
        Migration(5, "organisation kind", ["ALTER TABLE organisations ADD COLUMN kind text"]),
        // The second factor: one authenticator app per account (its secret sealed, see SecretCodec), the last
        // step whose code was used (so a code works once), ten recovery codes as HMACs, and the challenge a
        // sign-in with a correct password gets instead of tokens.
        Migration(
            6, "second factor",
            [
                """
                CREATE TABLE second_factors (
                    account_id uuid PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
                    sealed_secret bytea NOT NULL,
                    created_at timestamptz NOT NULL,
                    confirmed_at timestamptz,
                    last_used_step bigint NOT NULL DEFAULT 0
                )
                """,
                """
                CREATE TABLE recovery_codes (
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    code_hash bytea NOT NULL,
                    used_at timestamptz,
                    PRIMARY KEY (account_id, code_hash)
                )
                """,
                """
                CREATE TABLE second_factor_challenges (
                    id uuid PRIMARY KEY,
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    token_hash bytea NOT NULL UNIQUE,
                    stay_signed_in boolean NOT NULL,
                    failed_attempts integer NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL,
                    used_at timestamptz
                )
                """,
                "ALTER TABLE sign_in_sessions ADD COLUMN second_factor_at timestamptz",
            ]),
        // A grant's kind: `staff` (the organisation's work) or `admin` (also its staff list and its logs). Every
        // grant, change of kind and revocation is logged per organisation, with who did it; the log outlives the
        // accounts it names.
        Migration(
            7, "staff role kinds and their log",
            [
                "ALTER TABLE staff_grants ADD COLUMN role text NOT NULL DEFAULT 'staff' CHECK (role IN ('staff', 'admin'))",
                """
                CREATE TABLE staff_changes (
                    id uuid PRIMARY KEY,
                    organisation_id uuid NOT NULL,
                    account_id uuid NOT NULL,
                    change text NOT NULL CHECK (change IN ('granted', 'role-changed', 'revoked')),
                    role text NOT NULL,
                    changed_by uuid NOT NULL,
                    changed_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX staff_changes_by_organisation ON staff_changes (organisation_id, changed_at DESC, id DESC)",
            ]),
        Migration(8, "organisations' address and numbers", [OrganisationProjection.detailsColumn]),
        // Consents given after sign-up, and withdrawn: the ledger keeps both moments. Electronic delivery of
        // documents (Relevé 24 slips by email needs the payer's prior consent).
        Migration(
            9, "electronic documents consent",
            [
                "ALTER TABLE consents ADD COLUMN withdrawn_at timestamptz",
                // Every giving and withdrawal, never changed: `consents` says what is in force, this says when.
                """
                CREATE TABLE consent_changes (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
                    purpose text NOT NULL,
                    version integer,
                    given boolean NOT NULL,
                    changed_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX consent_changes_by_account ON consent_changes (account_id, changed_at)",
                """
                INSERT INTO consent_texts (purpose, version, text_fr, text_en, published_at) VALUES (
                  'electronic-documents', 1,
                  'J''accepte de recevoir par courriel, plutôt que par la poste, les documents que les organismes m''émettent dans Guichet, dont mes relevés 24 (frais de garde d''enfants). Je peux retirer ce consentement en tout temps dans mon compte.',
                  'I agree to receive by email, rather than by post, the documents organisations issue to me in Guichet, including my Relevé 24 slips (childcare expenses). I may withdraw this consent at any time in my account.',
                  '2026-01-01T00:00:00Z')
                """,
            ]),
    ]
}
