import Contracts
import Crypto
import Foundation
import Logging
import NIOCore
import Messaging
import Outbox
import PostgresNIO
import ServiceKit

/// Checkouts and their registrations: seats held all at once or not at all, confirmed by payment, released at
/// expiry. Every change of state and its events are one transaction.
struct CheckoutStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let holdDuration: TimeInterval
    let guestTokens: GuestTokens
    /// Seals guests' answers to participant fields, as `ProfileStore` seals guardians' profiles.
    let profileKey: SymmetricKey
    var claimSeats: SeatLedger.Claim = SeatLedger.conditionalClaim
    var guestLimits = GuestLimits()

    struct Idempotent: Sendable {
        var scope: String
        var key: String
        var requestHash: [UInt8]
    }

    /// Creates a checkout, or gives the first answer again for the same idempotency key.
    func checkout(
        payer: CheckoutPayer, sellingOrganisationId: UUID?, lines: [CheckoutRequestLine], idempotency: Idempotent, now: Date,
        clientAddress: String? = nil, paymentPlans: Bool = false
    ) async throws -> Checkout {
        do {
            return try await client.transaction(logger: logger) { connection in
                if case .replay(let body) = try await Idempotency.claim(
                    scope: idempotency.scope, key: idempotency.key, requestHash: idempotency.requestHash, at: now, on: connection, logger: logger)
                {
                    return try EventJSON.decoder.decode(Checkout.self, from: Data(body))
                }
                let checkout = try await create(
                    payer: payer, sellingOrganisationId: sellingOrganisationId, lines: lines, clientAddress: clientAddress, now: now,
                    paymentPlans: paymentPlans, on: connection)
                try await Idempotency.complete(
                    scope: idempotency.scope, key: idempotency.key, response: Array(try EventJSON.encoder.encode(checkout)), on: connection,
                    logger: logger)
                // Seats last: the session rows stay locked only from here to the commit.
                // A waitlist offer's seat is already held for its participant: the checkout takes it over.
                let offered = try await WaitlistStore.claimOffers(
                    checkout.details.lines.map { ($0.participantId, $0.sessionId) }, at: now, on: connection, logger: logger)
                var counts = SeatLedger.counts(checkout.details.lines.map(\.sessionId))
                for session in offered { counts[session, default: 0] -= 1 }
                counts = counts.filter { $0.value > 0 }
                if checkout.status == .confirmed, !offered.isEmpty {
                    try await SeatLedger.confirmHeld(SeatLedger.counts(offered), at: now, on: connection, logger: logger)
                }
                // The checkout's own events are recorded in the same statement as its seat counts: a checkout
                // awaiting payment is announced, a free one's registrations are confirmed.
                let announced =
                    checkout.status == .awaitingPayment
                    ? [
                        try PendingEvent(
                            routingKey: EventName.checkoutRequested, subject: checkout.id.uuidString.lowercased(), occurredAt: now,
                            payload: checkout.details)
                    ]
                    : try await Self.registrationEvents(
                        EventName.registrationConfirmed, checkout.details.lines.map(\.registrationId), at: now, on: connection, logger: logger)
                guard try await claimSeats(counts, checkout.status == .confirmed, announced, now, connection, logger) != nil else {
                    let full = try await fullSessions(counts, on: connection)
                    throw Problem.sessionFull(
                        checkout.details.lines.enumerated().filter { full.contains($0.element.sessionId) }.map { "lines[\($0.offset)].sessionId" })
                }
                return checkout
            }
        } catch  where error.sqlState == "23505" {
            // The same participant and session held by a concurrent checkout.
            throw Problem.validation([.alreadyRegistered("lines")])
        }
    }

    private func create(
        payer: CheckoutPayer, sellingOrganisationId: UUID?, lines: [CheckoutRequestLine], clientAddress: String?, now: Date,
        paymentPlans: Bool, on connection: PostgresConnection
    ) async throws -> Checkout {
        let checkoutId = UUID()
        let eventPayer: CheckoutEvent.Payer
        var accountId: UUID?
        var guestTokenHash: [UInt8]?
        switch payer {
        case .account(let account):
            accountId = account
            guard let contact = try await Self.contact(of: account, on: connection, logger: logger) else { throw Problem.accountNotReady }
            eventPayer = contact
        case .guest(let email, let name, let language):
            try await guestLimits.admit(
                email: email, address: clientAddress, seats: lines.count, at: now, on: connection, logger: logger)
            let hash = GuestTokens.hash(guestTokens.token(for: checkoutId))
            guestTokenHash = hash
            eventPayer = .init(
                accountId: nil, email: email, name: name, language: language,
                guestTokenSHA256: Hex.string(hash))
        }

        // Everything a line needs, in four queries whatever the number of lines; then the planner decides.
        let offerings = try await Self.offerings(Set(lines.map(\.offeringId)), on: connection, logger: logger)
        let participants = try await Self.participants(
            lines.compactMap { if case .existing(let id) = $0.participant { id } else { nil } }, guardian: accountId, on: connection, logger: logger)
        let active = try await Self.activeRegistrations(participants: Array(participants.keys), on: connection, logger: logger)
        let needingPlans = lines.filter { offerings[$0.offeringId]?.documents?.interventionPlan == "required" }.compactMap(\.cartLineId)
        let missingPlans = try await DocumentStore.missingRequiredPlans(cartLines: needingPlans, on: connection, logger: logger)
        let plan = try CheckoutPlanner(holdDuration: holdDuration).plan(
            checkoutId: checkoutId, payer: eventPayer, sellingOrganisationId: sellingOrganisationId, lines: lines,
            facts: .init(offerings: offerings, participants: participants, activeRegistrations: active, cartLinesMissingPlans: missingPlans),
            now: now, paymentPlans: paymentPlans)
        try await persist(
            plan, accountId: accountId, guestTokenHash: guestTokenHash, clientAddress: clientAddress, now: now, on: connection, logger: logger)
        return plan.checkout
    }

    /// Writes a planned checkout: the guest's participants, the checkout and its registrations in one statement,
    /// the cart lines it empties, and its event.
    private func persist(
        _ plan: CheckoutPlan, accountId: UUID?, guestTokenHash: [UInt8]?, clientAddress: String?, now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let checkout = plan.checkout
        let details = checkout.details
        let checkoutId = checkout.id
        let newParticipants = plan.newParticipants
        let registrations = plan.registrations
        let sealedProfiles = try newParticipants.map { entry in
            try entry.profile.map { ByteBuffer(data: try ProfileStore.seal($0, participant: entry.id, key: profileKey)) } ?? ByteBuffer()
        }
        _ = try await connection.query(
            """
            WITH new_participants AS (
                INSERT INTO participants (id, first_name, last_name, birth_date, created_at, profile_sealed, profile_fields)
                SELECT id, first_name, last_name, birth_date::date, \(now), nullif(sealed, ''::bytea),
                    coalesce(string_to_array(nullif(fields, ''), ','), '{}')
                FROM unnest(\(newParticipants.map(\.id))::uuid[], \(newParticipants.map(\.person.firstName))::text[],
                    \(newParticipants.map(\.person.lastName))::text[], \(newParticipants.map(\.person.birthDate))::text[],
                    \(sealedProfiles)::bytea[],
                    \(newParticipants.map { ($0.profile?.filledFields ?? []).joined(separator: ",") })::text[])
                    AS p(id, first_name, last_name, birth_date, sealed, fields)
                RETURNING 1
            ), new_checkout AS (
                INSERT INTO checkouts (id, version, selling_organisation_id, account_id, guest_token_hash, guest_email, client_address, status,
                    total_cents, hold_expires_at, document, created_at, updated_at)
                VALUES (\(checkoutId), 1, \(details.sellingOrganisationId), \(accountId), \(guestTokenHash.map { ByteBuffer(bytes: $0) }),
                    \(accountId == nil ? details.payer.email : nil), \(accountId == nil ? clientAddress : nil), \(checkout.status.rawValue),
                    \(details.total.amountCents), \(details.holdExpiresAt), \(String(decoding: try EventJSON.encoder.encode(details), as: UTF8.self))::jsonb, \(now), \(now))
                RETURNING 1
            ), new_registrations AS (
                INSERT INTO registrations (id, version, checkout_id, participant_id, offering_id, session_id, status, organisation_of_origin_id,
                    amount_cents, deposit_cents, contract_version, contract_accepted_at, created_at, updated_at)
                SELECT id, 1, \(checkoutId), participant_id, offering_id, session_id, \(checkout.status == .confirmed ? "confirmed" : "held"),
                    nullif(origin, '')::uuid, amount, nullif(deposit, -1), nullif(contract_version, 0), nullif(accepted_at, '')::timestamptz,
                    \(now), \(now)
                FROM unnest(\(registrations.map(\.line.registrationId))::uuid[], \(registrations.map(\.line.participantId))::uuid[],
                    \(registrations.map(\.line.offeringId))::uuid[], \(registrations.map(\.line.sessionId))::uuid[],
                    \(registrations.map { $0.organisationOfOriginId?.uuidString ?? "" })::text[], \(registrations.map(\.amountCents))::bigint[],
                    \(registrations.map { $0.depositCents ?? -1 })::bigint[],
                    \(registrations.map { $0.contractVersion ?? 0 })::integer[], \(registrations.map { $0.contractAcceptedAt?.ISO8601Format() ?? "" })::text[])
                    AS r(id, participant_id, offering_id, session_id, origin, amount, deposit, contract_version, accepted_at)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM new_registrations)
            """, logger: logger
        ).collect()
        // Checked-out lines leave the cart; their documents follow them to the registrations.
        let fromCart = registrations.compactMap { registration in registration.cartLineId.map { ($0, registration.line.registrationId) } }
        if !fromCart.isEmpty {
            try await connection.query(
                """
                UPDATE documents d SET registration_id = m.registration_id, cart_line_id = NULL
                FROM unnest(\(fromCart.map(\.0))::uuid[], \(fromCart.map(\.1))::uuid[]) AS m(cart_line_id, registration_id)
                WHERE d.cart_line_id = m.cart_line_id
                """, logger: logger)
            try await connection.query("DELETE FROM cart_lines WHERE id = ANY(\(fromCart.map(\.0)))", logger: logger)
        }
        // The checkout's own events go with its seat counts, once they are held (`checkout(…)`).
    }

    /// The checkout if `payer` may see it: its account, or the guest holding its token.
    func find(id: UUID, account: UUID?, guestToken: String?) async throws -> Checkout? {
        let rows = try await client.query(
            "SELECT status, document::text, created_at, account_id, guest_token_hash, hold_extensions FROM checkouts WHERE id = \(id)",
            logger: logger
        ).decode((String, String, Date, UUID?, ByteBuffer?, Int).self)
        for try await (status, document, created, owner, tokenHash, extensions) in rows {
            let allowed =
                (owner != nil && owner == account)
                || (tokenHash.map { stored in guestToken.map { GuestTokens.hash($0) == Array(stored.readableBytesView) } == true } == true)
            guard allowed else { return nil }
            return Checkout(
                status: Checkout.Status(rawValue: status) ?? .expired,
                details: try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(document.utf8)), createdAt: created,
                holdExtensions: extensions)
        }
        return nil
    }

    /// More time to pay, for the checkout's account or the guest holding its token (`CheckoutTransitions.extendHold`).
    func extendHold(id: UUID, account: UUID?, guestToken: String?, now: Date) async throws -> Checkout? {
        guard try await find(id: id, account: account, guestToken: guestToken) != nil else { return nil }
        try await client.transaction(logger: logger) { connection in
            try await CheckoutTransitions.extendHold(id, by: holdDuration, at: now, on: connection, logger: logger)
        }
        return try await find(id: id, account: account, guestToken: guestToken)
    }

    /// The sessions among `counts` with fewer seats left than asked, or that enrolment has no seats row for yet.
    private func fullSessions(_ counts: [UUID: Int], on connection: PostgresConnection) async throws -> Set<UUID> {
        var known = Set<UUID>()
        var full = Set<UUID>()
        for try await (session, free) in try await connection.query(
            "SELECT session_id, capacity - held - confirmed FROM session_seats WHERE session_id = ANY(\(Array(counts.keys)))",
            logger: logger
        ).decode((UUID, Int).self) {
            known.insert(session)
            if free < counts[session] ?? 0 { full.insert(session) }
        }
        return full.union(Set(counts.keys).subtracting(known))
    }

    struct RegistrationRow: Sendable {
        var id: UUID
        var checkoutId: UUID?
        var participantId: UUID
        var offeringId: UUID
        var sessionId: UUID
        var status: String
        var amountCents: Int64
        var createdAt: Date
        var createdMicros: Int64
        /// What the offering asks of an intervention plan (a plan may be added after registering).
        var planRules: DocumentRequirements? = nil
        /// Why it was cancelled (or not confirmed for want of a seat), with the offering's policy and the refund.
        var cancellation: CancellationFacts? = nil
    }

    struct CancellationFacts: Sendable {
        var reason: String
        var policy: RefundPolicy?
        var refund: RefundFacts?
    }

    struct RefundFacts: Sendable {
        var status: String
        /// Nil once completed by one staff refund that covered several registrations (its credit note says it all).
        var amountCents: Int64?
        var paymentId: UUID?
        var refundId: UUID?
        var decisionNote: String?
    }

    /// The registrations of the account's own checkouts, newest first: a separated guardian does not see the other's.
    func registrations(account: UUID, after: (Int64, UUID)?, limit: Int) async throws -> [RegistrationRow] {
        var found: [RegistrationRow] = []
        let (micros, id) = after ?? (Int64.max, UUID(uuidString: "ffffffff-ffff-ffff-ffff-ffffffffffff")!)
        for try await row in try await client.query(
            """
            SELECT r.id, r.checkout_id, r.participant_id, r.offering_id, r.session_id, r.status, r.amount_cents, r.created_at,
                   (extract(epoch FROM r.created_at) * 1000000)::bigint AS micros, (o.document -> 'documents')::text,
                   r.status_reason, (o.document -> 'refundPolicy')::text, q.status,
                   CASE WHEN q.status = 'completed' THEN q.refunded_cents ELSE q.amount_cents END, q.payment_id, q.refund_id, q.decision_note
            FROM registrations r JOIN checkouts c ON c.id = r.checkout_id LEFT JOIN offerings o ON o.id = r.offering_id
            \(unescaped: Cancellations.latestRefundRequest)
            WHERE c.account_id = \(account) AND ((extract(epoch FROM r.created_at) * 1000000)::bigint, r.id) < (\(micros), \(id))
            ORDER BY micros DESC, r.id DESC LIMIT \(limit)
            """, logger: logger
        ).decode((UUID, UUID, UUID, UUID, UUID, String, Int64, Date, Int64, String?, String?, String?, String?, Int64?, UUID?, UUID?, String?).self) {
            var cancellation: CancellationFacts?
            if let reason = row.10, row.5 == "cancelled" || row.12 != nil {
                cancellation = CancellationFacts(
                    reason: reason, policy: row.11.flatMap { try? EventJSON.decoder.decode(RefundPolicy.self, from: Data($0.utf8)) },
                    refund: row.12.map {
                        RefundFacts(status: $0, amountCents: row.13, paymentId: row.14, refundId: row.15, decisionNote: row.16)
                    })
            }
            found.append(
                .init(
                    id: row.0, checkoutId: row.1, participantId: row.2, offeringId: row.3, sessionId: row.4, status: row.5, amountCents: row.6,
                    createdAt: row.7, createdMicros: row.8,
                    planRules: row.9.flatMap { try? EventJSON.decoder.decode(DocumentRequirements.self, from: Data($0.utf8)) },
                    cancellation: cancellation))
        }
        return found
    }

    // MARK: - Reading what a checkout needs

    static func contact(of account: UUID, on connection: PostgresConnection, logger: Logger) async throws -> CheckoutEvent.Payer? {
        for try await (email, first, last, language) in try await connection.query(
            "SELECT email, first_name, last_name, language FROM account_contacts WHERE account_id = \(account)", logger: logger
        ).decode((String, String, String, String).self) {
            return .init(accountId: account, email: email, name: "\(first) \(last)", language: language)
        }
        return nil
    }

    static func offerings(_ ids: Set<UUID>, on connection: PostgresConnection, logger: Logger) async throws -> [UUID: OfferingEvent] {
        var found: [UUID: OfferingEvent] = [:]
        for try await (id, document) in try await connection.query(
            "SELECT id, document::text FROM offerings WHERE id = ANY(\(Array(ids)))", logger: logger
        ).decode((UUID, String).self) {
            // An offering received before enrolment kept whole documents is unknown until the catalogue republishes it.
            found[id] = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(document.utf8))
        }
        return found
    }

    /// The guardian's participants among `ids`; another family's are absent.
    /// What is known of the participants `guardian` may name (a guest names none); staff, already scoped to
    /// their organisation's participants, pass `anyGuardian`.
    static func participants(
        _ ids: [UUID], guardian: UUID?, anyGuardian: Bool = false, on connection: PostgresConnection, logger: Logger
    ) async throws -> [UUID: ParticipantFacts] {
        guard !ids.isEmpty, guardian != nil || anyGuardian else { return [:] }
        var found: [UUID: ParticipantFacts] = [:]
        for try await (id, first, last, birth, residency, origin, parent, codes, filled) in try await connection.query(
            """
            SELECT p.id, p.first_name, p.last_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.residency, p.organisation_id,
                (SELECT o.parent_id FROM organisations o WHERE o.id = p.organisation_id),
                ARRAY(SELECT DISTINCT f.code FROM registrations r JOIN offerings f ON f.id = r.offering_id
                      WHERE r.participant_id = p.id AND r.status = 'confirmed'),
                \(unescaped: PostgresParticipantRepository.filledFields)
            FROM participants p
            WHERE p.id = ANY(\(ids))
              AND (\(anyGuardian) OR EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(guardian)))
            """, logger: logger
        ).decode((UUID, String, String, String, String?, UUID?, UUID?, [String], [String]).self) {
            found[id] = .init(
                name: "\(first) \(last)", birthDate: birth, residency: residency, origin: origin, originChain: [origin, parent].compactMap { $0 },
                completedCodes: Set(codes), filledFields: Set(filled))
        }
        return found
    }

    /// `"participant session"` pairs already held or confirmed.
    static func activeRegistrations(participants: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        guard !participants.isEmpty else { return [] }
        var pairs = Set<String>()
        for try await (participant, session) in try await connection.query(
            "SELECT participant_id, session_id FROM registrations WHERE participant_id = ANY(\(participants)) AND status IN ('held', 'confirmed')",
            logger: logger
        ).decode((UUID, UUID).self) {
            pairs.insert("\(participant) \(session)")
        }
        return pairs
    }

    /// `enrolment.registration.*` for each registration, naming the participant's guardians.
    static func recordRegistrations(
        _ routingKey: String, _ ids: [UUID], at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await Outbox.enqueue(registrationEvents(routingKey, ids, at: at, on: connection, logger: logger), on: connection, logger: logger)
    }

    /// The events of these registrations as they now stand (with their participants' guardians), to record.
    static func registrationEvents(
        _ routingKey: String, _ ids: [UUID], at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> [PendingEvent] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT r.id, r.participant_id, r.offering_id, r.session_id, r.checkout_id, r.version,
                   coalesce(array_agg(g.account_id) FILTER (WHERE g.account_id IS NOT NULL), '{}'),
                   CASE WHEN r.status_reason = 'no-seat-after-late-payment' THEN r.status_reason END
            FROM registrations r LEFT JOIN participant_guardians g ON g.participant_id = r.participant_id
            WHERE r.id = ANY(\(ids)) GROUP BY r.id
            """, logger: logger
        ).decode((UUID, UUID, UUID, UUID, UUID?, Int64, [UUID], String?).self)
        var events: [PendingEvent] = []
        for try await (id, participant, offering, session, checkout, version, guardians, reason) in rows {
            events.append(
                try PendingEvent(
                    routingKey: routingKey, subject: id.uuidString.lowercased(), occurredAt: at,
                    payload: RegistrationEvent(
                        registrationId: id, version: version, participantId: participant, offeringId: offering, sessionId: session,
                        guardianAccountIds: guardians, checkoutId: checkout, reason: reason)))
        }
        return events
    }
}
