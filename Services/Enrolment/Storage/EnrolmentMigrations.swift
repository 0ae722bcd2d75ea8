import Database
import Mail
import ServiceKit
import Outbox
import Projections

enum EnrolmentMigrations {
    static let all: [Migration] = [
        Migration(
            1, "participants and guardians",
            [
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
        Migration(
            3, "offerings projection",
            [
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
        Migration(
            4, "seats, carts, checkouts and registrations",
            [
                // The whole offering event as received: prices, items, taxes, contract and eligibility price and check a cart.
                "ALTER TABLE offerings ADD COLUMN document jsonb NOT NULL DEFAULT '{}'",
                // Guardians' contacts, from identity's events: the payer's email and name, the confirmation mails.
                """
                CREATE TABLE account_contacts (
                    account_id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    email text NOT NULL,
                    first_name text NOT NULL,
                    last_name text NOT NULL,
                    language text NOT NULL
                )
                """,
                // One row per session: a seat is claimed by one conditional UPDATE of this row, so holds + confirmed
                // never exceed capacity whatever the concurrency or the number of instances.
                """
                CREATE TABLE session_seats (
                    session_id uuid PRIMARY KEY,
                    offering_id uuid NOT NULL,
                    capacity integer NOT NULL CHECK (capacity >= 0),
                    held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
                    confirmed integer NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
                    version bigint NOT NULL DEFAULT 1
                )
                """,
                // Participants registered by a guest have no guardian account; residency comes from linking later.
                "ALTER TABLE participants ADD COLUMN residency text CHECK (residency IN ('resident', 'non-resident'))",
                """
                CREATE TABLE cart_lines (
                    id uuid PRIMARY KEY,
                    account_id uuid NOT NULL,
                    participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
                    offering_id uuid NOT NULL,
                    session_id uuid NOT NULL,
                    organisation_of_origin_id uuid,
                    item_quantities jsonb NOT NULL DEFAULT '[]',
                    contract_version integer,
                    contract_accepted_at timestamptz,
                    created_at timestamptz NOT NULL,
                    UNIQUE (account_id, participant_id, session_id)
                )
                """,
                """
                CREATE TABLE checkouts (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    selling_organisation_id uuid NOT NULL,
                    account_id uuid,
                    guest_token_hash bytea,
                    status text NOT NULL CHECK (status IN ('awaiting-payment', 'confirmed', 'expired', 'payment-failed')),
                    total_cents bigint NOT NULL CHECK (total_cents >= 0),
                    hold_expires_at timestamptz NOT NULL,
                    document jsonb NOT NULL,
                    payment_id uuid,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    CHECK (account_id IS NOT NULL OR guest_token_hash IS NOT NULL)
                )
                """,
                "CREATE INDEX checkouts_by_account ON checkouts (account_id, created_at DESC) WHERE account_id IS NOT NULL",
                "CREATE INDEX checkouts_awaiting_by_expiry ON checkouts (hold_expires_at) WHERE status = 'awaiting-payment'",
                """
                CREATE TABLE registrations (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    checkout_id uuid REFERENCES checkouts (id),
                    participant_id uuid NOT NULL REFERENCES participants (id),
                    offering_id uuid NOT NULL,
                    session_id uuid NOT NULL,
                    status text NOT NULL CHECK (status IN ('held', 'confirmed', 'expired', 'cancelled')),
                    status_reason text,
                    organisation_of_origin_id uuid,
                    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
                    contract_version integer,
                    contract_accepted_at timestamptz,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                // A participant holds or has at most one seat per session.
                """
                CREATE UNIQUE INDEX registrations_one_active_per_session ON registrations (participant_id, session_id)
                WHERE status IN ('held', 'confirmed')
                """,
                "CREATE INDEX registrations_by_checkout ON registrations (checkout_id)",
                "CREATE INDEX registrations_by_session ON registrations (session_id, status)",
                Idempotency.table,
            ]),
        // Confirmation mails are sent from the registrations' state, whoever confirmed them (payment, a free
        // checkout, a late payment), so none is lost and none is sent twice.
        Migration(
            5, "confirmation mails",
            [
                "ALTER TABLE registrations ADD COLUMN confirmation_mailed_at timestamptz",
                """
                CREATE INDEX registrations_to_mail ON registrations (updated_at)
                WHERE status = 'confirmed' AND confirmation_mailed_at IS NULL
                """,
            ]),
        MailQueue.migration(6),
        Migration(
            7, "organisations, records and linking",
            [
                // The catalogue's organisation tree, from its events: staff of a school service centre act for its schools.
                """
                CREATE TABLE organisations (
                    id uuid PRIMARY KEY,
                    version bigint NOT NULL,
                    parent_id uuid,
                    kind text NOT NULL,
                    short_code text NOT NULL,
                    name_fr text NOT NULL,
                    name_en text NOT NULL
                )
                """,
                // An organisation's student or citizen records, imported by its staff; guardians link children to them.
                """
                CREATE TABLE person_records (
                    organisation_id uuid NOT NULL,
                    file_number text NOT NULL,
                    first_name text NOT NULL,
                    last_name text NOT NULL,
                    name_key text NOT NULL,
                    birth_date date NOT NULL,
                    school text,
                    level text,
                    group_name text,
                    address text,
                    guardian_emails text[] NOT NULL DEFAULT '{}',
                    residency text CHECK (residency IN ('resident', 'non-resident')),
                    imported_at timestamptz NOT NULL,
                    retired_at timestamptz,
                    PRIMARY KEY (organisation_id, file_number)
                )
                """,
                """
                CREATE TABLE record_imports (
                    id uuid PRIMARY KEY,
                    organisation_id uuid NOT NULL,
                    imported_by uuid NOT NULL,
                    imported_at timestamptz NOT NULL,
                    added integer NOT NULL,
                    updated integer NOT NULL,
                    retired integer NOT NULL,
                    rejected integer NOT NULL
                )
                """,
                // A participant linked to a record carries it; separated guardians who each link it share one participant.
                "ALTER TABLE participants ADD COLUMN organisation_id uuid",
                "ALTER TABLE participants ADD COLUMN file_number text",
                "ALTER TABLE participants ADD COLUMN school text",
                "ALTER TABLE participants ADD COLUMN level text",
                "ALTER TABLE participants ADD COLUMN group_name text",
                "CREATE UNIQUE INDEX participants_by_record ON participants (organisation_id, file_number) WHERE file_number IS NOT NULL",
                // Failed link attempts, to throttle guessing file numbers.
                "CREATE TABLE link_failures (account_id uuid NOT NULL, failed_at timestamptz NOT NULL)",
                "CREATE INDEX link_failures_by_account ON link_failures (account_id, failed_at)",
            ]),
        Migration(
            8, "waitlists",
            [
                // An offered seat is held for the entry (held + 1) until it is claimed by a checkout or passes on.
                """
                CREATE TABLE waitlist_entries (
                    id uuid PRIMARY KEY,
                    session_id uuid NOT NULL,
                    offering_id uuid NOT NULL,
                    participant_id uuid NOT NULL REFERENCES participants (id),
                    account_id uuid NOT NULL,
                    position bigserial,
                    status text NOT NULL CHECK (status IN ('waiting', 'offered', 'claimed', 'expired', 'withdrawn')),
                    offered_at timestamptz,
                    offer_expires_at timestamptz,
                    offer_mailed_at timestamptz,
                    created_at timestamptz NOT NULL
                )
                """,
                """
                CREATE UNIQUE INDEX waitlist_one_entry_per_participant ON waitlist_entries (participant_id, session_id)
                WHERE status IN ('waiting', 'offered')
                """,
                "CREATE INDEX waitlist_waiting ON waitlist_entries (session_id, position) WHERE status = 'waiting'",
                "CREATE INDEX waitlist_offers ON waitlist_entries (offer_expires_at) WHERE status = 'offered'",
            ]),
        Migration(
            9, "cancellations, refunds and staff registrations",
            [
                """
                CREATE TABLE refund_requests (
                    id uuid PRIMARY KEY,
                    registration_id uuid NOT NULL REFERENCES registrations (id),
                    checkout_id uuid NOT NULL,
                    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
                    reason text NOT NULL,
                    status text NOT NULL CHECK (status IN ('requested', 'completed')),
                    requested_at timestamptz NOT NULL,
                    completed_at timestamptz
                )
                """,
                "CREATE INDEX refund_requests_by_registration ON refund_requests (registration_id)",
                "ALTER TABLE registrations ADD COLUMN cancelled_by uuid",
                // Staff register a participant without online payment (Clara), saying who pays.
                "ALTER TABLE registrations ADD COLUMN funding_source text",
                "ALTER TABLE registrations ADD COLUMN registered_by uuid",
            ]),
        // Intervention plans, sealed (ChaCha20-Poly1305 under a key derived from ENROLMENT_KEY): a database dump
        // alone does not reveal a child's plan.
        Migration(
            10, "documents",
            [
                """
                CREATE TABLE documents (
                    id uuid PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('intervention-plan')),
                    participant_id uuid NOT NULL REFERENCES participants (id),
                    offering_id uuid NOT NULL,
                    cart_line_id uuid REFERENCES cart_lines (id) ON DELETE SET NULL,
                    registration_id uuid REFERENCES registrations (id),
                    school_year text,
                    content_type text NOT NULL,
                    size_bytes integer NOT NULL,
                    sealed bytea NOT NULL,
                    uploaded_by uuid NOT NULL,
                    uploaded_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX documents_by_cart_line ON documents (cart_line_id) WHERE cart_line_id IS NOT NULL",
                "CREATE INDEX documents_by_registration ON documents (registration_id) WHERE registration_id IS NOT NULL",
            ]),
        // CSSPO's participant profile. Health fields and the insurance number live in `profile_sealed`
        // (ChaCha20-Poly1305); the permanent code and phone stay searchable by staff. Every staff read is logged.
        Migration(
            11, "participant profiles",
            [
                "ALTER TABLE participants ADD COLUMN permanent_code text",
                "ALTER TABLE participants ADD COLUMN phone text",
                "ALTER TABLE participants ADD COLUMN profile_sealed bytea",
                "ALTER TABLE participants ADD COLUMN profile_updated_at timestamptz",
                """
                CREATE TABLE profile_reads (
                    participant_id uuid NOT NULL,
                    account_id uuid NOT NULL,
                    organisation_id uuid NOT NULL,
                    read_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX profile_reads_by_participant ON profile_reads (participant_id, read_at)",
            ]),
        // Baie-Comeau's "formulaire de demande": a person without a file number asks for one; staff approve it.
        Migration(
            12, "record requests",
            [
                """
                CREATE TABLE record_requests (
                    id uuid PRIMARY KEY,
                    organisation_id uuid NOT NULL,
                    account_id uuid NOT NULL,
                    first_name text NOT NULL,
                    last_name text NOT NULL,
                    birth_date date NOT NULL,
                    address text NOT NULL,
                    status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
                    file_number text,
                    decided_by uuid,
                    decided_at timestamptz,
                    created_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX record_requests_pending ON record_requests (organisation_id, created_at) WHERE status = 'pending'",
                // A participant's own address (a student, an adult): confirmations go there too.
                "ALTER TABLE participants ADD COLUMN email text",
            ]),
        // A household (Baie-Comeau's "dossier": address, phone, residency, family members) belongs to one or more
        // guardian accounts; the first of them receives the household's mails. A household from an organisation's
        // records carries the records' household key; one a guardian made by adding children has none.
        Migration(
            13, "households and programmes",
            [
                """
                CREATE TABLE households (
                    id uuid PRIMARY KEY,
                    organisation_id uuid,
                    household_key text,
                    address text,
                    phone text,
                    residency text CHECK (residency IN ('resident', 'non-resident')),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX households_by_record ON households (organisation_id, household_key) WHERE household_key IS NOT NULL",
                """
                CREATE TABLE household_guardians (
                    household_id uuid NOT NULL REFERENCES households (id) ON DELETE CASCADE,
                    account_id uuid NOT NULL,
                    since timestamptz NOT NULL,
                    PRIMARY KEY (household_id, account_id)
                )
                """,
                "CREATE INDEX household_guardians_by_account ON household_guardians (account_id)",
                "ALTER TABLE participants ADD COLUMN household_id uuid REFERENCES households (id)",
                "CREATE INDEX participants_by_household ON participants (household_id)",
                "ALTER TABLE person_records ADD COLUMN household text",
                "ALTER TABLE person_records ADD COLUMN phone text",
                // Clara's students belong to a programme (500.A1); staff search by it.
                "ALTER TABLE person_records ADD COLUMN programme text",
                "ALTER TABLE participants ADD COLUMN programme text",
                "CREATE INDEX participants_by_programme ON participants (organisation_id, programme) WHERE programme IS NOT NULL",
            ]),
        // A record that lists no guardian's email is linked only once staff approve (a record request of kind
        // `link`). Households come from the records alone: a linked child no longer moves into the linker's own
        // household, and the ones moved that way before leave it. Profiles carry a version for If-Match.
        Migration(
            14, "link approval, households from records only, profile versions",
            [
                "ALTER TABLE record_requests ADD COLUMN kind text NOT NULL DEFAULT 'new-record' CHECK (kind IN ('new-record', 'link'))",
                "ALTER TABLE record_requests ADD COLUMN participant_id uuid",
                """
                CREATE UNIQUE INDEX record_requests_one_pending_link ON record_requests (account_id, participant_id)
                WHERE kind = 'link' AND status = 'pending'
                """,
                """
                UPDATE participants p SET household_id = NULL FROM households h
                WHERE p.household_id = h.id AND h.household_key IS NULL AND p.file_number IS NOT NULL
                """,
                "ALTER TABLE participants ADD COLUMN profile_version integer NOT NULL DEFAULT 0",
                // Guests' checkouts are counted per email and per client address (GuestLimits).
                "ALTER TABLE checkouts ADD COLUMN guest_email text",
                "ALTER TABLE checkouts ADD COLUMN client_address text",
                "CREATE INDEX checkouts_by_guest_email ON checkouts (guest_email, created_at) WHERE guest_email IS NOT NULL",
                "CREATE INDEX checkouts_by_client_address ON checkouts (client_address, created_at) WHERE client_address IS NOT NULL",
            ]),
        // Which participant fields a profile fills (names only, nothing sealed), so a checkout checks what an
        // offering asks without opening profiles; why staff registered someone the rules would refuse.
        Migration(
            15, "participant fields filled, staff overrides",
            [
                "ALTER TABLE participants ADD COLUMN profile_fields text[] NOT NULL DEFAULT '{}'",
                "ALTER TABLE registrations ADD COLUMN override_reason text",
            ]),
        // How many times a payer asked for more time to pay (WCAG 2.2.1; capped per checkout).
        Migration(16, "hold extensions", ["ALTER TABLE checkouts ADD COLUMN hold_extensions integer NOT NULL DEFAULT 0"]),
        // A guardian reads their own file-number requests and their status.
        Migration(
            17, "record requests by account",
            ["CREATE INDEX record_requests_by_account ON record_requests (account_id, created_at DESC, id DESC)"]),
        // An offering its organisation cancels: each registration cancelled with it is mailed once (EnrolmentMailer).
        Migration(
            18, "offering cancellations mailed",
            [
                "ALTER TABLE registrations ADD COLUMN cancellation_mailed_at timestamptz",
                """
                CREATE INDEX registrations_cancellation_to_mail ON registrations (updated_at)
                WHERE status_reason = 'offering-cancelled' AND cancellation_mailed_at IS NULL
                """,
            ]),
        // Who opened a document (an intervention plan) and when, for the organisation's admin.
        Migration(
            19, "document reads",
            [
                """
                CREATE TABLE document_reads (
                    id bigserial PRIMARY KEY,
                    -- No foreign key: a replaced plan keeps its reads in the log.
                    document_id uuid NOT NULL,
                    organisation_id uuid NOT NULL,
                    account_id uuid NOT NULL,
                    read_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX document_reads_by_organisation ON document_reads (organisation_id, read_at DESC, id DESC)",
            ]),
        // A session's attendance, one mark per registration and date, kept in the group it was taken in (a
        // registration moved later keeps its marks where they were given).
        Migration(
            20, "attendance",
            [
                """
                CREATE TABLE attendance (
                    session_id uuid NOT NULL,
                    registration_id uuid NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
                    attended_on date NOT NULL,
                    status text NOT NULL CHECK (status IN ('present', 'absent', 'late')),
                    recorded_by uuid NOT NULL,
                    recorded_at timestamptz NOT NULL,
                    PRIMARY KEY (session_id, attended_on, registration_id)
                )
                """
            ]),
        // Refunds an `on-request` policy leaves to the organisation: awaiting a decision, then refused or asked of
        // payment; the most the policy allowed is kept beside what was granted.
        Migration(
            21, "refund decisions",
            [
                "ALTER TABLE refund_requests DROP CONSTRAINT refund_requests_status_check",
                """
                ALTER TABLE refund_requests ADD CONSTRAINT refund_requests_status_check
                    CHECK (status IN ('awaiting-decision', 'refused', 'requested', 'completed'))
                """,
                "ALTER TABLE refund_requests ADD COLUMN maximum_cents bigint",
                "ALTER TABLE refund_requests ADD COLUMN decided_by uuid",
                "ALTER TABLE refund_requests ADD COLUMN decided_at timestamptz",
                "ALTER TABLE refund_requests ADD COLUMN decision_note text",
                "CREATE INDEX refund_requests_awaiting ON refund_requests (requested_at) WHERE status = 'awaiting-decision'",
            ]),
        // A published session's dates as they were and became, kept until the families registered are mailed.
        Migration(
            22, "session date changes",
            [
                """
                CREATE TABLE session_date_changes (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    session_id uuid NOT NULL,
                    offering_id uuid NOT NULL,
                    starts_on_before date NOT NULL,
                    ends_on_before date NOT NULL,
                    starts_on date NOT NULL,
                    ends_on date NOT NULL,
                    changed_at timestamptz NOT NULL,
                    mailed_at timestamptz
                )
                """,
                "CREATE INDEX session_date_changes_unmailed ON session_date_changes (id) WHERE mailed_at IS NULL",
            ]),
        Migration(23, "organisations' address and numbers", [OrganisationProjection.detailsColumn]),
        Migration(
            24, "cancellation notices, and the credit note that answered a refund request",
            [
                "ALTER TABLE refund_requests ADD COLUMN payment_id uuid",
                "ALTER TABLE refund_requests ADD COLUMN refund_id uuid",
                // What payment refunded for this request (it caps a request to what remains); unknown when one
                // staff refund covered several registrations.
                "ALTER TABLE refund_requests ADD COLUMN refunded_cents bigint",
                """
                CREATE INDEX registrations_cancellations_unmailed ON registrations (updated_at)
                WHERE status = 'cancelled' AND cancellation_mailed_at IS NULL
                """,
                // Families are now told of every cancellation; those made before are not mailed long after.
                """
                UPDATE registrations SET cancellation_mailed_at = updated_at
                WHERE status = 'cancelled' AND cancellation_mailed_at IS NULL AND status_reason IN ('cancelled-by-guardian', 'cancelled-by-staff')
                """,
            ]),
        Migration(
            25, "invoices for registrations staff bill to a guardian",
            [
                """
                CREATE TABLE invoices (
                    id uuid PRIMARY KEY,
                    registration_id uuid NOT NULL UNIQUE REFERENCES registrations (id),
                    payer_account_id uuid NOT NULL,
                    due_on date NOT NULL,
                    status text NOT NULL CHECK (status IN ('open', 'paid', 'cancelled')),
                    -- The enrolment.invoice.requested sent, sent again (its next version) if cancelled.
                    document jsonb NOT NULL,
                    -- Payment's numbers, from payment.invoice.paid.
                    number text,
                    receipt_number text,
                    payment_id uuid,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    CHECK ((status = 'paid') = (payment_id IS NOT NULL))
                )
                """
            ]),
        Migration(
            26, "payment plans",
            [
                // On a payment plan: the deposit its checkout charged (amount_cents stays the whole price).
                "ALTER TABLE registrations ADD COLUMN deposit_cents bigint",
                // A plan's instalments paid, from payment.instalment.paid: with the deposit, what a refund is decided on.
                """
                CREATE TABLE instalments_paid (
                    instalment_id uuid PRIMARY KEY,
                    registration_id uuid NOT NULL REFERENCES registrations (id),
                    payment_id uuid NOT NULL,
                    amount_cents bigint NOT NULL,
                    paid_at timestamptz NOT NULL
                )
                """,
                "CREATE INDEX instalments_paid_by_registration ON instalments_paid (registration_id)",
            ]),
    ]
}
