import Contracts
import Foundation
import Logging
import Mail
import Outbox
import PostgresNIO
import ServiceKit

/// Refunds an `on-request` policy leaves to the organisation: a guardian's cancellation keeps the most the policy
/// allows as a request awaiting a decision; staff grant all or part of it (asked of payment like any other
/// refund) or refuse it, and the family is mailed either way.
extension Cancellations {
    struct RefundRequestView: Sendable {
        var id: UUID
        var registrationId: UUID
        var participantName: String
        var offeringCode: String
        var offeringTitle: LocalizedText
        var maximumCents: Int64
        var grantedCents: Int64?
        var status: String
        var note: String?
        var requestedAt: Date
        var decidedAt: Date?
    }

    /// A request as staff read it, with its participant and offering (a `WHERE` follows).
    private static let viewSelect = """
        SELECT rr.id, rr.registration_id, p.first_name || ' ' || p.last_name, o.code, o.title_fr, o.title_en,
            coalesce(rr.maximum_cents, rr.amount_cents), rr.amount_cents, rr.status, rr.decision_note, rr.requested_at, rr.decided_at
        FROM refund_requests rr JOIN registrations r ON r.id = rr.registration_id JOIN offerings o ON o.id = r.offering_id
        JOIN participants p ON p.id = r.participant_id
        """

    private static func views(_ rows: PostgresRowSequence) async throws -> [RefundRequestView] {
        var found: [RefundRequestView] = []
        for try await row in rows.decode((UUID, UUID, String, String, String, String, Int64, Int64, String, String?, Date, Date?).self) {
            found.append(
                .init(
                    id: row.0, registrationId: row.1, participantName: row.2, offeringCode: row.3, offeringTitle: .init(fr: row.4, en: row.5),
                    maximumCents: row.6, grantedCents: ["requested", "completed"].contains(row.8) ? row.7 : nil, status: row.8, note: row.9,
                    requestedAt: row.10, decidedAt: row.11))
        }
        return found
    }

    /// Keeps the most the policy allows as a request awaiting the organisation's decision (no event yet).
    static func awaitDecision(
        registration: UUID, checkout: UUID, maximumCents: Int64, reason: String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO refund_requests (id, registration_id, checkout_id, amount_cents, maximum_cents, reason, status, requested_at)
            VALUES (\(UUID()), \(registration), \(checkout), \(maximumCents), \(maximumCents), \(reason), 'awaiting-decision', \(now))
            """, logger: logger)
    }

    /// The organisation's requests with `status`, oldest first.
    static func refundRequests(
        organisation: UUID, status: String, limit: Int, client: PostgresClient, logger: Logger
    ) async throws -> [RefundRequestView] {
        try await views(
            try await client.query(
                """
                \(unescaped: viewSelect)
                WHERE o.selling_organisation_id = \(organisation) AND rr.status = \(status)
                ORDER BY rr.requested_at, rr.id LIMIT \(limit)
                """, logger: logger))
    }

    enum RefundDecision: Sendable {
        case grant(cents: Int64?)
        case refuse
    }

    /// Decides a request awaiting a decision, once: a grant (at most the maximum) is asked of payment; the payer is
    /// mailed in their language with the decision, in the same transaction.
    /// `mayDecide`: whether the principal manages the selling organisation (as the list's reader must).
    static func decide(
        request id: UUID, _ decision: RefundDecision, note: String?, by principal: Principal,
        mayDecide: @Sendable (UUID) async throws -> Bool, at now: Date, mailing: Mailing, client: PostgresClient, logger: Logger
    ) async throws -> RefundRequestView {
        try await client.transaction(logger: logger) { connection in
            var found: (status: String, maximum: Int64, registration: UUID, checkout: UUID, seller: UUID, reason: String, payer: UUID?)?
            for try await row in try await connection.query(
                """
                SELECT rr.status, coalesce(rr.maximum_cents, rr.amount_cents), rr.registration_id, rr.checkout_id, o.selling_organisation_id, rr.reason,
                       c.account_id
                FROM refund_requests rr JOIN registrations r ON r.id = rr.registration_id JOIN offerings o ON o.id = r.offering_id
                LEFT JOIN checkouts c ON c.id = rr.checkout_id
                WHERE rr.id = \(id) FOR UPDATE OF rr
                """, logger: logger
            ).decode((String, Int64, UUID, UUID, UUID, String, UUID?).self) {
                found = row
            }
            guard let found, try await mayDecide(found.seller) else { throw Problem.notFound }
            // Staff who paid for their own child do not decide their own refund: a colleague does.
            guard found.payer != principal.accountId else { throw Problem.forbidden }
            guard found.status == "awaiting-decision" else { throw Problem.alreadyDecided }
            switch decision {
            case .grant(let cents):
                let granted = cents ?? found.maximum
                guard granted <= found.maximum else {
                    throw Problem.validation([
                        .init(
                            field: "amountCents", code: "tooLarge",
                            message: .init(
                                fr: "Au plus \(MoneyText.format(found.maximum, english: false)), ce que la politique permet.",
                                en: "At most \(MoneyText.format(found.maximum, english: true)), what the policy allows."))
                    ])
                }
                try await connection.query(
                    """
                    UPDATE refund_requests SET status = 'requested', amount_cents = \(granted), decided_by = \(principal.accountId),
                        decided_at = \(now), decision_note = \(note)
                    WHERE id = \(id)
                    """, logger: logger)
                try await enqueueRefund(
                    request: id, registration: found.registration, checkout: found.checkout, cents: granted, reason: found.reason, at: now,
                    on: connection, logger: logger)
            case .refuse:
                guard let note, !note.isEmpty else { throw Problem.validation([.required("note")]) }
                try await connection.query(
                    """
                    UPDATE refund_requests SET status = 'refused', decided_by = \(principal.accountId), decided_at = \(now), decision_note = \(note)
                    WHERE id = \(id)
                    """, logger: logger)
            }
            let view = try await views(try await connection.query("\(unescaped: viewSelect) WHERE rr.id = \(id)", logger: logger))
            guard let decided = view.first else { throw Problem.notFound }
            try await tellPayer(decided, checkout: found.checkout, mailing: mailing, at: now, on: connection, logger: logger)
            return decided
        }
    }

    /// The payer's mail saying the decision, in their language, queued with the decision itself.
    private static func tellPayer(
        _ request: RefundRequestView, checkout: UUID, mailing: Mailing, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for try await (email, name, language) in try await connection.query(
            """
            SELECT a.email, a.first_name || ' ' || a.last_name, a.language
            FROM checkouts c JOIN account_contacts a ON a.account_id = c.account_id WHERE c.id = \(checkout)
            """, logger: logger
        ).decode((String, String, String).self) {
            var values: [String: Any] = [
                "name": name, "participant": request.participantName, "code": request.offeringCode, "title": request.offeringTitle.fr,
                "titleEn": request.offeringTitle.en, "granted": request.grantedCents != nil,
            ]
            if let granted = request.grantedCents {
                values["amount"] = MoneyText.format(granted, english: false)
                values["amountEn"] = MoneyText.format(granted, english: true)
            }
            if let note = request.note { values["note"] = note }
            let mail = mailing.mails.refundDecided.message(
                language: language == "en" ? .en : .fr, from: mailing.from, to: .init(email: email, name: name), values: values, date: now)
            try await MailQueue.enqueue(mail, at: now, sealedWith: mailing.key, on: connection, logger: logger)
        }
    }
}
