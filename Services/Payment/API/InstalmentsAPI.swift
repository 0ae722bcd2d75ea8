import Contracts
import DomainKit
import Foundation
import ServiceKit

/// The payer's instalments: listed, and paid by card now (after a refusal, or ahead of their date).
extension PaymentAPI {
    func listMyInstalments(_ input: Operations.ListMyInstalments.Input) async throws -> Operations.ListMyInstalments.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        let found = try await instalments.instalments(payer: payer)
        return .ok(.init(body: .json(.init(items: found.map(Self.representation)))))
    }

    func payMyInstalment(_ input: Operations.PayMyInstalment.Input) async throws -> Operations.PayMyInstalment.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.instalmentId) else { throw Problem.notFound }
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let key = try Idempotency.key(input.headers.idempotencyKey)
        var errors: [FieldError] = []
        let (token, address) = Self.card(body.cardToken, billedTo: body.billingAddress, errors: &errors)
        guard errors.isEmpty, let address else { throw Problem.validation(errors) }
        let payment = try await payments.pay(
            .init(
                checkoutId: id, kind: "instalment", cardToken: token, billingAddress: address, key: key,
                requestHash: try Idempotency.requestHash(body)),
            payer: .account(payer), now: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/payments/\(payment.id.uuidString.lowercased())")
        switch payment.status {
        case .succeeded, .declined: return .created(.init(body: .json(Self.representation(payment))))
        case .pending, .unknown: return .accepted(.init(body: .json(Self.representation(payment))))
        }
    }

    static func representation(_ instalment: InstalmentStore.Instalment) -> Components.Schemas.Instalment {
        .init(
            id: instalment.id.uuidString.lowercased(), checkoutId: instalment.checkoutId.uuidString.lowercased(),
            registrationId: instalment.registrationId.uuidString.lowercased(), number: instalment.number, count: instalment.count,
            dueDate: instalment.dueOn.description, amount: money(instalment.amountCents), status: .init(rawValue: instalment.status.rawValue)!,
            attempts: instalment.attempts, nextAttemptAt: instalment.nextAttemptAt, lastFailureCode: instalment.lastFailureCode,
            participantName: instalment.line.participantName, offeringCode: instalment.line.offeringCode,
            title: .init(fr: instalment.line.offeringTitle.fr, en: instalment.line.offeringTitle.en),
            organisationId: instalment.sellingOrganisationId.uuidString.lowercased(), paymentId: instalment.paymentId?.uuidString.lowercased(),
            receiptNumber: instalment.receiptNumber)
    }
}
