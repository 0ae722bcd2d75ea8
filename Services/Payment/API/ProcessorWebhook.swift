import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// `POST /v1/processor/webhooks`, by hand rather than generated: the signature covers the raw body, which the
/// generated code would decode first. Documented in `openapi.yaml` under the `processor` tag.
struct ProcessorWebhook: Sendable {
    let payments: PaymentStore
    let refunds: RefundStore
    let clock: any WallClock
    static let maximumBytes = 64 * 1024

    func register(on router: Router<GuichetRequestContext>) {
        router.post("/v1/processor/webhooks") { request, _ -> Response in
            let body = try await request.body.collect(upTo: Self.maximumBytes)
            let signature = request.headers[HTTPField.Name("Sandbox-Signature")!]
            guard let event = payments.processor.webhook(body: Array(body.readableBytesView), signature: signature, now: clock.now()) else {
                throw Problem.invalidWebhook
            }
            switch event {
            case .charge(let reference, let outcome):
                if try await payments.find(id: reference) != nil {
                    _ = try await payments.settle(reference, outcome: outcome, at: clock.now(), logger: RequestScope.logger)
                }
            case .refundSucceeded(let reference, let id):
                try await refunds.settle(reference, outcome: .succeeded(id: id), at: clock.now(), logger: RequestScope.logger)
            case .other:
                break
            }
            return Response(status: .noContent)
        }
    }
}

extension Problem {
    static let invalidWebhook = Problem(
        type: "/problems/invalid-webhook", status: .badRequest,
        title: .init(fr: "Notification non authentique.", en: "Notification not authentic."),
        detail: .init(fr: "Signature absente, fausse ou trop ancienne.", en: "Signature missing, wrong or too old."))
}
