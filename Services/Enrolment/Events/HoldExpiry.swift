import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Releases the seats of checkouts not paid by `holdExpiresAt`, offers freed seats to waitlists (and passes
/// unclaimed offers on), and forgets idempotency keys older than a day.
struct HoldExpiry: Service {
    let client: PostgresClient
    let clock: any WallClock
    let interval: Duration
    let offerDuration: TimeInterval
    let logger: Logger

    func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "hold expiry failed") { round in
            let now = clock.now()
            // A full batch means more are due: go again at once.
            while try await CheckoutTransitions.expireDue(client: client, at: now, logger: logger) == 100 {}
            _ = try await WaitlistStore.offerFreedSeats(client: client, offerDuration: offerDuration, at: now, logger: logger)
            if Periodic.isDue(round: round, every: .seconds(3600), interval: interval) {
                try await Idempotency.purge(before: now - Idempotency.retention, client: client, logger: logger)
            }
        }
    }
}
