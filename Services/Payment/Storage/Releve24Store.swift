import Contracts
import Crypto
import Database
import DomainKit
import Foundation
import Logging
import Mail
import Messaging
import Outbox
import PostgresNIO
import Projections
import ServiceKit

/// Relevé 24 slips of an organisation's year: generated from what was paid (in PostgreSQL, streaming: memory
/// does not grow with the payers), reviewed as drafts, issued with numbers from the preparer's range, and
/// amended or cancelled by new slips when a refund or correction comes after.
struct Releve24Store: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let taxNumbers: TaxNumberKeys
    let mailing: Releve24Mailing

    /// Slips (or payers) handled per round trip when issuing.
    static let batch = 1_000

    typealias Preparer = Releve24.Preparer
    typealias Slip = Releve24.Slip

    struct Generation: Sendable, Equatable {
        var originals = 0
        var amendments = 0
        var cancellations = 0
        /// Drafts whose payer has not given a social insurance number: they cannot be issued yet.
        var waitingForTaxNumber = 0
    }

    struct Issuing: Sendable, Equatable {
        var issued = 0
        var waitingForTaxNumber = 0
    }

    /// The Sommaire 24's figures: slips and their amounts by code.
    struct Summary: Sendable, Equatable {
        struct Figures: Sendable, Equatable {
            var slips = 0
            var feesPaidCents: Int64 = 0
            var notEligibleCents: Int64 = 0
            var eligibleCents: Int64 { feesPaidCents - notEligibleCents }
        }
        var byCode: [Releve24.Code: Figures] = [:]
        var drafts = 0
    }

    // MARK: Preparer

    func preparer(organisation: UUID) async throws -> Preparer? {
        try await client.withConnection { connection in try await preparer(organisation: organisation, on: connection) }
    }

    /// A new range starts at its first number, unless the numbers already issued from it are inside it.
    func setPreparer(
        organisation: UUID, number: String, firstSequence: Int64, lastSequence: Int64, by account: UUID, at now: Date
    ) async throws -> Preparer {
        try await client.transaction(logger: logger) { connection in
            // Never while the organisation's slips are being issued (numbers are taken from the range then).
            try await lock(organisation, on: connection)
            try await connection.query(
                """
                INSERT INTO releve24_preparers (organisation_id, preparer_number, first_sequence, last_sequence, next_sequence, version, updated_by, updated_at)
                VALUES (\(organisation), \(number), \(firstSequence), \(lastSequence), \(firstSequence), 1, \(account), \(now))
                ON CONFLICT (organisation_id) DO UPDATE SET preparer_number = excluded.preparer_number,
                    first_sequence = excluded.first_sequence, last_sequence = excluded.last_sequence,
                    next_sequence = CASE WHEN releve24_preparers.next_sequence BETWEEN excluded.first_sequence AND excluded.last_sequence + 1
                        THEN releve24_preparers.next_sequence ELSE excluded.first_sequence END,
                    version = releve24_preparers.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at
                """, logger: logger)
            // A number already issued to this organisation is never given again.
            for try await clash in try await connection.query(
                """
                SELECT count(*) FROM releve24_slips s JOIN releve24_preparers p ON p.organisation_id = s.organisation_id
                WHERE s.organisation_id = \(organisation) AND s.number / 10 >= p.next_sequence AND s.number / 10 <= p.last_sequence
                """, logger: logger
            ).decode(Int64.self) where clash > 0 {
                throw Problem.releve24RangeUsed
            }
            guard let preparer = try await self.preparer(organisation: organisation, on: connection) else { throw Problem.notFound }
            return preparer
        }
    }

    /// One generation, issuing or change of range at a time per organisation, until the transaction ends.
    private func lock(_ organisation: UUID, on connection: PostgresConnection) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("releve24 " + organisation.uuidString)))", logger: logger)
    }

    private func preparer(organisation: UUID, on connection: PostgresConnection, forUpdate: Bool = false) async throws -> Preparer? {
        for try await (number, first, last, next, version) in try await connection.query(
            """
            SELECT preparer_number, first_sequence, last_sequence, next_sequence, version FROM releve24_preparers
            WHERE organisation_id = \(organisation) \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """, logger: logger
        ).decode((String, Int64, Int64, Int64, Int64).self) {
            return Preparer(preparerNumber: number, firstSequence: first, lastSequence: last, nextSequence: next, version: version)
        }
        return nil
    }

    // MARK: Generation

    /// Replaces the year's drafts with what the payments now say: an original (R) for a payer and child without
    /// an issued slip, an amendment (A) where an issued slip's figures changed, a cancellation (D) where nothing
    /// is left paid. Issued slips are never changed.
    func generate(organisation: UUID, year: Int, at now: Date) async throws -> Generation {
        let yearInstants = CalendarDate.yearInstants(year)
        let zone = CalendarDate.timeZone.identifier
        return try await client.transaction(logger: logger) { connection in
            try await lock(organisation, on: connection)
            try await connection.query(
                "DELETE FROM releve24_slips WHERE organisation_id = \(organisation) AND year = \(year) AND status = 'draft'", logger: logger)
            // What each payer paid per child in the year for childcare lines, net of the refunds of those payments
            // (each refund spread over the lines it covers to the cent); box D shrinks in proportion; a line
            // refunded in full counts no days. A registration cancelled before its group began (a refund enrolment
            // asked for) gave no care: no days, and what its policy kept (a fee) is paid but not eligible (box D).
            try await connection.query(
                """
                CREATE TEMP TABLE releve24_computed ON COMMIT DROP AS
                WITH paid AS (
                    SELECT p.id AS payment_id, p.payer_account_id AS payer, p.settled_at, p.billing_address, c.document->'payer' AS payer_document,
                           l.registration_id, l.participant_id, l.participant_name, l.participant_birth_date, l.total_cents,
                           l.not_eligible_cents, l.care_days
                    FROM payments p JOIN payment_lines l ON l.payment_id = p.id AND l.releve24 JOIN checkouts c ON c.id = p.checkout_id
                    WHERE p.selling_organisation_id = \(organisation) AND p.status = 'succeeded' AND p.payer_account_id IS NOT NULL
                      AND p.settled_at >= \(yearInstants.start)
                      AND p.settled_at < \(yearInstants.end)
                ),
                spread AS (
                    SELECT l.payment_id, l.registration_id,
                        f.refund_request_id IS NOT NULL AND (f.created_at AT TIME ZONE \(zone))::date < l.session_starts_on AS cancellation,
                        coalesce(round(f.amount_cents::numeric * sum(l.total_cents) OVER upto / nullif(sum(l.total_cents) OVER whole, 0))
                            - round(f.amount_cents::numeric * (sum(l.total_cents) OVER upto - l.total_cents)
                                / nullif(sum(l.total_cents) OVER whole, 0)), 0) AS share
                    FROM refunds f JOIN payment_lines l ON l.payment_id = f.payment_id
                        AND (cardinality(f.registration_ids) = 0 OR l.registration_id = ANY (f.registration_ids))
                    WHERE f.status = 'succeeded' AND f.payment_id IN (SELECT payment_id FROM paid)
                    WINDOW upto AS (PARTITION BY f.id ORDER BY l.registration_id ROWS UNBOUNDED PRECEDING), whole AS (PARTITION BY f.id)
                ),
                refunded AS (
                    SELECT payment_id, registration_id, sum(share) AS cents, bool_or(cancellation) AS cancelled FROM spread GROUP BY 1, 2
                ),
                net AS (
                    SELECT x.*, least(x.total_cents, coalesce(r.cents, 0))::bigint AS refunded_cents, coalesce(r.cancelled, false) AS cancelled
                    FROM paid x LEFT JOIN refunded r ON r.payment_id = x.payment_id AND r.registration_id = x.registration_id
                )
                SELECT payer, participant_id,
                    sum(total_cents - refunded_cents)::bigint AS fees,
                    sum(CASE WHEN cancelled THEN total_cents - refunded_cents
                        WHEN total_cents > 0 THEN not_eligible_cents - round(not_eligible_cents::numeric * refunded_cents / total_cents)
                        ELSE 0 END)::bigint AS not_eligible,
                    sum(CASE WHEN cancelled OR refunded_cents >= total_cents THEN 0 ELSE care_days END)::int AS days,
                    (array_agg(participant_name ORDER BY settled_at DESC))[1] AS participant_name,
                    max(participant_birth_date) AS birth_date,
                    (array_agg(billing_address ORDER BY settled_at DESC))[1] AS address,
                    (array_agg(coalesce(nullif(payer_document->>'name', ''), billing_address->>'name') ORDER BY settled_at DESC))[1] AS payer_name,
                    (array_agg(payer_document->>'email' ORDER BY settled_at DESC))[1] AS email,
                    (array_agg(CASE WHEN payer_document->>'language' = 'en' THEN 'en' ELSE 'fr' END ORDER BY settled_at DESC))[1] AS language
                FROM net GROUP BY payer, participant_id
                HAVING sum(total_cents - refunded_cents) > 0
                """, logger: logger)
            // Originals and amendments (a cancelled slip's child paid for again gets a new original; a payer's number
            // corrected since the slip was issued amends it).
            try await connection.query(
                """
                INSERT INTO releve24_slips (id, organisation_id, year, payer_account_id, participant_id, code, status, replaces_id, care_days,
                    fees_paid_cents, not_eligible_cents, payer_name, payer_email, payer_language, payer_address, participant_name,
                    participant_birth_date, generated_at)
                SELECT gen_random_uuid(), \(organisation), \(year), c.payer, c.participant_id,
                    CASE WHEN i.id IS NULL OR i.code = 'D' THEN 'R' ELSE 'A' END, 'draft', i.id, c.days, c.fees, least(c.not_eligible, c.fees),
                    c.payer_name, c.email, c.language, c.address, c.participant_name, c.birth_date, \(now)
                FROM releve24_computed c
                LEFT JOIN releve24_slips i ON i.organisation_id = \(organisation) AND i.year = \(year) AND i.status = 'issued'
                    AND i.payer_account_id = c.payer AND i.participant_id = c.participant_id
                LEFT JOIN payer_tax_numbers t ON t.account_id = c.payer
                WHERE i.id IS NULL OR i.code = 'D' OR t.changed_at > i.issued_at
                   OR (i.care_days, i.fees_paid_cents, i.not_eligible_cents, i.payer_name, i.participant_name, i.participant_birth_date, i.payer_address)
                      IS DISTINCT FROM (c.days, c.fees, least(c.not_eligible, c.fees), c.payer_name, c.participant_name, c.birth_date, c.address)
                """, logger: logger)
            // Cancellations: an issued slip whose payer and child have nothing paid left; it repeats the slip it cancels.
            try await connection.query(
                """
                INSERT INTO releve24_slips (id, organisation_id, year, payer_account_id, participant_id, code, status, replaces_id, care_days,
                    fees_paid_cents, not_eligible_cents, payer_name, payer_email, payer_language, payer_address, participant_name,
                    participant_birth_date, generated_at)
                SELECT gen_random_uuid(), i.organisation_id, i.year, i.payer_account_id, i.participant_id, 'D', 'draft', i.id, i.care_days,
                    i.fees_paid_cents, i.not_eligible_cents, i.payer_name, i.payer_email, i.payer_language, i.payer_address, i.participant_name,
                    i.participant_birth_date, \(now)
                FROM releve24_slips i
                WHERE i.organisation_id = \(organisation) AND i.year = \(year) AND i.status = 'issued' AND i.code <> 'D'
                  AND NOT EXISTS (SELECT 1 FROM releve24_computed c WHERE c.payer = i.payer_account_id AND c.participant_id = i.participant_id)
                """, logger: logger)
            var generation = Generation()
            for try await (code, count, waiting) in try await connection.query(
                """
                SELECT d.code, count(*), count(*) FILTER (WHERE t.account_id IS NULL)
                FROM releve24_slips d LEFT JOIN payer_tax_numbers t ON t.account_id = d.payer_account_id
                WHERE d.organisation_id = \(organisation) AND d.year = \(year) AND d.status = 'draft' GROUP BY d.code
                """, logger: logger
            ).decode((String, Int64, Int64).self) {
                switch Releve24.Code(rawValue: code) {
                case .original: generation.originals = Int(count)
                case .amended: generation.amendments = Int(count)
                case .cancelled: generation.cancellations = Int(count)
                case nil: break
                }
                generation.waitingForTaxNumber += Int(waiting)
            }
            return generation
        }
    }

    // MARK: Issuing

    /// Numbers and issues every draft whose payer gave a social insurance number (in one transaction, numbers
    /// without gaps from the preparer's range; a range too short issues nothing), replaces the slips they amend or
    /// cancel, records one event per slip, mails payers who consented to electronic delivery, and tells once the
    /// payers whose slip waits for their number.
    func issue(organisation: UUID, year: Int, by account: UUID, at now: Date) async throws -> Issuing {
        guard year < CalendarDate(now).year else { throw Problem.releve24YearNotOver }
        return try await client.transaction(logger: logger) { connection in
            try await lock(organisation, on: connection)
            guard let preparer = try await preparer(organisation: organisation, on: connection, forUpdate: true) else {
                throw Problem.releve24NoPreparer
            }
            try await connection.query(
                """
                CREATE TEMP TABLE releve24_issuing ON COMMIT DROP AS
                SELECT d.id, d.replaces_id,
                    \(preparer.nextSequence)::bigint + row_number() OVER (ORDER BY d.payer_name, d.participant_name, d.id) - 1 AS sequence
                FROM releve24_slips d
                WHERE d.organisation_id = \(organisation) AND d.year = \(year) AND d.status = 'draft'
                  AND EXISTS (SELECT 1 FROM payer_tax_numbers t WHERE t.account_id = d.payer_account_id)
                """, logger: logger)
            try await connection.query("CREATE INDEX ON releve24_issuing (sequence)", logger: logger)
            var count: Int64 = 0
            for try await value in try await connection.query("SELECT count(*) FROM releve24_issuing", logger: logger).decode(Int64.self) {
                count = value
            }
            guard preparer.nextSequence + count - 1 <= preparer.lastSequence else { throw Problem.releve24RangeExhausted }
            try await connection.query(
                "UPDATE releve24_slips SET status = 'replaced' WHERE id IN (SELECT replaces_id FROM releve24_issuing WHERE replaces_id IS NOT NULL)",
                logger: logger)
            try await connection.query(
                """
                UPDATE releve24_slips s SET status = 'issued', number = i.sequence * 10 + i.sequence % 7, issued_at = \(now), issued_by = \(account),
                    delivery = CASE WHEN EXISTS (SELECT 1 FROM electronic_delivery_consents e WHERE e.account_id = s.payer_account_id AND e.given)
                        THEN 'electronic' ELSE 'postal' END,
                    tax_number_sealed = t.sealed, tax_number_key_id = t.key_id, tax_number_last_digits = t.last_digits
                FROM releve24_issuing i, payer_tax_numbers t WHERE s.id = i.id AND t.account_id = s.payer_account_id
                """, logger: logger)
            // Events and mails a batch at a time, in number order: memory stays the same whatever the number of slips.
            var after: Int64 = 0
            while true {
                var events: [PendingEvent] = []
                var electronic: [UUID] = []
                for try await (sequence, id, code, number, payer, participant, days, fees, notEligible, replaced, consented)
                    in try await connection.query(
                        """
                        SELECT i.sequence, u.id, u.code, u.number, u.payer_account_id, u.participant_id, u.care_days, u.fees_paid_cents,
                            u.not_eligible_cents, o.number, u.delivery = 'electronic'
                        FROM releve24_issuing i JOIN releve24_slips u ON u.id = i.id LEFT JOIN releve24_slips o ON o.id = u.replaces_id
                        WHERE i.sequence > \(after) ORDER BY i.sequence LIMIT \(Self.batch)
                        """, logger: logger
                    ).decode((Int64, UUID, String, Int64, UUID, UUID, Int, Int64, Int64, Int64?, Bool).self)
                {
                    after = sequence
                    let code = Releve24.Code(rawValue: code) ?? .original
                    let event = Releve24SlipEvent(
                        slipId: id, version: 1, organisationId: organisation, year: year, code: code.rawValue, number: String(number),
                        replacesNumber: replaced.map(String.init), payerAccountId: payer, participantId: participant, careDays: days,
                        feesPaid: .init(amountCents: fees), notEligible: .init(amountCents: notEligible),
                        eligible: .init(amountCents: fees - notEligible))
                    let name: String =
                        switch code {
                        case .original: EventName.releve24Issued
                        case .amended: EventName.releve24Amended
                        case .cancelled: EventName.releve24Cancelled
                        }
                    events.append(try PendingEvent(routingKey: name, subject: id.uuidString.lowercased(), occurredAt: now, payload: event))
                    if consented { electronic.append(id) }
                }
                guard !events.isEmpty else { break }
                try await Outbox.enqueue(events, on: connection, logger: logger)
                try await mailing.queueIssued(slips: electronic, at: now, on: connection, logger: logger)
            }
            try await connection.query(
                "UPDATE releve24_preparers SET next_sequence = next_sequence + \(count) WHERE organisation_id = \(organisation)", logger: logger)
            let waiting = try await mailing.queueTaxNumberRequests(organisation: organisation, year: year, at: now, on: connection, logger: logger)
            return Issuing(issued: Int(count), waitingForTaxNumber: waiting)
        }
    }

    // MARK: Reading

    static let slipColumns = """
        s.id, s.organisation_id, s.year, s.payer_account_id, s.participant_id, s.code, s.status, s.number, o.number, s.care_days,
        s.fees_paid_cents, s.not_eligible_cents, s.payer_name, s.payer_address::text, s.participant_name, s.participant_birth_date::text,
        s.issued_at, s.delivery, coalesce(s.tax_number_last_digits, t.last_digits)
        """

    static let slipJoins = """
        releve24_slips s LEFT JOIN releve24_slips o ON o.id = s.replaces_id LEFT JOIN payer_tax_numbers t ON t.account_id = s.payer_account_id
        """

    func slips(_ rows: PostgresRowSequence) async throws -> [Slip] {
        var slips: [Slip] = []
        for try await row in rows {
            let column = row.makeRandomAccess()
            func value<Value: PostgresDecodable>(_ index: Int, _: Value.Type = Value.self) throws -> Value { try column[index].decode(Value.self) }
            let address = try EventJSON.decoder.decode(BillingAddress.self, from: Data(try value(13, String.self).utf8))
            slips.append(
                Slip(
                    id: try value(0), organisationId: try value(1), year: try value(2), payerAccountId: try value(3), participantId: try value(4),
                    code: Releve24.Code(rawValue: try value(5, String.self)) ?? .original,
                    status: Releve24.Status(rawValue: try value(6, String.self)) ?? .draft, number: try value(7), replacesNumber: try value(8),
                    boxes: .init(careDays: try value(9), feesPaidCents: try value(10), notEligibleCents: try value(11)), payerName: try value(12),
                    payerAddress: address, participantName: try value(14), participantBirthDate: try value(15), issuedAt: try value(16),
                    delivery: try value(17), taxNumberLastDigits: try value(18)))
        }
        return slips
    }

    /// A payer's slips, every organisation, newest year first (replaced ones too: the history of what was sent).
    func slips(payer: UUID) async throws -> [Slip] {
        try await slips(
            client.query(
                """
                SELECT \(unescaped: Self.slipColumns) FROM \(unescaped: Self.slipJoins)
                WHERE s.payer_account_id = \(payer) AND s.status <> 'draft' ORDER BY s.year DESC, s.issued_at DESC, s.number DESC
                """, logger: logger))
    }

    /// Drafts waiting for this payer's social insurance number: what the family is told.
    func waitingForTaxNumber(payer: UUID) async throws -> [(organisation: UUID, year: Int, participantName: String)] {
        var waiting: [(UUID, Int, String)] = []
        for try await row in try await client.query(
            """
            SELECT s.organisation_id, s.year, s.participant_name FROM releve24_slips s
            WHERE s.payer_account_id = \(payer) AND s.status = 'draft'
              AND NOT EXISTS (SELECT 1 FROM payer_tax_numbers t WHERE t.account_id = s.payer_account_id)
            ORDER BY s.year DESC, s.participant_name
            """, logger: logger
        ).decode((UUID, Int, String).self) {
            waiting.append(row)
        }
        return waiting
    }

    func slip(id: UUID) async throws -> Slip? {
        try await slips(
            client.query("SELECT \(unescaped: Self.slipColumns) FROM \(unescaped: Self.slipJoins) WHERE s.id = \(id)", logger: logger)
        ).first
    }

    /// The year's slips for staff, by payer name then id (keyset paging), optionally one status.
    /// The page starts after the slip `after` (the cursor names a slip, never a person).
    func slips(organisation: UUID, year: Int, status: Releve24.Status?, after: UUID?, limit: Int) async throws -> [Slip] {
        try await slips(
            client.query(
                """
                SELECT \(unescaped: Self.slipColumns) FROM \(unescaped: Self.slipJoins)
                WHERE s.organisation_id = \(organisation) AND s.year = \(year) AND (\(status?.rawValue)::text IS NULL OR s.status = \(status?.rawValue))
                  AND (\(after)::uuid IS NULL
                       OR (s.payer_name, s.id) > (SELECT a.payer_name, a.id FROM releve24_slips a WHERE a.id = \(after)))
                ORDER BY s.payer_name, s.id LIMIT \(limit)
                """, logger: logger))
    }

    /// The Sommaire 24's figures: issued slips (not those replaced) by code, and drafts waiting.
    func summary(organisation: UUID, year: Int) async throws -> Summary {
        var summary = Summary()
        for try await (status, code, count, fees, notEligible) in try await client.query(
            """
            SELECT status, code, count(*), coalesce(sum(fees_paid_cents), 0)::bigint, coalesce(sum(not_eligible_cents), 0)::bigint
            FROM releve24_slips WHERE organisation_id = \(organisation) AND year = \(year) AND status <> 'replaced' GROUP BY status, code
            """, logger: logger
        ).decode((String, String, Int64, Int64, Int64).self) {
            if status == Releve24.Status.draft.rawValue {
                summary.drafts += Int(count)
            } else if let code = Releve24.Code(rawValue: code) {
                summary.byCode[code] = .init(slips: Int(count), feesPaidCents: fees, notEligibleCents: notEligible)
            }
        }
        return summary
    }

    /// The year's slips in force (issued, not replaced) as one XML file for Revenu Québec, with the totals of the
    /// summary. Each payer's number is opened for it, each opening logged, in one transaction.
    func transmission(
        organisation: UUID, year: Int, preparer: Preparer, providerName: String, providerDetails: OrganisationProjection.Details, by reader: UUID,
        at now: Date
    ) async throws -> String {
        try await client.transaction(logger: logger) { connection in
            var slips: [Slip] = []
            for slip in try await self.slips(
                connection.query(
                    """
                    SELECT \(unescaped: Self.slipColumns) FROM \(unescaped: Self.slipJoins)
                    WHERE s.organisation_id = \(organisation) AND s.year = \(year) AND s.status = 'issued' ORDER BY s.number
                    """, logger: logger))
            {
                slips.append(slip)
            }
            // Each slip's own copy of the number, as it was issued.
            var sealed: [(account: UUID, sealed: Data, keyId: String)] = []
            for try await row in try await connection.query(
                """
                SELECT DISTINCT ON (payer_account_id) payer_account_id, tax_number_sealed, tax_number_key_id FROM releve24_slips
                WHERE organisation_id = \(organisation) AND year = \(year) AND status = 'issued' ORDER BY payer_account_id, issued_at DESC
                """, logger: logger
            ).decode((UUID, Data, String).self) {
                sealed.append(row)
            }
            let numbers = try await TaxNumberStore.open(
                sealed, by: reader, purpose: .transmission, keys: taxNumbers, at: now, on: connection, logger: logger)
            return Releve24File.xml(
                year: year, preparer: preparer,
                provider: .init(name: providerName, address: providerDetails.address, enterpriseNumber: providerDetails.enterpriseNumber),
                slips: slips, taxNumbers: numbers)
        }
    }

    /// Who may read a slip: its payer, and its organisation's staff.
    func owners(slip: UUID) async throws -> (payer: UUID, organisation: UUID)? {
        for try await row in try await client.query(
            "SELECT payer_account_id, organisation_id FROM releve24_slips WHERE id = \(slip)", logger: logger
        ).decode((UUID, UUID).self) {
            return row
        }
        return nil
    }

    /// The organisation as slips print it (its projection of the catalogue's events).
    typealias Provider = (shortCode: String, name: LocalizedName, details: OrganisationProjection.Details)

    func provider(organisation: UUID) async throws -> Provider? {
        for try await (code, fr, en, details) in try await client.query(
            "SELECT short_code, name_fr, name_en, details::text FROM organisations WHERE id = \(organisation)", logger: logger
        ).decode((String, String, String, String).self) {
            let parsed = (try? EventJSON.decoder.decode(OrganisationProjection.Details.self, from: Data(details.utf8))) ?? .init()
            return (code, .init(fr: fr, en: en), parsed)
        }
        return nil
    }
}

