import Database
import Mail
import Outbox
import Projections
import ServiceKit

enum PaymentMigrations {
    static let all: [Migration] = [
        Migration(
            1, "payments",
            [
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
        // The first table held no payment yet (the service only listed them); it is rebuilt with what a charge keeps.
        Migration(
            3, "checkouts, charges, receipts, refunds",
            [
                "DROP TABLE payments",
                // Enrolment's checkouts, from its events: the amount, lines and payer come from here, never from the client.
                """
                CREATE TABLE checkouts (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    selling_organisation_id uuid NOT NULL,
                    payer_account_id uuid,
                    guest_token_sha256 text,
                    amount_cents bigint NOT NULL,
                    hold_expires_at timestamptz NOT NULL,
                    expired boolean NOT NULL DEFAULT false,
                    document jsonb NOT NULL,
                    received_at timestamptz NOT NULL
                )
                """,
                // One attempt to charge a checkout. Only the processor's references and the card's brand, last 4 and
                // expiry are kept: never a card number or CVC (PCI DSS 3.3.1.2).
                """
                CREATE TABLE payments (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    checkout_id uuid NOT NULL REFERENCES checkouts (id),
                    payer_account_id uuid,
                    selling_organisation_id uuid NOT NULL,
                    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
                    refunded_cents bigint NOT NULL DEFAULT 0 CHECK (refunded_cents BETWEEN 0 AND amount_cents),
                    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'declined', 'unknown')),
                    failure_code text,
                    processor_charge_id text,
                    card_brand text,
                    card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
                    card_exp_month integer,
                    card_exp_year integer,
                    billing_address jsonb NOT NULL,
                    idempotency_scope text NOT NULL,
                    idempotency_key text NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    settled_at timestamptz
                )
                """,
                // A checkout is charged at most once: declined attempts may be followed by another card, nothing else.
                "CREATE UNIQUE INDEX payments_one_live_per_checkout ON payments (checkout_id) WHERE status <> 'declined'",
                "CREATE INDEX payments_by_payer ON payments (payer_account_id, created_at DESC, id DESC)",
                "CREATE INDEX payments_by_organisation ON payments (selling_organisation_id, settled_at)",
                "CREATE INDEX payments_unsettled ON payments (updated_at) WHERE status IN ('pending', 'unknown')",
                // What was paid for whom: history per participant and the amounts a Relevé 24 needs (payer, participant, year, offering).
                """
                CREATE TABLE payment_lines (
                    payment_id uuid NOT NULL REFERENCES payments (id),
                    registration_id uuid NOT NULL,
                    participant_id uuid NOT NULL,
                    participant_name text NOT NULL,
                    offering_id uuid NOT NULL,
                    offering_code text NOT NULL,
                    title_fr text NOT NULL,
                    title_en text NOT NULL,
                    subtotal_cents bigint NOT NULL,
                    tax_cents bigint NOT NULL,
                    total_cents bigint NOT NULL,
                    releve24 boolean NOT NULL,
                    PRIMARY KEY (payment_id, registration_id)
                )
                """,
                "CREATE INDEX payment_lines_by_participant ON payment_lines (participant_id)",
                // Receipt and credit-note numbers without gaps, per organisation, year and series: the counter row is
                // taken in the transaction that issues the number, so a rollback gives the number back.
                """
                CREATE TABLE document_counters (
                    organisation_id uuid NOT NULL,
                    year integer NOT NULL,
                    series text NOT NULL,
                    last_number bigint NOT NULL,
                    PRIMARY KEY (organisation_id, year, series)
                )
                """,
                """
                CREATE TABLE receipts (
                    payment_id uuid PRIMARY KEY REFERENCES payments (id),
                    number text NOT NULL UNIQUE,
                    issued_at timestamptz NOT NULL,
                    document jsonb NOT NULL
                )
                """,
                """
                CREATE TABLE refunds (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    payment_id uuid NOT NULL REFERENCES payments (id),
                    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
                    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                    reason text NOT NULL,
                    refund_request_id uuid UNIQUE,
                    registration_ids uuid[] NOT NULL DEFAULT '{}',
                    requested_by uuid,
                    processor_refund_id text,
                    failure_code text,
                    credit_note_number text UNIQUE,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    completed_at timestamptz
                )
                """,
                "CREATE INDEX refunds_by_payment ON refunds (payment_id)",
                "CREATE INDEX refunds_pending ON refunds (created_at) WHERE status = 'pending'",
                Idempotency.table,
                OrganisationProjection.table,
            ]),
        MailQueue.migration(4),
    ]
}
