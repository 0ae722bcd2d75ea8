import CatalogueClient
import Foundation
import ServiceKit

/// The catalogue's organisations and categories, which every catalogue, family and cart page names, kept for a
/// minute: asking the catalogue for them on every page tripled its load for lists that change a few times a year.
/// A new organisation appears in the pages within `lifetime`.
actor CatalogueReference {
    typealias Organisation = CatalogueClient.Components.Schemas.Organisation
    typealias Category = CatalogueClient.Components.Schemas.Category
    typealias Subject = CatalogueClient.Components.Schemas.SubjectList.ItemsPayloadPayload
    typealias Level = CatalogueClient.Components.Schemas.LevelList.ItemsPayloadPayload

    let catalogue: CatalogueClient.Client
    let clock: any WallClock
    let lifetime: TimeInterval
    private var organisationsCache: (items: [Organisation], at: Date)?
    private var categoriesCache: (items: [Category], at: Date)?
    private var subjectsAndLevelsCache: (subjects: [Subject], levels: [Level], at: Date)?

    init(catalogue: CatalogueClient.Client, clock: any WallClock, lifetime: TimeInterval = 60) {
        self.catalogue = catalogue
        self.clock = clock
        self.lifetime = lifetime
    }

    func organisations() async throws -> [Organisation] {
        let now = clock.now()
        if let cached = organisationsCache, now.timeIntervalSince(cached.at) < lifetime { return cached.items }
        let items = try await catalogue.listOrganisations(query: .init(limit: 100)).ok.body.json.items
        organisationsCache = (items, now)
        return items
    }

    /// After a change the portal made itself, so its own pages show it at once.
    func forgetOrganisations() {
        organisationsCache = nil
    }

    func categories() async throws -> [Category] {
        let now = clock.now()
        if let cached = categoriesCache, now.timeIntervalSince(cached.at) < lifetime { return cached.items }
        let items = try await catalogue.listCategories(query: .init(limit: 100)).ok.body.json.items
        categoriesCache = (items, now)
        return items
    }

    /// School subjects and levels, in display order (the staff's offering forms list them).
    func subjectsAndLevels() async throws -> (subjects: [Subject], levels: [Level]) {
        let now = clock.now()
        if let cached = subjectsAndLevelsCache, now.timeIntervalSince(cached.at) < lifetime { return (cached.subjects, cached.levels) }
        let subjects = try await catalogue.listSubjects().ok.body.json.items
        let levels = try await catalogue.listLevels().ok.body.json.items
        subjectsAndLevelsCache = (subjects, levels, now)
        return (subjects, levels)
    }

    /// The offerings of `ids`, by id (not kept: their seats change); one missing from the catalogue is left out.
    func offerings(_ ids: some Sequence<String>) async throws -> [String: CatalogueClient.Components.Schemas.Offering] {
        var found: [String: CatalogueClient.Components.Schemas.Offering] = [:]
        for id in Set(ids) {
            if case .ok(let ok) = try await catalogue.getOffering(path: .init(offeringId: id)) { found[id] = try ok.body.json }
        }
        return found
    }

    /// Organisation names by id, in a language.
    func organisationNames(_ language: Language) async throws -> [String: String] {
        Dictionary(try await organisations().map { ($0.id, $0.name.text(language)) }, uniquingKeysWith: { first, _ in first })
    }
}
