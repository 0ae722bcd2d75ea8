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
        await cancelWhenGracefulShutdown {
            var lastPurge = Date.distantPast
            while !Task.isCancelled {
                do {
                    let now = clock.now()
                    // A full batch means more are due: go again at once.
                    while try await CheckoutTransitions.expireDue(client: client, at: now, logger: logger) == 100 {}
                    try await WaitlistStore.offerFreedSeats(client: client, offerDuration: offerDuration, at: now, logger: logger)
                    if now.timeIntervalSince(lastPurge) > 3600 {
                        try await Idempotency.purge(before: now - Idempotency.retention, client: client, logger: logger)
                        lastPurge = now
                    }
                } catch {
                    logger.error("hold expiry failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
