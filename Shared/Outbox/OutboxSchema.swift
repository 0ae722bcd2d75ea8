import Database

/// The outbox and inbox tables, added to each service's migrations so they live in its own schema.
public enum OutboxSchema {
    public static func migration(_ version: Int) -> Migration {
        Migration(
            version, "outbox and inbox",
            [
                """
                CREATE TABLE outbox (
                    position bigserial PRIMARY KEY,
                    event_id uuid NOT NULL UNIQUE,
                    routing_key text NOT NULL,
                    type text NOT NULL,
                    subject text,
                    occurred_at timestamptz NOT NULL,
                    traceparent text,
                    payload bytea NOT NULL,
                    published_at timestamptz,
                    attempts integer NOT NULL DEFAULT 0,
                    last_error text
                )
                """,
                "CREATE INDEX outbox_unpublished ON outbox (position) WHERE published_at IS NULL",
                // One row per consumed event, written in the transaction of its effect: a redelivery finds it and does nothing.
                """
                CREATE TABLE inbox (
                    source text NOT NULL,
                    event_id text NOT NULL,
                    type text NOT NULL,
                    received_at timestamptz NOT NULL,
                    PRIMARY KEY (source, event_id)
                )
                """,
            ])
    }
}
