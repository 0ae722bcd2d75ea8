import Contracts
import Foundation
import Messaging
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
            func offering(
                _ organisation: UUID, _ code: String, _ title: String, category: String, opens: Date, closes: Date,
                starts: String, ends: String, price: Int = 9_500, publish: Bool = true
            ) async throws {
                let id = try await createOffering(
                    on: catalogue, staff: staff, organisation: organisation, code: code, titleFr: title, priceCents: price,
                    extra: [
                        "categoryId": category, "registrationOpensAt": opens.ISO8601Format(), "registrationClosesAt": closes.ISO8601Format(),
                        "sessions": [["name": ["fr": "Été", "en": "Summer"], "startsOn": starts, "endsOn": ends, "capacity": 30]],
                    ])
                if publish {
                    #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
                }
            }
            let day: TimeInterval = 86_400
            try await offering(
                cssbe, "058-402", "Science et environnement", category: Self.recovery, opens: now - day, closes: now + 10 * day, starts: "2027-07-05",
                ends: "2027-07-30", price: 25_000)
            try await offering(
                cssbe, "063-414", "Mathématiques 4e secondaire", category: Self.recovery, opens: now - day, closes: now + 10 * day,
                starts: "2027-07-05", ends: "2027-07-30")
            try await offering(
                cssbe, "055-444", "Science et technologie", category: Self.recovery, opens: now + 5 * day, closes: now + 20 * day,
                starts: "2027-08-02", ends: "2027-08-20", price: 4_000)
            try await offering(
                ville, "CAMP-1", "Camp de jour — semaine 1", category: Self.dayCamps, opens: now - day, closes: now + day, starts: "2027-06-28",
                ends: "2027-07-02")
            try await offering(
                ville, "CAMP-2", "Camp de jour — semaine 2 (brouillon)", category: Self.dayCamps, opens: now - day, closes: now + day,
                starts: "2027-07-05", ends: "2027-07-09", publish: false)

            let all = try titles(try await catalogue.execute(uri: "/v1/offerings", method: .get))
            #expect(
                all == ["Camp de jour — semaine 1", "Mathématiques 4e secondaire", "Science et environnement", "Science et technologie"],
                "drafts never show")

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
            #expect(
                try await search("from=2027-07-01&to=2027-07-10&category=\(Self.recovery)") == [
                    "Mathématiques 4e secondaire", "Science et environnement",
                ])

            // Page by page, the same order.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let response = try await catalogue.execute(uri: "/v1/offerings?limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get)
                seen += try titles(response)
                cursor = try response.json()["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == all)

            // Other orders, paged alike; a cursor of one order is refused by another.
            func allPages(_ query: String) async throws -> [String] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let response = try await catalogue.execute(
                        uri: "/v1/offerings?limit=2&\(query)" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get)
                    seen += try titles(response)
                    cursor = try response.json()["nextCursor"] as? String
                } while cursor != nil
                return seen
            }
            #expect(
                try await allPages("sort=price") == [
                    "Science et technologie", "Camp de jour — semaine 1", "Mathématiques 4e secondaire", "Science et environnement",
                ])
            #expect(
                try await allPages("sort=startsOn") == [
                    "Camp de jour — semaine 1", "Mathématiques 4e secondaire", "Science et environnement", "Science et technologie",
                ])
            let firstPage = try await catalogue.execute(uri: "/v1/offerings?limit=1&sort=price", method: .get)
            let priceCursor = try #require(try firstPage.json()["nextCursor"] as? String)
            let mixed = try await catalogue.execute(uri: "/v1/offerings?limit=1&sort=title&cursor=\(priceCursor)", method: .get)
            #expect(try mixed.fieldErrors() == ["cursor": "invalid"])

            // Bad filters: one 400 naming each.
            let bad = try await catalogue.execute(uri: "/v1/offerings?category=abc&from=2027-13-01", method: .get)
            #expect(try bad.problem("/problems/invalid-request", status: .badRequest)["errors"] != nil)
            #expect(try bad.fieldErrors() == ["category": "invalid", "from": "invalidDate"])
        }
    }

    @Test func staffListTheirOwnOfferingsInEveryStatusFamiliesOnlyPublishedOnes() async throws {
        let (city, other) = (UUID(), UUID())
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: city, role: "staff")])
        let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: other, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, _ in
            let published = try await createOffering(on: catalogue, staff: staff, organisation: city, code: "AQUA-1")
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(published)/publication", method: .post, headers: bearer(staff)).status == .ok)
            _ = try await createOffering(on: catalogue, staff: staff, organisation: city, code: "BD-1")
            func codes(_ uri: String, token: String? = nil) async throws -> [String] {
                let answer = try await catalogue.execute(uri: uri, method: .get, headers: token.map { bearer($0) } ?? [:])
                #expect(answer.status == .ok, "\(answer.text)")
                return (try answer.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            }
            let list = "/v1/staff/organisations/\(city.uuidString)/offerings"
            #expect(try await codes(list, token: staff) == ["AQUA-1", "BD-1"], "by code, the draft included")
            #expect(try await codes(list + "?status=draft", token: staff) == ["BD-1"])
            #expect(try await codes(list + "?limit=1", token: staff) == ["AQUA-1"])
            #expect(try await catalogue.execute(uri: list, method: .get, headers: bearer(outsider)).status == .forbidden)
            #expect(try await catalogue.execute(uri: list, method: .get).status == .unauthorized)
            #expect(try await codes("/v1/offerings?organisation=\(city.uuidString)") == ["AQUA-1"], "families see the published one only")
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

/// Prices by origin and residency, items by date, contract, refund and document policies: kept, shown, and
/// carried by the published event; publication refuses an offering that is not ready.
@Suite struct CatalogueTermsTests {
    @Test func termsAreKeptAndPublishedAndIncompleteOfferingsAreRefused() async throws {
        let organisation = UUID()
        let otherSchool = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let post = { (body: [String: Any]) in
                try await catalogue.execute(uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true), body: jsonBody(body))
            }
            var body: [String: Any] = [
                "sellingOrganisationId": organisation.uuidString, "code": "MACARONI", "title": ["fr": "Dîner macaroni", "en": "Macaroni lunch"],
                "basePrice": ["amountCents": 0, "currency": "CAD"],
                "sessions": [["name": ["fr": "Janvier", "en": "January"], "startsOn": "2027-01-11", "endsOn": "2027-01-25", "capacity": 400]],
                "prices": [["organisationOfOriginId": otherSchool.uuidString, "amount": ["amountCents": 600, "currency": "CAD"]]],
                "items": ["2027-01-11", "2027-01-18", "2027-01-25"].map {
                    [
                        "name": ["fr": "Macaroni", "en": "Macaroni"], "unitPrice": ["amountCents": 550, "currency": "CAD"], "date": $0,
                        "maximumQuantity": 3,
                    ]
                },
                "contractClauses": [["fr": "Aucun remboursement individuel possible.", "en": "No individual refund."]],
                "documents": ["interventionPlan": "optional", "acceptedTypes": ["application/pdf"], "maximumBytes": 5_000_000],
                "eligibility": ["minimumAge": 5, "maximumAge": 12, "eligibleOrganisationIds": [organisation.uuidString]],
                "requirements": [["fr": "Apporter un thermos", "en": "Bring a thermos"]],
                "participantFields": ["group", "teacher", "allergies"],
                "childcareReceipt": false,
                "taxes": [
                    ["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5"],
                    ["code": "QST", "name": ["fr": "TVQ", "en": "QST"], "percent": "9.975"],
                ],
            ]
            // Bad terms: every problem at once, nothing written.
            var bad = body
            bad["prices"] = [["amount": ["amountCents": -1, "currency": "CAD"]]]
            bad["items"] = [["name": ["fr": " ", "en": "x"], "unitPrice": ["amountCents": 100, "currency": "CAD"], "date": "2027-02-30"]]
            bad["eligibility"] = ["minimumAge": 12, "maximumAge": 5]
            bad["taxes"] = [
                ["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5"],
                ["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5.0001"],
            ]
            // What the document bounds is refused first (400), then the catalogue's own rules (422).
            let refused = try await post(bad)
            try refused.problem("/problems/invalid-request", status: .badRequest)
            #expect(
                try refused.fieldErrors() == [
                    "prices[0].amount.amountCents": "outOfRange", "items[0].date": "invalidDate", "taxes[1].percent": "invalid",
                ])
            bad["prices"] = [["amount": ["amountCents": 100, "currency": "CAD"]]]
            bad["items"] = [["name": ["fr": " ", "en": "x"], "unitPrice": ["amountCents": 100, "currency": "CAD"], "date": "2027-02-28"]]
            bad["taxes"] = [
                ["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5"],
                ["code": "GST", "name": ["fr": "TPS", "en": "GST"], "percent": "5"],
            ]
            let refusedByRules = try await post(bad)
            try refusedByRules.problem("/problems/validation", status: .unprocessableContent)
            #expect(
                try refusedByRules.fieldErrors() == [
                    "prices[0]": "noCondition", "items[0].name": "required", "eligibility.maximumAge": "belowMinimum", "taxes[1].code": "duplicate",
                ])
            #expect(try await database.count("SELECT count(*) FROM catalogue.offerings") == 0)

            let created = try await post(body)
            #expect(created.status == .created, "\(created.text)")
            let offering = try created.json()
            let id = try #require(offering["id"] as? String)
            #expect((offering["items"] as? [[String: Any]])?.count == 3)
            #expect((offering["contract"] as? [String: Any])?["version"] as? Int == 1)

            // Not ready: no category, no window, no refund policy — each named.
            let early = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
            try early.problem("/problems/offering-incomplete", status: .unprocessableContent)
            #expect(Set(try early.fieldErrors().keys) == ["categoryId", "registrationOpensAt", "refundPolicy"])

            body["code"] = "MACARONI-2"
            body["categoryId"] = "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a005"
            body["registrationOpensAt"] = "2026-11-01T08:00:00-04:00"
            body["registrationClosesAt"] = "2027-01-05T23:59:00-05:00"
            body["refundPolicy"] = ["kind": "none"]
            let ready = try #require(try await post(body).json()["id"] as? String)
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(ready)/publication", method: .post, headers: bearer(staff)).status == .ok)
            let payload = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query(
                    "SELECT convert_from(payload, 'UTF8') FROM catalogue.outbox WHERE routing_key = 'catalogue.offering.published'",
                    logger: TestEnvironment.logger
                ).collect().first!.decode(String.self)
            }
            let event = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            #expect((event["items"] as? [[String: Any]])?.compactMap { $0["date"] as? String } == ["2027-01-11", "2027-01-18", "2027-01-25"])
            #expect(
                ((event["prices"] as? [[String: Any]])?.first?["organisationOfOriginId"] as? String)?.lowercased()
                    == otherSchool.uuidString.lowercased())
            #expect((event["refundPolicy"] as? [String: Any])?["kind"] as? String == "none")
            #expect((event["documents"] as? [String: Any])?["interventionPlan"] as? String == "optional")
            #expect((event["eligibility"] as? [String: Any])?["maximumAge"] as? Int == 12)
            #expect(event["participantFields"] as? [String] == ["group", "teacher", "allergies"])
            #expect((event["requirements"] as? [[String: String]])?.first?["en"] == "Bring a thermos")
            #expect((event["taxes"] as? [[String: Any]])?.compactMap { $0["percent"] as? String } == ["5", "9.975"])
        }
    }
}

