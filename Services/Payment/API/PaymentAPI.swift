import Foundation
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct PaymentAPI: APIProtocol {
    let payments: any PaymentRepository

    func listMyPayments(_ input: Operations.ListMyPayments.Input) async throws -> Operations.ListMyPayments.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        var before: (createdMicros: Int64, id: UUID)?
        if let key = page.after {
            guard key.count == 2, let micros = Int64(key[0]), let id = UUID(uuidString: key[1]) else {
                throw Problem.invalidCursor
            }
            before = (micros, id)
        }
        let rows = try await payments.list(payer: payer, before: before, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [String($0.1), $0.0.id.uuidString] }
        return .ok(.init(body: .json(.init(
            items: items.map(\.0).map {
                .init(
                    id: $0.id.uuidString.lowercased(), checkoutId: $0.checkoutId.uuidString.lowercased(),
                    amount: .init(amountCents: $0.amountCents, currency: .cad),
                    status: .init(rawValue: $0.status.rawValue)!, createdAt: $0.createdAt)
            },
            nextCursor: nextCursor))))
    }
}
