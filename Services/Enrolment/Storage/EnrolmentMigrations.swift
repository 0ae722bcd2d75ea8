import Database
import Outbox

enum EnrolmentMigrations {
    static let all: [Migration] = [
        Migration(1, "participants and guardians", [
            """
            CREATE TABLE participants (
                id uuid PRIMARY KEY,
                first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
                last_name text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
                birth_date date NOT NULL,
                created_at timestamptz NOT NULL
            )
            """,
            // Separated guardians each have their own account; each link is one row.
            """
            CREATE TABLE participant_guardians (
                participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                account_id uuid NOT NULL,
                since timestamptz NOT NULL,
                PRIMARY KEY (participant_id, account_id)
            )
            """,
            "CREATE INDEX participant_guardians_by_account ON participant_guardians (account_id)",
        ]),
        OutboxSchema.migration(2),
        // A copy of the catalogue's offerings, kept from its events: carts are priced and seats held from it.
        Migration(3, "offerings projection", [
            """
            CREATE TABLE offerings (
                id uuid PRIMARY KEY,
                version bigint NOT NULL,
                status text NOT NULL,
                selling_organisation_id uuid NOT NULL,
                code text NOT NULL,
                title_fr text NOT NULL,
                title_en text NOT NULL,
                base_price_cents bigint NOT NULL,
                registration_opens_at timestamptz,
                registration_closes_at timestamptz,
                received_at timestamptz NOT NULL
            )
            """,
            """
            CREATE TABLE offering_sessions (
                id uuid PRIMARY KEY,
                offering_id uuid NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
                name_fr text NOT NULL,
                name_en text NOT NULL,
                starts_on date NOT NULL,
                ends_on date NOT NULL,
                capacity integer NOT NULL,
                waitlist_size integer NOT NULL
            )
            """,
            "CREATE INDEX offering_sessions_by_offering ON offering_sessions (offering_id)",
        ]),
    ]
}