/// What families read before registering: a description in both languages and a letter to parents (a PDF).
@Suite struct CatalogueDescriptionTests {
    @Test func anOfferingIsDescribedInBothLanguagesAndCarriesALetterOnlyItsStaffAttach() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        let otherStaff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            var body: [String: Any] = [
                "sellingOrganisationId": organisation.uuidString, "code": "ZOO", "title": ["fr": "Sortie au zoo", "en": "Zoo outing"],
                "description": ["fr": "Départ à 8 h.", "en": " "],
                "basePrice": ["amountCents": 3500, "currency": "CAD"],
                "sessions": [["name": ["fr": "Sortie", "en": "Outing"], "startsOn": "2027-05-20", "endsOn": "2027-05-20", "capacity": 60]],
            ]
            let post = { (body: [String: Any]) in
                try await catalogue.execute(uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true), body: jsonBody(body))
            }
            #expect(try await post(body).fieldErrors() == ["description.en": "required"], "each language is written")
            body["description"] = ["fr": "Départ à 8 h.\n\nApportez un lunch.", "en": "Leaving at 8 a.m.\n\nBring a lunch."]
            let created = try await post(body)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(try created.json()["id"] as? String)
            let shown = try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff)).json()
            #expect((shown["description"] as? [String: String])?["en"] == "Leaving at 8 a.m.\n\nBring a lunch.")
            #expect(shown["parentLetter"] == nil)

            func put(_ bytes: [UInt8], token: String) async throws -> TestResponse {
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/parent-letter", method: .put,
                    headers: [.authorization: "Bearer \(token)", .contentType: "application/pdf"], body: ByteBuffer(bytes: bytes))
            }
            let pdf = Array("%PDF-1.4 lettre aux parents".utf8)
            try await put(Array("pas un PDF".utf8), token: staff).problem("/problems/document-not-pdf", status: .unprocessableContent)
            #expect(try await put(pdf, token: otherStaff).status == .notFound, "another organisation's staff")
            let attached = try await put(pdf, token: staff)
            #expect(attached.status == .ok, "\(attached.text)")
            #expect((try attached.json()["parentLetter"] as? [String: Any])?["sizeBytes"] as? Int == pdf.count)
            // A draft's letter: its staff only; published, anyone's.
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/parent-letter", method: .get).status == .notFound)
            try await database.execute("UPDATE catalogue.offerings SET status = 'published' WHERE id = '\(id)'")
            let letter = try await catalogue.execute(uri: "/v1/offerings/\(id)/parent-letter", method: .get)
            #expect(letter.status == .ok && Array(letter.body.readableBytesView) == pdf)
            #expect(
                try await catalogue.execute(uri: "/v1/offerings/\(id)/parent-letter", method: .delete, headers: bearer(staff)).status == .noContent)
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/parent-letter", method: .get).status == .notFound)
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get).json()["parentLetter"] == nil)
        }
    }
}

