import Database

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
    ]
}
