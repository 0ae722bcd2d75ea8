import Database
import Outbox

enum PaymentMigrations {
    static let all: [Migration] = [
        Migration(1, "payments", [
            """
            CREATE TABLE payments (
                id uuid PRIMARY KEY,
                checkout_id uuid NOT NULL,
                payer_account_id uuid,
                amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
                currency char(3) NOT NULL DEFAULT 'CAD' CHECK (currency = 'CAD'),
                status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown', 'refunded', 'partially-refunded')),
                created_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX payments_by_payer ON payments (payer_account_id, created_at DESC, id DESC)",
        ]),
        OutboxSchema.migration(2),
    ]
}
