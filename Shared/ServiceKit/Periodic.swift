import Logging
import Messaging
import ServiceLifecycle

/// The loop of background work that sweeps a table every so often (hold expiry, mails from state,
/// reconciliation): runs `work` with the round's number, logs a failure and tries again next round, stops at
/// graceful shutdown.
public enum Periodic {
    public static func run(
        every interval: Duration, logger: Logger, failure: String, _ work: @escaping @Sendable (_ round: Int) async throws -> Void
    ) async {
        await cancelWhenGracefulShutdown {
            var round = 0
            while !Task.isCancelled {
                do {
                    // Each round is a trace of its own: the events it records (an expired hold, a late charge) carry it.
                    try await TraceContext.$current.withValue(.root()) { try await work(round) }
                } catch {
                    logger.error("\(failure); retrying", metadata: ["error": "\(String(reflecting: error))"])
                }
                round += 1
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Whether this round is the first of a new `period` (hourly chores in a loop that runs every second).
    public static func isDue(round: Int, every period: Duration, interval: Duration) -> Bool {
        let rounds = max(1, Int(period / interval))
        return round % rounds == 0
    }
}
