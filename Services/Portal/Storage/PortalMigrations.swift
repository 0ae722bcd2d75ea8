import Database

enum PortalMigrations {
    static let all: [Migration] = [
        Migration(
            1, "browser sessions",
            [
                // One row per signed-in browser. `secret_hash` is SHA-256 of the cookie's secret; `sealed_tokens`
                // holds identity's tokens sealed with a key derived from that secret (BrowserSecret).
                """
                CREATE TABLE browser_sessions (
                    secret_hash bytea PRIMARY KEY,
                    account_id uuid NOT NULL,
                    sealed_tokens bytea NOT NULL,
                    stay_signed_in boolean NOT NULL,
                    created_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX browser_sessions_expiry ON browser_sessions (expires_at)",
            ])
    ]
}