/// Seats come from enrolment's events: the catalogue shows what is left, filters on it, and refuses a capacity
/// below the confirmed seats.
@Suite struct CatalogueSeatsTests {
    @Test func seatsLeftFollowEnrolmentsEventsAndCapacityNeverDropsBelowConfirmed() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let id = try await createOffering(on: catalogue, staff: staff, organisation: organisation, code: "CAMP-A", capacity: 30)
            let published = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
            let session = try #require(((try published.json()["sessions"] as? [[String: Any]])?.first?["id"]) as? String)

            let publisher = AMQPPublisher(settings: database.amqpSettings, topology: try database.topology, logger: TestEnvironment.logger)
            @Sendable func seats(version: Int64, held: Int, confirmed: Int) async throws {
                let payload = SessionSeatsEvent(
                    sessionId: UUID(uuidString: session)!, version: version, capacity: 30, held: held, confirmed: confirmed)
                let event = CloudEvent(
                    id: UUID().uuidString.lowercased(), source: "/guichet/enrolment",
                    type: CloudEvent.type(routingKey: EventName.sessionSeatsChanged),
                    time: Date(), subject: session, data: Array(try EventJSON.encoder.encode(payload)))
                #expect(
                    try await publisher.publish(event.message(exchange: database.amqpNamespace + "guichet.enrolment", appID: "test")) == .confirmed)
            }
            func sessionJSON() async throws -> [String: Any] {
                let offering = try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get)
                return try #require((try offering.json()["sessions"] as? [[String: Any]])?.first)
            }
            func listedWithSeats() async throws -> Bool {
                let page = try await catalogue.execute(uri: "/v1/offerings?hasSeats=true", method: .get)
                return (try page.json()["items"] as? [[String: Any]])?.isEmpty == false
            }
            #expect(try await sessionJSON()["seatsLeft"] as? Int == 30)
            try await withAMQP([publisher]) {
                try await waitUntilConnected(publisher)
                try await seats(version: 2, held: 5, confirmed: 25)
                try await seats(version: 1, held: 0, confirmed: 3)  // late and older: ignored
            }
            try await eventually("the catalogue applies the seats") { try await sessionJSON()["seatsLeft"] as? Int == 0 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await sessionJSON()["confirmed"] as? Int == 25, "the older event changed nothing")
            #expect(try await !listedWithSeats())

            let change = { (capacity: Int) in
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/sessions/\(session)", method: .patch, headers: bearer(staff, json: true),
                    body: jsonBody(["capacity": capacity]))
            }
            try (try await change(20)).problem("/problems/capacity-below-confirmed", status: .conflict)
            let raised = try await change(40)
            #expect(raised.status == .ok, "\(raised.text)")
            #expect(try await sessionJSON()["seatsLeft"] as? Int == 10)
            #expect(try await listedWithSeats())
            #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE routing_key = 'catalogue.offering.updated'") == 1)
            let stranger = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            let foreign = try await catalogue.execute(
                uri: "/v1/offerings/\(id)/sessions/\(session)", method: .patch, headers: bearer(stranger, json: true),
                body: jsonBody(["capacity": 50]))
            try foreign.problem("/problems/not-found", status: .notFound)
        }
    }
}

