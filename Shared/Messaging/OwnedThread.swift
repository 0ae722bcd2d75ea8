import Foundation
import Logging
import ServiceLifecycle

/// Runs `loop` on a thread of its own (a rabbitmq-c connection must stay on one thread) and suspends until
/// it returns; graceful shutdown or cancellation calls `stop`, which the loop must notice promptly.
func runOnOwnThread(name: String, loop: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) async {
    let finished = AsyncStream<Void>.makeStream()
    let thread = Thread {
        loop()
        finished.continuation.finish()
    }
    thread.name = name
    thread.start()
    await withGracefulShutdownHandler {
        await withTaskCancellationHandler {
            for await _ in finished.stream {}
        } onCancel: {
            stop()
        }
    } onGracefulShutdown: {
        stop()
    }
}

/// How the publisher and the consumer reconnect: delays doubling from 0.1 s to 5 s, and one log line per
/// distinct error rather than one per attempt.
struct Reconnection {
    let role: String
    let logger: Logger
    private var delay = 0.1
    private var lastError = ""

    init(role: String, logger: Logger) {
        self.role = role
        self.logger = logger
    }

    /// Opens and prepares a connection. On failure: logs (once per distinct error), calls `onFailure`, waits,
    /// and returns nil for the caller to try again.
    mutating func attempt(_ open: () throws -> AMQPConnection, onFailure: () -> Void = {}) -> AMQPConnection? {
        do {
            let connection = try open()
            delay = 0.1
            lastError = ""
            return connection
        } catch {
            let message = String(describing: error)
            if message != lastError {
                logger.warning("AMQP \(role) cannot connect; retrying", metadata: ["error": .string(message)])
                lastError = message
            }
            onFailure()
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 5)
            return nil
        }
    }
}
