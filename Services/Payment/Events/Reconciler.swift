import Foundation
import Logging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Settles what the processor left open: payments still `pending` or `unknown` once their charge request
/// has timed out are looked up by reference (charged → succeeded; no charge → declined `not_charged`, but only
/// once the processor can no longer be working on it, `settleHorizon` after the payment began), pending
/// refunds are sent again (the processor's idempotency key makes that safe), instalments due are charged to their
/// saved cards (their families reminded a few days before). Also forgets idempotency keys
/// older than a day, and (in January) mails each payer that last year's statement is ready. Several instances
/// may run it: settling changes a payment or refund once, and a payer's statement mail is claimed once.
struct Reconciler: Service {
    let client: PostgresClient
    let payments: PaymentStore
    let refunds: RefundStore
    let instalments: InstalmentStore
    let taxNumbers: TaxNumberStore
    let statements: StatementMailings
    let processorTimeout: TimeInterval
    let settleHorizon: TimeInterval
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "reconciliation failed") { round in
            try await reconcilePayments(now: clock.now())
            try await retryRefunds()
            while try await instalments.remindDue(now: clock.now()) > 0 {}
            while try await instalments.chargeDue(now: clock.now()) > 0 {}
            while try await statements.mailDue(now: clock.now()) > 0 {}
            if Periodic.isDue(round: round, every: .seconds(3600), interval: interval) {
                try await Idempotency.purge(before: clock.now() - Idempotency.retention, client: client, logger: logger)
                // After a key rotation, numbers sealed under older keys are sealed again, a batch an hour.
                let resealed = try await taxNumbers.resealOlder()
                if resealed > 0 { logger.info("tax numbers sealed again under the newest key", metadata: ["count": "\(resealed)"]) }
            }
        }
    }

    /// Returns how many payments were looked up.
    @discardableResult
    func reconcilePayments(now: Date) async throws -> Int {
        // Past the request's own timeout, nothing else will answer for these payments.
        let settledBefore = now.addingTimeInterval(-(processorTimeout + 2))
        var due: [(UUID, Date)] = []
        for try await row in try await client.query(
            """
            SELECT id, created_at FROM payments WHERE status IN ('pending', 'unknown') AND updated_at < \(settledBefore)
            ORDER BY updated_at LIMIT 50
            """, logger: logger
        ).decode((UUID, Date).self) {
            due.append(row)
        }
        for (id, createdAt) in due {
            let outcome: ChargeOutcome
            if let found = try await payments.processor.lookUp(reference: id) {
                outcome = found
            } else if createdAt < now.addingTimeInterval(-settleHorizon) {
                outcome = .declined(code: "not_charged")
            } else {
                // A slow processor may still complete the charge: saying "not charged" too early could lose one.
                continue
            }
            logger.info("payment reconciled with the processor", metadata: ["payment": "\(id)", "outcome": "\(outcome)"])
            _ = try await payments.settle(id, outcome: outcome, at: clock.now(), logger: logger)
        }
        return due.count
    }

    func retryRefunds() async throws {
        var due: [UUID] = []
        for try await id in try await client.query(
            "SELECT id FROM refunds WHERE status = 'pending' ORDER BY created_at LIMIT 50", logger: logger
        ).decode(UUID.self) {
            due.append(id)
        }
        for id in due {
            try await refunds.process(id, logger: logger)
        }
    }
}