/// Staff change a published offering's terms (a new contract text is a new version, kept items keep their id),
/// close its registration, then cancel it; each change is one event.
@Suite struct CatalogueOfferingChangeTests {
    @Test func staffAddAGroupAndMoveItsDatesWithinWhatThePublishedOfferingPromises() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        let stranger = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let lunch: [String: Any] = [
                "name": ["fr": "Dîner", "en": "Lunch"], "unitPrice": ["amountCents": 550, "currency": "CAD"], "date": "2027-07-20",
            ]
            let id = try await createOffering(on: catalogue, staff: staff, organisation: organisation, code: "CAMP-G", extra: ["items": [lunch]])
            func add(_ body: [String: Any], token: String = staff) async throws -> TestResponse {
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/sessions", method: .post, headers: bearer(token, json: true), body: jsonBody(body))
            }
            func change(_ session: String, _ body: [String: Any]) async throws -> TestResponse {
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/sessions/\(session)", method: .patch, headers: bearer(staff, json: true), body: jsonBody(body))
            }
            func sessions() async throws -> [[String: Any]] {
                try #require(
                    try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff)).json()["sessions"]
                        as? [[String: Any]])
            }
            let august: [String: Any] = [
                "name": ["fr": "Août", "en": "August"], "startsOn": "2027-08-02", "endsOn": "2027-08-13", "capacity": 20,
                "schedule": ["fr": "Lundi au vendredi, 8 h à 16 h", "en": "Monday to Friday, 8 a.m. to 4 p.m."],
            ]
            // A group that ends before it starts, and another organisation's staff: refused, nothing added.
            var backwards = august
            backwards["endsOn"] = "2027-07-30"
            #expect(try await add(backwards).fieldErrors() == ["endsOn": "beforeStart"])
            var nameless = august
            nameless["name"] = ["fr": " ", "en": "August"]
            #expect(try await add(nameless).fieldErrors() == ["name.fr": "invalid"])
            try (try await add(august, token: stranger)).problem("/problems/not-found", status: .notFound)
            #expect(try await sessions().count == 1)

            let added = try await add(august)
            #expect(added.status == .created, "\(added.text)")
            let groups = try await sessions()
            #expect(groups.map { ($0["name"] as? [String: Any])?["fr"] as? String } == ["Été 2027", "Août"])
            #expect((groups[1]["schedule"] as? [String: Any])?["en"] as? String == "Monday to Friday, 8 a.m. to 4 p.m.")
            #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE routing_key = 'catalogue.offering.updated'") == 0)

            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
            let summer = try #require(groups[0]["id"] as? String)
            // Published: the lunch of July 20 must stay within the groups.
            let tooLate = try await change(summer, ["startsOn": "2027-07-26"])
            #expect(try tooLate.fieldErrors() == ["items[0].date": "outsideSessions"], "\(tooLate.text)")
            let moved = try await change(summer, ["startsOn": "2027-07-12", "endsOn": "2027-07-23", "name": ["fr": "Juillet", "en": "July"]])
            #expect(moved.status == .ok, "\(moved.text)")
            let after = try await sessions()
            #expect(after[0]["startsOn"] as? String == "2027-07-12" && after[0]["endsOn"] as? String == "2027-07-23")
            #expect((after[0]["name"] as? [String: Any])?["fr"] as? String == "Juillet" && after[0]["capacity"] as? Int == 60)
            // The schedule taken away with empty texts; nothing else changes.
            let august2 = try #require(after[1]["id"] as? String)
            #expect(try await change(august2, ["schedule": ["fr": "", "en": ""]]).status == .ok)
            #expect(try await sessions()[1]["schedule"] == nil)
            // A group may stop selling (no seats) while published; only the dates must stay coherent.
            #expect(try await change(august2, ["capacity": 0]).status == .ok)
            #expect(try await database.count("SELECT count(*) FROM catalogue.outbox WHERE routing_key = 'catalogue.offering.updated'") == 3)

            // The terms of a published offering stay coherent too: a lunch after the last group is refused.
            var september = lunch
            september["date"] = "2027-09-01"
            let terms: [String: Any] = [
                "title": ["fr": "Camp de jour", "en": "English title"], "basePrice": ["amountCents": 9_500, "currency": "CAD"],
                "categoryId": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006", "registrationOpensAt": "2026-01-01T09:00:00-05:00",
                "registrationClosesAt": "2027-06-30T23:59:00-04:00", "refundPolicy": ["kind": "full-before-start"], "items": [september],
            ]
            let incoherent = try await catalogue.execute(
                uri: "/v1/offerings/\(id)/terms", method: .put, headers: bearer(staff, json: true), body: jsonBody(terms))
            #expect(try incoherent.fieldErrors() == ["items[0].date": "outsideSessions"], "\(incoherent.text)")

            // Cancelled: no group added.
            #expect(
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/status", method: .put, headers: bearer(staff, json: true), body: jsonBody(["status": "cancelled"])
                ).status == .ok)
            try (try await add(august)).problem("/problems/offering-status", status: .conflict)
        }
    }

    @Test func termsChangeClosingAndCancellingAreEmitted() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let id = try await createOffering(
                on: catalogue, staff: staff, organisation: organisation, code: "SORTIE-1",
                extra: [
                    "items": [
                        ["name": ["fr": "Dîner", "en": "Lunch"], "unitPrice": ["amountCents": 550, "currency": "CAD"], "date": "2027-07-05"]
                    ],
                    "contractClauses": [["fr": "Clause 1", "en": "Clause 1"]],
                ])
            let draft = try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff))
            let itemId = try #require(((try draft.json()["items"] as? [[String: Any]])?.first?["id"]) as? String)
            try
                (try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/status", method: .put, headers: bearer(staff, json: true), body: jsonBody(["status": "closed"])))
                .problem("/problems/offering-status", status: .conflict)
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)

            func replace(_ clauses: [[String: String]], price: Int) async throws -> TestResponse {
                try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/terms", method: .put, headers: bearer(staff, json: true),
                    body: jsonBody([
                        "title": ["fr": "Sortie au zoo", "en": "Zoo outing"], "categoryId": "6f1c1f52-5d0e-4c47-9d43-0d7c39a3a004",
                        "basePrice": ["amountCents": price, "currency": "CAD"],
                        "registrationOpensAt": "2026-01-01T09:00:00-05:00", "registrationClosesAt": "2027-06-30T23:59:00-04:00",
                        "items": [
                            [
                                "id": itemId, "name": ["fr": "Dîner", "en": "Lunch"], "unitPrice": ["amountCents": 600, "currency": "CAD"],
                                "date": "2027-07-05",
                            ],
                            ["name": ["fr": "Chandail", "en": "T-shirt"], "unitPrice": ["amountCents": 1200, "currency": "CAD"]],
                        ],
                        "contractClauses": clauses,
                        "refundPolicy": ["kind": "pro-rata", "administrationFee": ["amountCents": 1000, "currency": "CAD"]],
                    ]))
            }
            let same = try await replace([["fr": "Clause 1", "en": "Clause 1"]], price: 4_500)
            #expect(same.status == .ok, "\(same.text)")
            let sameBody = try same.json()
            #expect((sameBody["contract"] as? [String: Any])?["version"] as? Int == 1, "same text, same version")
            let items = try #require(sameBody["items"] as? [[String: Any]])
            #expect(items.count == 2 && items[0]["id"] as? String == itemId)
            let changed = try await replace([["fr": "Clause 1 révisée", "en": "Clause 1 revised"]], price: 4_500)
            #expect((try changed.json()["contract"] as? [String: Any])?["version"] as? Int == 2)
            let bad = try await replace([["fr": " ", "en": "x"]], price: -5)
            #expect(try bad.fieldErrors() == ["basePrice.amountCents": "outOfRange"])
            let blank = try await replace([["fr": " ", "en": "x"]], price: 5)
            #expect(try blank.fieldErrors() == ["contractClauses[0]": "required"])

            for status in ["closed", "cancelled"] {
                let response = try await catalogue.execute(
                    uri: "/v1/offerings/\(id)/status", method: .put, headers: bearer(staff, json: true), body: jsonBody(["status": status]))
                #expect(response.status == .ok)
                #expect(try response.json()["status"] as? String == status)
            }
            try (try await replace([], price: 100)).problem("/problems/offering-status", status: .conflict)
            let keys = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query("SELECT routing_key FROM catalogue.outbox ORDER BY position", logger: TestEnvironment.logger)
                    .collect().map { try $0.decode(String.self) }
            }
            #expect(
                keys == [
                    "catalogue.offering.published", "catalogue.offering.updated", "catalogue.offering.updated",
                    "catalogue.offering.closed", "catalogue.offering.cancelled",
                ])
        }
    }
}

