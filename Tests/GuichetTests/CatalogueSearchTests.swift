import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Catalogue

/// Parents browsing: published offerings only, filters that combine, accent- and case-insensitive words.
@Suite struct CatalogueSearchTests {
    static let recovery = "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a002"
    static let dayCamps = "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006"

    func titles(_ response: TestResponse) throws -> [String] {
        #expect(response.status == .ok, "\(response.text)")
        return (try response.json()["items"] as? [[String: Any]] ?? []).compactMap { ($0["title"] as? [String: String])?["fr"] }
    }

    @Test func filtersCombineAndWordsIgnoreAccentsAndCase() async throws {
        let clock = ManualWallClock(Date())
        let now = clock.now()
        let cssbe = UUID()
        let ville = UUID()
        let staff = try await TestKeys.shared.token(
            for: UUID(), roles: [.init(organisationId: cssbe, role: "staff"), .init(organisationId: ville, role: "staff")])
        try await withService(CatalogueService.self, clock: clock) { catalogue, _ in
            func offering(_ organisation: UUID, _ code: String, _ title: String, category: String, opens: Date, closes: Date,
                          starts: String, ends: String, publish: Bool = true) async throws {
                let id = try await createOffering(
                    on: catalogue, staff: staff, organisation: organisation, code: code, titleFr: title,
                    extra: [
                        "categoryId": category, "registrationOpensAt": opens.ISO8601Format(), "registrationClosesAt": closes.ISO8601Format(),
                        "sessions": [["name": ["fr": "Été", "en": "Summer"], "startsOn": starts, "endsOn": ends, "capacity": 30]],
                    ])
                if publish {
                    #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
                }
            }
            let day: TimeInterval = 86_400
            try await offering(cssbe, "058-402", "Science et environnement", category: Self.recovery, opens: now - day, closes: now + 10 * day, starts: "2027-07-05", ends: "2027-07-30")
            try await offering(cssbe, "063-414", "Mathématiques 4e secondaire", category: Self.recovery, opens: now - day, closes: now + 10 * day, starts: "2027-07-05", ends: "2027-07-30")
            try await offering(cssbe, "055-444", "Science et technologie", category: Self.recovery, opens: now + 5 * day, closes: now + 20 * day, starts: "2027-08-02", ends: "2027-08-20")
            try await offering(ville, "CAMP-1", "Camp de jour — semaine 1", category: Self.dayCamps, opens: now - day, closes: now + day, starts: "2027-06-28", ends: "2027-07-02")
            try await offering(ville, "CAMP-2", "Camp de jour — semaine 2 (brouillon)", category: Self.dayCamps, opens: now - day, closes: now + day, starts: "2027-07-05", ends: "2027-07-09", publish: false)

            let all = try titles(try await catalogue.execute(uri: "/v1/offerings", method: .get))
            #expect(all == ["Camp de jour — semaine 1", "Mathématiques 4e secondaire", "Science et environnement", "Science et technologie"], "drafts never show")

            func search(_ query: String) async throws -> [String] {
                try titles(try await catalogue.execute(uri: "/v1/offerings?\(query)", method: .get))
            }
            #expect(try await search("q=Mathematiques") == ["Mathématiques 4e secondaire"])
            #expect(try await search("q=MATHÉMATIQUES") == ["Mathématiques 4e secondaire"])
            #expect(try await search("q=environnement%20science") == ["Science et environnement"], "every word, in any order")
            #expect(try await search("q=058-402") == ["Science et environnement"], "codes too")
            #expect(try await search("q=%25%25") == [], "LIKE wildcards are literal")
            #expect(try await search("category=\(Self.dayCamps)") == ["Camp de jour — semaine 1"])
            #expect(try await search("organisation=\(cssbe)&q=science") == ["Science et environnement", "Science et technologie"])
            #expect(try await search("organisation=\(cssbe)&q=science&openNow=true") == ["Science et environnement"])
            #expect(try await search("from=2027-08-01") == ["Science et technologie"])
            #expect(try await search("to=2027-07-03") == ["Camp de jour — semaine 1"])
            #expect(try await search("from=2027-07-01&to=2027-07-10&category=\(Self.recovery)") == ["Mathématiques 4e secondaire", "Science et environnement"])

            // Page by page, the same order.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let response = try await catalogue.execute(uri: "/v1/offerings?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get)
                seen += try titles(response)
                cursor = try response.json()["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == all)

            // Bad filters: one 400 naming each.
            let bad = try await catalogue.execute(uri: "/v1/offerings?category=abc&from=2027-13-01", method: .get)
            #expect(try bad.problem("/problems/malformed-request", status: .badRequest)["errors"] != nil)
            #expect(try bad.fieldErrors() == ["category": "invalid", "from": "invalidDate"])
        }
    }

    @Test func anUnknownCategoryIsRefused() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let created = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": organisation.uuidString, "code": "X-1", "categoryId": UUID().uuidString,
                    "title": ["fr": "Titre", "en": "Title"], "basePrice": ["amountCents": 100, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try created.fieldErrors() == ["categoryId": "unknown"])
            #expect(try await database.count("SELECT count(*) FROM catalogue.offerings") == 0)
        }
    }
}
