import Contracts
import Foundation
import Logging
import PostgresNIO

/// Registrations on a payment plan: their checkout charged a deposit, and payment charges the instalments on their
/// dates (`payment.instalment.paid`). What such a registration has paid is its deposit and its paid instalments.
enum PaymentPlans {
    /// SQL: what registration `r` has paid through its checkout, the whole price unless it is on a plan.
    static let paidThroughCheckoutCents = """
        CASE WHEN r.deposit_cents IS NULL THEN r.amount_cents
        ELSE r.deposit_cents + coalesce((SELECT sum(ip.amount_cents) FROM instalments_paid ip WHERE ip.registration_id = r.id), 0)::bigint END
        """

    /// An instalment paid, kept once. Charged as its registration was cancelled (or left expired), it is asked back
    /// whole: the cancellation's refund was decided without it.
    static func paid(_ event: InstalmentPaidEvent, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var status: String?
        for try await found in try await connection.query(
            """
            WITH kept AS (
                INSERT INTO instalments_paid (instalment_id, registration_id, payment_id, amount_cents, paid_at)
                SELECT \(event.instalmentId), r.id, \(event.paymentId), \(event.amount.amountCents), \(now)
                FROM registrations r WHERE r.id = \(event.registrationId)
                ON CONFLICT (instalment_id) DO NOTHING
                RETURNING registration_id
            )
            SELECT r.status FROM registrations r JOIN kept k ON k.registration_id = r.id FOR UPDATE OF r
            """, logger: logger
        ).decode(String.self) {
            status = found
        }
        guard let status, status != "confirmed", event.amount.amountCents > 0 else { return }
        try await Cancellations.requestRefund(
            registration: event.registrationId, checkout: event.checkoutId, cents: event.amount.amountCents, reason: "registration-cancelled",
            at: now, on: connection, logger: logger)
    }
}