/// Subjects and levels: listed for filters, set on offerings, filtered on; unknown ones refused.
@Suite struct CatalogueSubjectLevelTests {
    @Test func subjectsAndLevelsFilterOfferings() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let subjects = try #require(try await catalogue.execute(uri: "/v1/subjects", method: .get).json()["items"] as? [[String: Any]])
            let maths = try #require(subjects.first { $0["code"] as? String == "mathematiques" }?["id"] as? String)
            let french = try #require(subjects.first { $0["code"] as? String == "francais" }?["id"] as? String)
            let levels = try #require(try await catalogue.execute(uri: "/v1/levels", method: .get).json()["items"] as? [[String: Any]])
            #expect(levels.count == 14 && levels.first?["code"] as? String == "prescolaire")

            for (code, subject, level) in [
                ("063-414", maths, "secondaire-4"), ("063-306", maths, "secondaire-3"), ("132-406", french, "secondaire-4"),
            ] {
                let id = try await createOffering(
                    on: catalogue, staff: staff, organisation: organisation, code: code, titleFr: "Cours \(code)",
                    extra: ["subjectId": subject, "levels": [level]])
                #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
            }
            func codes(_ query: String) async throws -> [String] {
                let page = try await catalogue.execute(uri: "/v1/offerings?\(query)", method: .get)
                return (try page.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            }
            #expect(try await codes("subject=\(maths)") == ["063-306", "063-414"])
            #expect(try await codes("level=secondaire-4") == ["132-406", "063-414"].sorted { "Cours \($0)" < "Cours \($1)" })
            #expect(try await codes("subject=\(maths)&level=secondaire-4") == ["063-414"])

            let unknownLevel = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": organisation.uuidString, "code": "X", "levels": ["secondaire-9"], "title": ["fr": "X", "en": "X"],
                    "basePrice": ["amountCents": 0, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try unknownLevel.fieldErrors() == ["levels": "unknown"])
            let unknownSubject = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": organisation.uuidString, "code": "Y", "subjectId": UUID().uuidString, "title": ["fr": "Y", "en": "Y"],
                    "basePrice": ["amountCents": 0, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try unknownSubject.fieldErrors() == ["subjectId": "unknown"])
            #expect(try await database.count("SELECT count(*) FROM catalogue.offerings") == 3)
        }
    }
}

