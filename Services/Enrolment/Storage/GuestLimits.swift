import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// What one anonymous client may do, so that nobody holds a session's seats again and again without paying:
/// seats per guest checkout, checkouts per hour and seats held at once, per email and per client address.
/// Checked under the email's and the address's locks in the checkout's transaction: a burst waits its turn.
struct GuestLimits: Sendable {
    var seatsPerCheckout = 10
    var checkoutsPerHourByEmail = 10
    var seatsHeldByEmail = 10
    /// A school's or a library's network puts many families behind one address: these are settings, higher.
    var checkoutsPerHourByAddress = 300
    var seatsHeldByAddress = 100

    func admit(email: String, address: String?, seats: Int, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        guard seats <= seatsPerCheckout else {
            throw Problem.validation([
                .init(
                    field: "lines", code: "tooManyLines",
                    message: .init(
                        fr: "Au plus \(seatsPerCheckout) inscriptions par commande sans compte.",
                        en: "At most \(seatsPerCheckout) registrations per checkout without an account."))
            ])
        }
        for key in [email] + (address.map { [$0] } ?? []) {
            try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\("guest:" + key), 31))", logger: logger)
        }
        let hourAgo = now - 3_600
        for try await (byEmail, heldByEmail, byAddress, heldByAddress) in try await connection.query(
            """
            SELECT
                (SELECT count(*) FROM checkouts WHERE guest_email = \(email) AND created_at > \(hourAgo)),
                (SELECT count(*) FROM registrations r JOIN checkouts c ON c.id = r.checkout_id
                    WHERE c.guest_email = \(email) AND c.status = 'awaiting-payment' AND r.status = 'held'),
                (SELECT count(*) FROM checkouts WHERE \(address)::text IS NOT NULL AND client_address = \(address) AND account_id IS NULL
                    AND created_at > \(hourAgo)),
                (SELECT count(*) FROM registrations r JOIN checkouts c ON c.id = r.checkout_id
                    WHERE \(address)::text IS NOT NULL AND c.client_address = \(address) AND c.account_id IS NULL
                      AND c.status = 'awaiting-payment' AND r.status = 'held')
            """, logger: logger
        ).decode((Int, Int, Int, Int).self) {
            if byEmail >= checkoutsPerHourByEmail || byAddress >= checkoutsPerHourByAddress {
                throw Problem.tooManyRequests(retryAfterSeconds: 600)
            }
            if heldByEmail + seats > seatsHeldByEmail || heldByAddress + seats > seatsHeldByAddress {
                throw Problem.guestHoldsTooMany
            }
        }
    }
}

extension Problem {
    static let guestHoldsTooMany = Problem(
        type: "/problems/guest-holds-too-many", status: .conflict,
        title: .init(
            fr: "Vous avez déjà des places réservées en attente de paiement.", en: "You already hold seats waiting for payment."),
        detail: .init(
            fr: "Payez ou laissez expirer vos commandes en cours avant d'en faire une autre, ou créez un compte.",
            en: "Pay for or let your pending checkouts expire before making another, or create an account."),
        headers: ["Retry-After": "60"])
}