extension Problem {
    static let releve24YearNotOver = Problem(
        type: "/problems/releve24-year-not-over", status: .conflict,
        title: .init(
            fr: "Les relevés 24 d'une année s'émettent une fois l'année terminée.", en: "A year's Relevé 24 slips are issued once the year is over."))

    static let releve24NoPreparer = Problem(
        type: "/problems/releve24-no-preparer", status: .conflict,
        title: .init(
            fr: "Entrez d'abord le numéro de préparateur et la plage de numéros de relevés attribués par Revenu Québec.",
            en: "First enter the preparer number and the range of slip numbers Revenu Québec assigned."))

    static let releve24RangeExhausted = Problem(
        type: "/problems/releve24-range-exhausted", status: .conflict,
        title: .init(
            fr: "La plage de numéros de relevés ne suffit pas\u{00A0}: demandez-en une autre à Revenu Québec. Aucun relevé n'a été émis.",
            en: "The range of slip numbers is not enough: ask Revenu Québec for another. No slip was issued."))

    static let releve24RangeUsed = Problem(
        type: "/problems/releve24-range-used", status: .conflict,
        title: .init(
            fr: "Cette plage contient des numéros déjà attribués à des relevés de l'organisme.",
            en: "This range holds numbers already given to the organisation's slips."))
}