/// A session's schedule and place are public; its access instructions (a meeting link) reach only staff and the
/// event enrolment mails them from.
@Suite struct CatalogueSessionDetailsTests {
    @Test func accessInstructionsStayPrivate() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, database in
            let id = try await createOffering(
                on: catalogue, staff: staff, organisation: organisation, code: "058-402",
                extra: [
                    "sessions": [
                        [
                            "name": ["fr": "Été", "en": "Summer"], "startsOn": "2027-07-05", "endsOn": "2027-07-30", "capacity": 40, "online": true,
                            "schedule": ["fr": "Du lundi au jeudi, 9 h à 12 h", "en": "Monday to Thursday, 9 to 12"],
                            "accessInstructions": [
                                "fr": "Lien Teams : https://teams.example/cal-058", "en": "Teams link: https://teams.example/cal-058",
                            ],
                        ]
                    ]
                ])
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
            let anonymous = try #require(
                (try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get).json()["sessions"] as? [[String: Any]])?.first)
            #expect(anonymous["online"] as? Bool == true)
            #expect((anonymous["schedule"] as? [String: String])?["fr"] == "Du lundi au jeudi, 9 h à 12 h")
            #expect(anonymous["accessInstructions"] == nil)
            let forStaff = try #require(
                (try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff)).json()["sessions"] as? [[String: Any]])?
                    .first)
            #expect((forStaff["accessInstructions"] as? [String: String])?["en"]?.contains("teams.example") == true)
            #expect(
                try await database.count(
                    "SELECT count(*) FROM catalogue.outbox WHERE convert_from(payload, 'UTF8') LIKE '%teams.example/cal-058%'") == 1)
        }
    }
}

