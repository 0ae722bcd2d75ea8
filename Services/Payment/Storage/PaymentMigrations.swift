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
        Migration(
            5, "relevé 24: what lines need, preparers, payers' tax numbers, slips",
            [
                // Box D (items, meals: not childcare) and the days of care come from the checkout; older lines get
                // their items' share from the receipt, and no days.
                """
                ALTER TABLE payment_lines ADD COLUMN participant_birth_date date, ADD COLUMN care_days integer NOT NULL DEFAULT 0,
                    ADD COLUMN not_eligible_cents bigint NOT NULL DEFAULT 0, ADD COLUMN session_starts_on date
                """,
                """
                UPDATE payment_lines l SET not_eligible_cents = CASE WHEN l.subtotal_cents > 0
                    THEN least(l.total_cents, round(i.cents::numeric * l.total_cents / l.subtotal_cents))::bigint ELSE 0 END
                FROM (SELECT r.payment_id, (x->>'registrationId')::uuid AS registration_id,
                             sum((i->'amount'->>'amountCents')::bigint) AS cents
                      FROM receipts r, jsonb_array_elements(r.document->'lines') x, jsonb_array_elements(x->'items') i
                      GROUP BY 1, 2) i
                WHERE i.payment_id = l.payment_id AND i.registration_id = l.registration_id
                """,
                // The preparer number and the range of slip numbers Revenu Québec assigned (8-digit sequences; the
                // check digit is added at issue). `next_sequence` moves only in the transaction that issues.
                """
                CREATE TABLE releve24_preparers (
                    organisation_id uuid PRIMARY KEY,
                    preparer_number text NOT NULL CHECK (preparer_number ~ '^NP[0-9]{6}$'),
                    first_sequence bigint NOT NULL CHECK (first_sequence BETWEEN 1000000 AND 99999999),
                    last_sequence bigint NOT NULL CHECK (last_sequence BETWEEN first_sequence AND 99999999),
                    next_sequence bigint NOT NULL CHECK (next_sequence BETWEEN first_sequence AND last_sequence + 1),
                    version bigint NOT NULL,
                    updated_by uuid NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                // A payer's social insurance number, sealed (AES-GCM under the key named, bound to the account):
                // only the last 3 digits are kept in clear, for the masked form pages show. `changed_at`: when it last
                // became another number (slips issued before then are amended).
                """
                CREATE TABLE payer_tax_numbers (
                    account_id uuid PRIMARY KEY,
                    sealed bytea NOT NULL,
                    key_id text NOT NULL,
                    last_digits char(3) NOT NULL CHECK (last_digits ~ '^[0-9]{3}$'),
                    updated_at timestamptz NOT NULL,
                    changed_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX payer_tax_numbers_by_key ON payer_tax_numbers (key_id)",
                // Every opening of a sealed number: whose, by whom, why, when.
                """
                CREATE TABLE tax_number_reads (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    account_id uuid NOT NULL,
                    read_by uuid,
                    purpose text NOT NULL,
                    read_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX tax_number_reads_by_account ON tax_number_reads (account_id, read_at DESC)",
                // Slips: drafts are generated and regenerated; issuing numbers them; a change after issuing is a
                // new slip (A or D) that replaces the issued one, which stays as it was.
                """
                CREATE TABLE releve24_slips (
                    id uuid PRIMARY KEY,
                    organisation_id uuid NOT NULL,
                    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
                    payer_account_id uuid NOT NULL,
                    participant_id uuid NOT NULL,
                    code char(1) NOT NULL CHECK (code IN ('R', 'A', 'D')),
                    status text NOT NULL CHECK (status IN ('draft', 'issued', 'replaced')),
                    number bigint,
                    replaces_id uuid REFERENCES releve24_slips (id),
                    care_days integer NOT NULL CHECK (care_days >= 0),
                    fees_paid_cents bigint NOT NULL CHECK (fees_paid_cents >= 0),
                    not_eligible_cents bigint NOT NULL CHECK (not_eligible_cents BETWEEN 0 AND fees_paid_cents),
                    payer_name text NOT NULL,
                    payer_email text NOT NULL,
                    payer_language text NOT NULL CHECK (payer_language IN ('fr', 'en')),
                    payer_address jsonb NOT NULL,
                    participant_name text NOT NULL,
                    participant_birth_date date,
                    generated_at timestamptz NOT NULL,
                    issued_at timestamptz,
                    issued_by uuid,
                    delivery text CHECK (delivery IN ('electronic', 'postal')),
                    -- The payer's number as it was at issue, sealed as in payer_tax_numbers: a later correction amends.
                    tax_number_sealed bytea,
                    tax_number_key_id text,
                    tax_number_last_digits char(3),
                    CHECK ((status = 'draft') = (number IS NULL)),
                    CHECK (status = 'draft' OR tax_number_sealed IS NOT NULL),
                    -- An amendment or a cancellation names the slip it replaces; an original may follow a cancellation.
                    CHECK (code = 'R' OR replaces_id IS NOT NULL)
                )
                """,
                "CREATE UNIQUE INDEX releve24_slips_number ON releve24_slips (organisation_id, number)",
                """
                CREATE UNIQUE INDEX releve24_slips_one_draft ON releve24_slips (organisation_id, year, payer_account_id, participant_id)
                WHERE status = 'draft'
                """,
                """
                CREATE UNIQUE INDEX releve24_slips_one_issued ON releve24_slips (organisation_id, year, payer_account_id, participant_id)
                WHERE status = 'issued'
                """,
                "CREATE INDEX releve24_slips_by_payer ON releve24_slips (payer_account_id, year DESC)",
                "CREATE INDEX releve24_slips_by_tax_number_key ON releve24_slips (tax_number_key_id) WHERE tax_number_key_id IS NOT NULL",
                // Payers told once per organisation and year that their slip waits for their social insurance number.
                """
                CREATE TABLE releve24_tax_number_requests (
                    organisation_id uuid NOT NULL,
                    year integer NOT NULL,
                    payer_account_id uuid NOT NULL,
                    mailed_at timestamptz NOT NULL,
                    PRIMARY KEY (organisation_id, year, payer_account_id)
                )
                """,
                // Who agreed to receive documents (slips) by email: identity's consent ledger, from its events.
                """
                CREATE TABLE electronic_delivery_consents (
                    account_id uuid PRIMARY KEY,
                    given boolean NOT NULL,
                    version bigint NOT NULL
                )
                """,
                // The provider's address and numbers, printed on slips.
                OrganisationProjection.detailsColumn,
            ]),
        Migration(
            6, "the yearly statement's mail",
            [
                // One mail per payer and year, claimed in the transaction that queues it.
                """
                CREATE TABLE statement_mailings (
                    payer_account_id uuid NOT NULL,
                    year integer NOT NULL,
                    mailed_at timestamptz NOT NULL,
                    PRIMARY KEY (payer_account_id, year)
                )
                """,
                // A year whose payers were all mailed: no more looking.
                "CREATE TABLE statement_years (year integer PRIMARY KEY, completed_at timestamptz NOT NULL)",
                "CREATE INDEX receipts_by_issue ON receipts (issued_at)",
            ]),
        Migration(
            7, "invoices",
            [
                // What a payment charges: a cart's checkout, or an invoice staff billed (its lines and payer alike).
                "ALTER TABLE checkouts ADD COLUMN kind text NOT NULL DEFAULT 'cart' CHECK (kind IN ('cart', 'invoice'))",
                """
                CREATE TABLE invoices (
                    id uuid PRIMARY KEY REFERENCES checkouts (id),
                    organisation_id uuid NOT NULL,
                    payer_account_id uuid NOT NULL,
                    number text NOT NULL,
                    due_on date NOT NULL,
                    status text NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
                    issued_at timestamptz NOT NULL,
                    payment_id uuid REFERENCES payments (id),
                    settled_at timestamptz,
                    CHECK ((status = 'paid') = (payment_id IS NOT NULL))
                )
                """,
                "CREATE UNIQUE INDEX invoices_number ON invoices (organisation_id, number)",
                "CREATE INDEX invoices_by_payer ON invoices (payer_account_id, issued_at DESC)",
            ]),
        Migration(
            8, "payment plans",
            [
                "ALTER TABLE checkouts DROP CONSTRAINT checkouts_kind_check",
                "ALTER TABLE checkouts ADD CONSTRAINT checkouts_kind_check CHECK (kind IN ('cart', 'invoice', 'instalment'))",
                // A payment plan's later part: its `checkouts` row (kind `instalment`) is what a payment charges. The card
                // is the processor's saved payment method, by its id only.
                """
                CREATE TABLE instalments (
                    id uuid PRIMARY KEY REFERENCES checkouts (id),
                    checkout_id uuid NOT NULL REFERENCES checkouts (id),
                    registration_id uuid NOT NULL,
                    payer_account_id uuid,
                    number integer NOT NULL CHECK (number > 0),
                    count integer NOT NULL CHECK (number <= count),
                    due_on date NOT NULL,
                    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
                    status text NOT NULL CHECK (status IN ('scheduled', 'paid', 'failed', 'cancelled')),
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at timestamptz,
                    last_failure_code text,
                    payment_method text,
                    billing_address jsonb NOT NULL,
                    payment_id uuid REFERENCES payments (id),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    CHECK ((status = 'paid') = (payment_id IS NOT NULL))
                )
                """,
                "CREATE INDEX instalments_due ON instalments (next_attempt_at) WHERE status = 'scheduled'",
                "CREATE INDEX instalments_by_registration ON instalments (registration_id)",
                "CREATE INDEX instalments_by_payer ON instalments (payer_account_id, due_on)",
                // A refund request of a registration on a plan is answered by a refund of each payment that paid it.
                "ALTER TABLE refunds DROP CONSTRAINT refunds_refund_request_id_key",
                "CREATE UNIQUE INDEX refunds_one_per_request_and_payment ON refunds (refund_request_id, payment_id)",
            ]),
        Migration(
            9, "instalment reminders",
            [
                // The family is told a few days before the saved card is charged, once.
                "ALTER TABLE instalments ADD COLUMN reminded_at timestamptz",
                "CREATE INDEX instalments_to_remind ON instalments (due_on) WHERE status = 'scheduled' AND reminded_at IS NULL",
            ]),
    ]
}