/// The mails of issuing: the slip's link to payers who consented to electronic delivery; once per organisation
/// and year, a request for the social insurance number to payers whose slip waits for it.
struct Releve24Mailing: Sendable {
    let mails: PaymentMails
    let key: SymmetricKey
    let from: MailMessage.Address
    /// The portal's public address.
    let publicBaseURL: String

    func queueIssued(slips: [UUID], at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard !slips.isEmpty else { return }
        var messages: [MailMessage] = []
        for try await (id, code, year, name, email, language, participant, fr, en) in try await connection.query(
            """
            SELECT s.id, s.code, s.year, s.payer_name, s.payer_email, s.payer_language, s.participant_name, o.name_fr, o.name_en
            FROM releve24_slips s LEFT JOIN organisations o ON o.id = s.organisation_id WHERE s.id = ANY(\(slips))
            """, logger: logger
        ).decode((UUID, String, Int, String, String, String, String, String?, String?).self) {
            let english = language == "en"
            let values: [String: Any] = [
                "name": name, "year": String(year), "participant": participant,
                "organisation": (english ? en : fr) ?? "", "original": code == "R", "amended": code == "A", "cancelled": code == "D",
                "link": "\(publicBaseURL)/releves-24/\(id.uuidString.lowercased())",
            ]
            messages.append(
                mails.releve24Issued.message(
                    language: english ? .en : .fr, from: from, to: .init(email: email, name: name), values: values, date: now))
        }
        for message in messages { try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger) }
    }

    /// How many payers' slips wait for their number; those not yet told are told (once per organisation and year),
    /// a batch at a time.
    func queueTaxNumberRequests(organisation: UUID, year: Int, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        while true {
            var messages: [MailMessage] = []
            for try await (name, email, language, participants, fr, en) in try await connection.query(
                """
                WITH waiting AS (
                    SELECT s.payer_account_id, (array_agg(s.payer_name ORDER BY s.generated_at DESC))[1] AS name,
                        (array_agg(s.payer_email ORDER BY s.generated_at DESC))[1] AS email,
                        (array_agg(s.payer_language ORDER BY s.generated_at DESC))[1] AS language,
                        string_agg(DISTINCT s.participant_name, ', ') AS participants
                    FROM releve24_slips s
                    WHERE s.organisation_id = \(organisation) AND s.year = \(year) AND s.status = 'draft'
                      AND NOT EXISTS (SELECT 1 FROM payer_tax_numbers t WHERE t.account_id = s.payer_account_id)
                      AND NOT EXISTS (SELECT 1 FROM releve24_tax_number_requests r
                          WHERE r.organisation_id = s.organisation_id AND r.year = s.year AND r.payer_account_id = s.payer_account_id)
                    GROUP BY s.payer_account_id ORDER BY s.payer_account_id LIMIT \(Releve24Store.batch)
                ),
                told AS (
                    INSERT INTO releve24_tax_number_requests (organisation_id, year, payer_account_id, mailed_at)
                    SELECT \(organisation), \(year), payer_account_id, \(now) FROM waiting
                )
                SELECT w.name, w.email, w.language, w.participants, o.name_fr, o.name_en
                FROM waiting w LEFT JOIN organisations o ON o.id = \(organisation)
                """, logger: logger
            ).decode((String, String, String, String, String?, String?).self) {
                let english = language == "en"
                let values: [String: Any] = [
                    "name": name, "year": String(year), "participants": participants, "organisation": (english ? en : fr) ?? "",
                    "link": "\(publicBaseURL)/compte/numero-assurance-sociale",
                ]
                messages.append(
                    mails.releve24NeedsTaxNumber.message(
                        language: english ? .en : .fr, from: from, to: .init(email: email, name: name), values: values, date: now))
            }
            guard !messages.isEmpty else { break }
            for message in messages { try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger) }
        }
        var waiting = 0
        for try await count in try await connection.query(
            """
            SELECT count(DISTINCT s.payer_account_id) FROM releve24_slips s
            WHERE s.organisation_id = \(organisation) AND s.year = \(year) AND s.status = 'draft'
              AND NOT EXISTS (SELECT 1 FROM payer_tax_numbers t WHERE t.account_id = s.payer_account_id)
            """, logger: logger
        ).decode(Int64.self) {
            waiting = Int(count)
        }
        return waiting
    }
}
