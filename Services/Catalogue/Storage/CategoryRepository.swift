import Foundation
import Logging
import PostgresNIO
import ServiceKit

protocol CategoryRepository: Sendable {
    /// Categories in display order after the given (position, id) key, at most `limit`.
    func list(after: (position: Int, id: UUID)?, limit: Int) async throws -> [Category]
    /// Every subject, in display order (a short, fixed list).
    func subjects() async throws -> [Subject]
    /// Every level, from preschool to adult.
    func levels() async throws -> [Level]
}

struct PostgresCategoryRepository: CategoryRepository {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    func list(after: (position: Int, id: UUID)?, limit: Int) async throws -> [Category] {
        let position = after?.position ?? Int.min
        let id = after?.id ?? UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        let rows = try await client.query(
            """
            SELECT id, code, position, name_fr, name_en FROM categories
            WHERE (position, id) > (\(position), \(id))
            ORDER BY position, id LIMIT \(limit)
            """, logger: logger)
        var categories: [Category] = []
        for try await (id, code, position, nameFr, nameEn) in rows.decode((UUID, String, Int, String, String).self) {
            categories.append(Category(id: id, code: code, position: position, name: .init(fr: nameFr, en: nameEn)))
        }
        return categories
    }

    func subjects() async throws -> [Subject] {
        var subjects: [Subject] = []
        for try await (id, code, fr, en) in try await client.query(
            "SELECT id, code, name_fr, name_en FROM subjects ORDER BY position", logger: logger
        ).decode((UUID, String, String, String).self) {
            subjects.append(Subject(id: id, code: code, name: .init(fr: fr, en: en)))
        }
        return subjects
    }

    func levels() async throws -> [Level] {
        var levels: [Level] = []
        for try await (code, fr, en) in try await client.query(
            "SELECT code, name_fr, name_en FROM levels ORDER BY position", logger: logger
        ).decode((String, String, String).self) {
            levels.append(Level(code: code, name: .init(fr: fr, en: en)))
        }
        return levels
    }
}