extension CatalogueSessionDetailsTests {
    /// A college's groups start the same day: they are listed by name, whatever order they were typed in (the
    /// registrar's "Groupe 02" is the second group on every page and in every answer).
    @Test func groupsStartingTheSameDayAreListedByName() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, _ in
            let names = ["Groupe 01", "Groupe 02", "Groupe 03", "Groupe 04", "Groupe 05"]
            let id = try await createOffering(
                on: catalogue, staff: staff, organisation: organisation, code: "601-103-MQ",
                extra: [
                    "sessions": names.reversed().map { name in
                        ["name": ["fr": name, "en": name], "startsOn": "2027-08-23", "endsOn": "2027-12-10", "capacity": 40]
                    }
                ])
            let sessions = try #require(
                (try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff)).json()["sessions"] as? [[String: Any]])
            )
            #expect(sessions.compactMap { ($0["name"] as? [String: String])?["fr"] } == names)
        }
    }
}

/// Clara: a college's programme groups its courses, dated by term and school year.
@Suite struct CatalogueProgrammeTests {
    @Test func programmesGroupCollegeCourses() async throws {
        let admin = try await TestKeys.shared.token(for: UUID(), isAdmin: true)
        try await withService(CatalogueService.self) { catalogue, database in
            let created = try await catalogue.execute(
                uri: "/v1/organisations", method: .post, headers: bearer(admin, json: true),
                body: jsonBody([
                    "kind": "college", "shortCode": "CEGEP-TR", "name": ["fr": "Cégep de Trois-Rivières", "en": "Cégep de Trois-Rivières"],
                ]))
            let college = try #require(try created.json()["id"] as? String)
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(uuidString: college)!, role: "staff")])
            let stranger = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            func addProgramme(_ token: String) async throws -> TestResponse {
                try await catalogue.execute(
                    uri: "/v1/organisations/\(college)/programmes", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["code": "JEE.0K", "name": ["fr": "Techniques d'éducation à l'enfance", "en": "Early childhood education"]]))
            }
            try (try await addProgramme(stranger)).problem("/problems/forbidden", status: .forbidden)
            let programme = try #require(try await addProgramme(staff).json()["id"] as? String)
            try (try await addProgramme(staff)).problem("/problems/duplicate-code", status: .conflict)
            let listed = try await catalogue.execute(uri: "/v1/organisations/\(college)/programmes", method: .get)
            #expect((try listed.json()["items"] as? [[String: Any]])?.map { $0["code"] as? String } == ["JEE.0K"])

            let id = try await createOffering(
                on: catalogue, staff: staff, organisation: UUID(uuidString: college)!, code: "601-103-MQ", titleFr: "Écriture et littérature",
                extra: ["programmeId": programme, "term": "A-2026", "schoolYear": "2026-2027"])
            #expect(try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff)).status == .ok)
            _ = try await createOffering(
                on: catalogue, staff: staff, organisation: UUID(uuidString: college)!, code: "109-101-MQ", titleFr: "Activité physique")
            let inProgramme = try await catalogue.execute(uri: "/v1/offerings?programme=\(programme)&term=A-2026", method: .get)
            #expect((try inProgramme.json()["items"] as? [[String: Any]])?.map { $0["code"] as? String } == ["601-103-MQ"])

            let bad = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": college, "code": "X", "term": "Automne 2026", "schoolYear": "2026-2028",
                    "title": ["fr": "X", "en": "X"], "basePrice": ["amountCents": 0, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try bad.fieldErrors() == ["term": "invalid"], "the document's pattern")
            let badYear = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": college, "code": "X", "term": "A-2026", "schoolYear": "2026-2028",
                    "title": ["fr": "X", "en": "X"], "basePrice": ["amountCents": 0, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try badYear.fieldErrors() == ["schoolYear": "invalid"], "the catalogue's rule: consecutive years")
            let unknown = try await catalogue.execute(
                uri: "/v1/offerings", method: .post, headers: bearer(staff, json: true),
                body: jsonBody([
                    "sellingOrganisationId": college, "code": "Y", "programmeId": UUID().uuidString,
                    "title": ["fr": "Y", "en": "Y"], "basePrice": ["amountCents": 0, "currency": "CAD"],
                    "sessions": [["name": ["fr": "A", "en": "A"], "startsOn": "2027-07-05", "endsOn": "2027-07-06", "capacity": 5]],
                ]))
            #expect(try unknown.fieldErrors() == ["programmeId": "unknown"])
            #expect(try await database.count("SELECT count(*) FROM catalogue.offerings") == 2)
        }
    }
}

