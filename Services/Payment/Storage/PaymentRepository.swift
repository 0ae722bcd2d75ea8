import Foundation
import PostgresNIO
import ServiceKit

protocol PaymentRepository: Sendable {
    /// Newest first, ordered by (created_at, id) descending, before the given key
    /// (created_at in whole microseconds since 1970, PostgreSQL's own precision, so paging is exact).
    func list(payer: UUID, before: (createdMicros: Int64, id: UUID)?, limit: Int) async throws -> [(Payment, Int64)]
}

struct PostgresPaymentRepository: PaymentRepository {
    let client: PostgresClient

    func list(payer: UUID, before: (createdMicros: Int64, id: UUID)?, limit: Int) async throws -> [(Payment, Int64)] {
        let micros = before?.createdMicros ?? Int64.max / 2
        let id = before?.id ?? UUID(uuidString: "ffffffff-ffff-ffff-ffff-ffffffffffff")!
        let rows = try await client.query(
            """
            SELECT id, checkout_id, amount_cents, currency, status, created_at,
                   (extract(epoch FROM created_at) * 1000000)::bigint
            FROM payments
            WHERE payer_account_id = \(payer)
              AND (created_at, id) < (timestamptz 'epoch' + \(micros) * interval '1 microsecond', \(id))
            ORDER BY created_at DESC, id DESC LIMIT \(limit)
            """, logger: RequestScope.logger)
        var payments: [(Payment, Int64)] = []
        for try await (id, checkout, amount, currency, status, created, createdMicros)
            in rows.decode((UUID, UUID, Int64, String, String, Date, Int64).self)
        {
            guard let status = Payment.Status(rawValue: status) else { continue }
            payments.append((
                Payment(
                    id: id, checkoutId: checkout, payerAccountId: payer, amountCents: amount, currency: currency,
                    status: status, createdAt: created),
                createdMicros))
        }
        return payments
    }
}
