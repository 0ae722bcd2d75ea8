import Contracts
import Database
import Foundation
import Messaging
import Logging
import Outbox
import PostgresNIO
import ServiceKit

/// Refunds to the original card: requested (by enrolment's policy or by staff) within what was captured, sent
/// to the processor with the refund's id as its idempotency key, completed once with a credit note.
struct RefundStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let processor: any PaymentProcessor
    let clock: any WallClock
    /// The payer is mailed each completed refund with its credit note.
    let mailing: PaymentMailing

    static let columns = """
        f.id, f.payment_id, f.amount_cents, f.status, f.reason, f.refund_request_id, f.registration_ids, r.number, f.credit_note_number,
        f.failure_code, f.created_at, f.completed_at
        """

    struct Request: Sendable {
        var amountCents: Int64
        var reason: String
        var refundRequestId: UUID?
        var registrationIds: [UUID]
        var requestedBy: UUID?
        /// Enrolment's requests are capped to what remains (its policy cannot know of staff refunds); staff's are refused above it.
        var capToRemaining = false
    }

    /// Records a pending refund of a succeeded payment; never more than what remains of the capture (422).
    /// A `refundRequestId` already recorded answers that refund again; nil when a capped request has nothing left.
    static func request(
        _ request: Request, payment: UUID, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> UUID? {
        var request = request
        if let requestId = request.refundRequestId {
            for try await id in try await connection.query(
                "SELECT id FROM refunds WHERE refund_request_id = \(requestId) AND payment_id = \(payment)", logger: logger
            ).decode(UUID.self) {
                return id
            }
        }
        var captured: Int64?
        for try await (amount, status) in try await connection.query(
            "SELECT amount_cents, status FROM payments WHERE id = \(payment) FOR UPDATE", logger: logger
        ).decode((Int64, String).self) {
            captured = status == Payment.Status.succeeded.rawValue ? amount : 0
        }
        guard let captured, captured > 0 else { throw Problem.notRefundable }
        // A refund names only registrations this payment paid for: another checkout's (another organisation's)
        // refund requests are never closed by it.
        if !request.registrationIds.isEmpty {
            let rows = try await connection.query(
                "SELECT registration_id FROM payment_lines WHERE payment_id = \(payment) AND registration_id = ANY(\(request.registrationIds))",
                logger: logger)
            var paid = Set<UUID>()
            for try await id in rows.decode(UUID.self) { paid.insert(id) }
            let foreign = request.registrationIds.enumerated().filter { !paid.contains($0.element) }
            guard foreign.isEmpty else {
                throw Problem.validation(
                    foreign.map {
                        FieldError(
                            field: "registrationIds[\($0.offset)]", code: "notInPayment",
                            message: .init(
                                fr: "Cette inscription n'a pas été payée par ce paiement.", en: "This registration was not paid by this payment."))
                    })
            }
        }
        let committed = try await connection.query(
            "SELECT coalesce(sum(amount_cents), 0)::bigint FROM refunds WHERE payment_id = \(payment) AND status <> 'failed'", logger: logger
        ).collect().first!.decode(Int64.self)
        if request.capToRemaining {
            request.amountCents = min(request.amountCents, captured - committed)
            guard request.amountCents > 0 else { return nil }
        }
        guard request.amountCents > 0, request.amountCents <= captured - committed else {
            throw Problem.refundExceedsCaptured(remainingCents: captured - committed)
        }
        let id = UUID()
        try await connection.query(
            """
            INSERT INTO refunds (id, version, payment_id, amount_cents, status, reason, refund_request_id, registration_ids, requested_by,
                created_at, updated_at)
            VALUES (\(id), 1, \(payment), \(request.amountCents), 'pending', \(request.reason), \(request.refundRequestId), \(request.registrationIds),
                \(request.requestedBy), \(now), \(now))
            """, logger: logger)
        return id
    }

    /// What is left to refund of a payment: captured less refunds not failed.
    static func remaining(of payment: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query(
            """
            SELECT (CASE WHEN p.status = 'succeeded' THEN p.amount_cents ELSE 0 END
                - coalesce((SELECT sum(f.amount_cents) FROM refunds f WHERE f.payment_id = p.id AND f.status <> 'failed'), 0))::bigint
            FROM payments p WHERE p.id = \(payment)
            """, logger: logger
        ).collect().first?.decode(Int64.self) ?? 0
    }

    /// A staff refund under an idempotency key: the same key and body give the same refund.
    func requestByStaff(
        _ request: Request, payment: UUID, scope: String, key: String, requestHash: [UInt8], at now: Date
    ) async throws -> UUID {
        return try await client.transaction(logger: logger) { connection in
            if case .replay(let body) = try await Idempotency.claim(
                scope: scope, key: key, requestHash: requestHash, at: now, on: connection, logger: logger)
            {
                guard let id = UUID(uuidString: String(decoding: body, as: UTF8.self)) else { throw Problem.internalError }
                return id
            }
            guard let id = try await Self.request(request, payment: payment, at: now, on: connection, logger: logger) else {
                throw Problem.notRefundable
            }
            try await Idempotency.complete(scope: scope, key: key, response: Array(id.uuidString.utf8), on: connection, logger: logger)
            return id
        }
    }

    /// Asks the processor for one pending refund and records the outcome; an unanswered one stays pending.
    func process(_ id: UUID, logger: Logger) async throws {
        var pending: (Int64, String)?
        for try await values in try await client.query(
            """
            SELECT f.amount_cents, p.processor_charge_id FROM refunds f JOIN payments p ON p.id = f.payment_id
            WHERE f.id = \(id) AND f.status = 'pending'
            """, logger: logger
        ).decode((Int64, String).self) {
            pending = values
        }
        guard let (amount, charge) = pending else { return }
        try await settle(id, outcome: await processor.refund(chargeId: charge, amountCents: amount, reference: id), at: clock.now(), logger: logger)
    }

    /// Completes a pending refund once: a credit note numbered after the receipt's series, the payment's refunded
    /// amount, and `payment.refund.completed`.
    func settle(_ id: UUID, outcome: RefundOutcome, at now: Date, logger: Logger) async throws {
        try await client.transaction(logger: logger) { connection in
            // A request answered in parts (a registration paid by instalments): its parts settle one at a time, in the
            // same order, so that the last one knows it is the last.
            _ = try await connection.query(
                """
                SELECT s.id FROM refunds f JOIN refunds s ON s.refund_request_id = f.refund_request_id WHERE f.id = \(id)
                ORDER BY s.id FOR UPDATE OF s
                """, logger: logger
            ).collect()
            var row: (UUID, UUID, UUID, Int64, Int64, [UUID], UUID?)?
            for try await values in try await connection.query(
                """
                SELECT f.payment_id, p.checkout_id, p.selling_organisation_id, f.amount_cents, f.version, f.registration_ids, f.refund_request_id
                FROM refunds f JOIN payments p ON p.id = f.payment_id WHERE f.id = \(id) AND f.status = 'pending' FOR UPDATE OF f
                """, logger: logger
            ).decode((UUID, UUID, UUID, Int64, Int64, [UUID], UUID?).self) {
                row = values
            }
            guard let (payment, checkout, organisation, amount, version, registrations, requestId) = row else { return }
            switch outcome {
            case .unknown(let reason):
                logger.warning("no answer from the processor for a refund; retrying later", metadata: ["refund": "\(id)", "reason": "\(reason)"])
            case .failed(let code):
                logger.error("the processor refused a refund", metadata: ["refund": "\(id)", "code": "\(code)"])
                try await connection.query(
                    "UPDATE refunds SET status = 'failed', failure_code = \(code), version = version + 1, updated_at = \(now) WHERE id = \(id)",
                    logger: logger)
            case .succeeded(let processorId):
                let prefix = try await PaymentStore.prefix(of: organisation, on: connection, logger: logger)
                let year = CalendarDate(now).year
                let sequence = try await PaymentStore.nextNumber(
                    organisation: organisation, year: year, series: "credit-note", on: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE refunds SET status = 'succeeded', processor_refund_id = \(processorId),
                        credit_note_number = \(Receipt.number(prefix: prefix.shortCode + "-NC", year: year, sequence: sequence)),
                        version = version + 1, updated_at = \(now), completed_at = \(now)
                    WHERE id = \(id)
                    """, logger: logger)
                try await connection.query(
                    "UPDATE payments SET refunded_cents = refunded_cents + \(amount), version = version + 1, updated_at = \(now) WHERE id = \(payment)",
                    logger: logger)
                // The request's other parts, locked above: complete once none is pending or failed (a failed part leaves the
                // request open, as a failed refund always has), and what they refunded so far.
                var othersOpen = false
                var refundedSoFar = amount
                if let requestId {
                    for try await (status, cents) in try await connection.query(
                        "SELECT status, amount_cents FROM refunds WHERE refund_request_id = \(requestId) AND id <> \(id)", logger: logger
                    ).decode((String, Int64).self) {
                        if status == "succeeded" { refundedSoFar += cents } else { othersOpen = true }
                    }
                }
                try await Outbox.enqueue(
                    PendingEvent(
                        routingKey: EventName.refundCompleted, subject: id.uuidString.lowercased(), occurredAt: now,
                        payload: RefundCompletedEvent(
                            refundId: id, version: version + 1, paymentId: payment, checkoutId: checkout, registrationIds: registrations,
                            amount: .init(amountCents: amount), refundRequestId: requestId,
                            requestComplete: requestId == nil ? nil : !othersOpen,
                            requestRefunded: requestId == nil ? nil : .init(amountCents: refundedSoFar))),
                    on: connection, logger: logger)
                try await mailing.queueRefund(id, at: now, on: connection, logger: logger)
            }
        }
    }

    /// A payment's refunds, oldest first.
    func refunds(payment: UUID) async throws -> [PaymentRefund] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns)
            FROM refunds f LEFT JOIN receipts r ON r.payment_id = f.payment_id WHERE f.payment_id = \(payment) ORDER BY f.created_at, f.id
            """, logger: logger)
        var found: [PaymentRefund] = []
        for try await row in rows.decode(Self.Row.self) { found.append(Self.refund(row)) }
        return found
    }

    typealias Row = (UUID, UUID, Int64, String, String, UUID?, [UUID], String?, String?, String?, Date, Date?)

    static func refund(_ row: Row) -> PaymentRefund {
        let (id, payment, amount, status, reason, requestId, registrations, receipt, creditNote, failure, created, completed) = row
        return PaymentRefund(
            id: id, paymentId: payment, amountCents: amount, status: .init(rawValue: status) ?? .pending, reason: reason,
            refundRequestId: requestId, registrationIds: registrations, receiptNumber: receipt, creditNoteNumber: creditNote, failureCode: failure,
            createdAt: created, completedAt: completed)
    }

    func find(id: UUID) async throws -> (PaymentRefund, organisation: UUID, payer: UUID?)? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), p.selling_organisation_id, p.payer_account_id
            FROM refunds f JOIN payments p ON p.id = f.payment_id LEFT JOIN receipts r ON r.payment_id = f.payment_id WHERE f.id = \(id)
            """, logger: logger)
        for try await (
            id, payment, amount, status, reason, requestId, registrations, receipt, creditNote, failure, created, completed, organisation, payer
        )
            in rows.decode((UUID, UUID, Int64, String, String, UUID?, [UUID], String?, String?, String?, Date, Date?, UUID, UUID?).self)
        {
            let refund = Self.refund(
                (id, payment, amount, status, reason, requestId, registrations, receipt, creditNote, failure, created, completed))
            return (refund, organisation, payer)
        }
        return nil
    }
}

extension Problem {
    static func refundExceedsCaptured(remainingCents: Int64) -> Problem {
        let (fr, en) = (MoneyText.format(remainingCents, english: false), MoneyText.format(remainingCents, english: true))
        return Problem(
            type: "/problems/refund-exceeds-captured", status: .unprocessableContent,
            title: .init(fr: "Le remboursement dépasse le montant encaissé.", en: "The refund exceeds the amount captured."),
            detail: .init(fr: "Il reste au plus \(fr) à rembourser sur ce paiement.", en: "At most \(en) remains to refund on this payment."),
            errors: [
                .init(
                    field: "amountCents", code: "exceedsCaptured",
                    message: .init(fr: "Au plus \(remainingCents) cents.", en: "At most \(remainingCents) cents."))
            ])
    }

    static let notRefundable = Problem(
        type: "/problems/payment-not-refundable", status: .conflict,
        title: .init(fr: "Ce paiement n'a rien encaissé à rembourser.", en: "This payment captured nothing to refund."))
}
