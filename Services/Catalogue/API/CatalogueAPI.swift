import Foundation
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct CatalogueAPI: APIProtocol {
    let organisations: OrganisationRepository
    let categories: any CategoryRepository
    let offerings: any OfferingRepository
    let letters: ParentLetterStore
    let clock: any WallClock

    func listSubjects(_ input: Operations.ListSubjects.Input) async throws -> Operations.ListSubjects.Output {
        let rows = try await categories.subjects()
        return .ok(
            .init(
                body: .json(
                    .init(items: rows.map { .init(id: $0.id.uuidString.lowercased(), code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en)) }))))
    }

    func listLevels(_ input: Operations.ListLevels.Input) async throws -> Operations.ListLevels.Output {
        let rows = try await categories.levels()
        return .ok(.init(body: .json(.init(items: rows.map { .init(code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en)) }))))
    }

    func listCategories(_ input: Operations.ListCategories.Input) async throws -> Operations.ListCategories.Output {
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        var after: (position: Int, id: UUID)?
        if let key = page.after {
            guard key.count == 2, let position = Int(key[0]), let id = UUID(uuidString: key[1]) else {
                throw Problem.invalidCursor
            }
            after = (position, id)
        }
        let rows = try await categories.list(after: after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [String($0.position), $0.id.uuidString] }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: items.map { .init(id: $0.id.uuidString.lowercased(), code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en)) },
                        nextCursor: nextCursor))))
    }
}