/// Publication checks coherence too: seats to sell, a window that closes in time, items dated within the sessions.
@Suite struct CataloguePublicationCoherenceTests {
    @Test func incoherentOfferingsAreNotPublished() async throws {
        let organisation = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: organisation, role: "staff")])
        try await withService(CatalogueService.self) { catalogue, _ in
            let id = try await createOffering(
                on: catalogue, staff: staff, organisation: organisation, code: "INCOHERENT", capacity: 0,
                extra: [
                    "registrationClosesAt": "2027-08-15T23:59:00-04:00",
                    "items": [
                        ["name": ["fr": "Dîner", "en": "Lunch"], "unitPrice": ["amountCents": 550, "currency": "CAD"], "date": "2027-09-01"]
                    ],
                ])
            let refused = try await catalogue.execute(uri: "/v1/offerings/\(id)/publication", method: .post, headers: bearer(staff))
            try refused.problem("/problems/offering-incomplete", status: .unprocessableContent)
            #expect(
                try refused.fieldErrors() == [
                    "sessions": "noSeats", "registrationClosesAt": "afterLastSession", "items[0].date": "outsideSessions",
                ])
            let draft = try await catalogue.execute(uri: "/v1/offerings/\(id)", method: .get, headers: bearer(staff))
            #expect(try draft.json()["status"] as? String == "draft")
        }
    }
}
