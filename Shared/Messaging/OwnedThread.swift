import Foundation
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
