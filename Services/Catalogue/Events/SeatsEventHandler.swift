import Contracts
import Outbox

/// Keeps how many seats of each session enrolment holds and has confirmed (`enrolment.session.seats_changed`),
/// so the catalogue shows seats left and refuses a capacity below what is confirmed without reading enrolment's
/// tables. An older version changes nothing.
enum SeatsEventHandler {
    static let handler = EventHandler(SessionSeatsEvent.self) { seats, context in
        try await SessionSeatCounts.keep(seats, on: context.connection, logger: context.logger)
    }
}
