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
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let (payment, answered) = try await payDocument(
            kind: "instalment", id: input.path.instalmentId, body: body, idempotencyKey: input.headers.idempotencyKey)
        return answered ? .created(.init(body: .json(payment))) : .accepted(.init(body: .json(payment)))
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
