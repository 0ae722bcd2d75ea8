import Contracts
import Outbox

/// Keeps enrolment's copy of an offering from `catalogue.offering.*`. Events can arrive out of order
/// (several relays, out-of-order confirms): one older than the stored version changes nothing.
enum OfferingEventHandler {
    static let handler = EventHandler(OfferingEvent.self) { offering, context in
        try await OfferingProjection.keep(
            offering, document: String(decoding: context.event.data, as: UTF8.self), on: context.connection, logger: context.logger)
    }
}
