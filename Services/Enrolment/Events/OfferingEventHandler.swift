import Contracts
import Outbox

/// Keeps enrolment's copy of an offering from `catalogue.offering.*`. Events can arrive out of order
/// (several relays, out-of-order confirms): one older than the stored version changes nothing. An offering its
/// organisation cancels takes its confirmed registrations with it, each refunded in full and its family mailed.
enum OfferingEventHandler {
    static let handler = EventHandler(OfferingEvent.self) { offering, context in
        let applied = try await OfferingProjection.keep(
            offering, document: String(decoding: context.event.data, as: UTF8.self), on: context.connection, logger: context.logger)
        if applied, offering.status == "cancelled" {
            try await Cancellations.cancelOffering(offering.offeringId, at: context.event.time, on: context.connection, logger: context.logger)
        }
    }
}
