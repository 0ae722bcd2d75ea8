import Foundation
import Logging
import PostgresNIO
import ServiceKit

protocol CategoryRepository: Sendable {
    /// Categories in display order after the given (position, id) key, at most `limit`.
    func list(after: (position: Int, id: UUID)?, limit: Int) async throws -> [Category]
}

struct PostgresCategoryRepository: CategoryRepository {
    let client: PostgresClient

    func list(after: (position: Int, id: UUID)?, limit: Int) async throws -> [Category] {
        let position = after?.position ?? Int.min
        let id = after?.id ?? UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        let rows = try await client.query(
            """
            SELECT id, code, position, name_fr, name_en FROM categories
            WHERE (position, id) > (\(position), \(id))
            ORDER BY position, id LIMIT \(limit)
            """, logger: RequestScope.logger)
        var categories: [Category] = []
        for try await (id, code, position, nameFr, nameEn) in rows.decode((UUID, String, Int, String, String).self) {
            categories.append(Category(id: id, code: code, position: position, name: .init(fr: nameFr, en: nameEn)))
        }
        return categories
    }
}
