import Contracts
import Foundation
import Messaging
import Logging
import Outbox
import PostgresNIO

/// Keeps enrolment's checkouts (`enrolment.checkout.requested|expired`): what a payment charges, for whom,
/// until when. An older or repeated version changes nothing; an expired checkout is never charged.
enum CheckoutEventHandler {
    static let handler = EventHandler { event, connection, logger in
        let checkout = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(event.data))
        let expired = event.type == CloudEvent.type(routingKey: EventName.checkoutExpired)
        try await connection.query(
            """
            INSERT INTO checkouts (id, version, selling_organisation_id, payer_account_id, guest_token_sha256, amount_cents, hold_expires_at,
                expired, document, received_at)
            VALUES (\(checkout.checkoutId), \(checkout.version), \(checkout.sellingOrganisationId), \(checkout.payer.accountId),
                \(checkout.payer.guestTokenSHA256), \(checkout.total.amountCents), \(checkout.holdExpiresAt), \(expired),
                \(String(decoding: try EventJSON.encoder.encode(checkout), as: UTF8.self))::jsonb, now())
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, hold_expires_at = EXCLUDED.hold_expires_at,
                expired = checkouts.expired OR EXCLUDED.expired, document = EXCLUDED.document
            WHERE checkouts.version < EXCLUDED.version OR (EXCLUDED.expired AND NOT checkouts.expired)
            """, logger: logger)
    }
}

/// `enrolment.refund.requested`: the offering's policy is enrolment's; payment refunds what it asks, capped to
/// what remains of the capture. The same request twice refunds once.
enum RefundRequestHandler {
    static let handler = EventHandler { event, connection, logger in
        let requested = try EventJSON.decoder.decode(RefundRequestedEvent.self, from: Data(event.data))
        guard requested.amount.amountCents > 0 else { return }
        var payment: UUID?
        for try await id in try await connection.query(
            "SELECT id FROM payments WHERE checkout_id = \(requested.checkoutId) AND status = 'succeeded'", logger: logger
        ).decode(UUID.self) {
            payment = id
        }
        guard let payment else {
            logger.warning("a refund asked for a checkout without a captured payment", metadata: ["checkout": "\(requested.checkoutId)"])
            return
        }
        _ = try await RefundStore.request(
            .init(
                amountCents: requested.amount.amountCents, reason: requested.reason, refundRequestId: requested.refundRequestId,
                registrationIds: [requested.registrationId], requestedBy: nil, capToRemaining: true),
            payment: payment, at: Date(), on: connection, logger: logger)
    }
}
