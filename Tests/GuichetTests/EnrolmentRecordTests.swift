import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Enrolment

/// Staff import their organisation's records; guardians link children to them (Mozaïk, Baie-Comeau).
@Suite struct EnrolmentRecordTests {
    static let header = "fileNumber,firstName,lastName,birthDate,school,level,group,address,guardianEmails,residency\n"

    func put(_ client: any TestClientProtocol, _ organisation: UUID, _ csv: String, token: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/staff/organisations/\(organisation.uuidString)/records", method: .put,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

    @Test func importsAreIncrementalIdempotentAndReportEachBadRow() async throws {
        let centre = UUID()
        let school = UUID()
        let centreStaff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: centre, role: "staff")])
        let otherStaff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(EnrolmentService.self) { enrolment, database in
            // The school belongs to the centre: the centre's staff import for it.
            try await withEvents(database) { events in
                try await events.send(
                    EventName.organisationCreated, from: "catalogue",
                    OrganisationEvent(
                        organisationId: school, version: 1, parentId: centre, kind: "school", shortCode: "EGB", name: .init(fr: "École", en: "School")
                    ))
                try await eventually("enrolment knows the school") { try await database.count("SELECT count(*) FROM enrolment.organisations") == 1 }
            }
            let night1 =
                Self.header + """
                    1234567,Émile,Lévesque-Côté,2015-03-04,EGB,4e année,401,"12, rue des Érables",parent@example.org;autre@example.org,
                    2345678,Rose,Gagnon,2016-05-06,EGB,3e année,301,,,
                    3456789,Léo,Roy,2017-07-08,EGB,2e année,201,,,
                    ,Sans,Numéro,2017-07-08,EGB,,,,,
                    4567890,Mauvaise,Date,2017-13-08,EGB,,,,,
                    5555555,\(String(repeating: "x", count: 3_000)),Long,2017-07-08,EGB,,,,,
                    6666666,Lien,Courriel,2017-07-08,EGB,,,,parent@example.org\u{202E};x,
                    """
            #expect(try await put(enrolment, school, night1, token: otherStaff).status == .forbidden)
            #expect(try await database.count("SELECT count(*) FROM enrolment.person_records") == 0)

            let first = try await put(enrolment, school, night1, token: centreStaff)
            #expect(first.status == .ok, "\(first.text)")
            let report = try first.json()
            #expect(report["added"] as? Int == 3)
            #expect(
                (report["rejected"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [5, 6, 7, 8],
                "a name too long for storage is a refused row, not a 500")
            let firstRefusal = (report["rejected"] as? [[String: Any]])?.first?["errors"] as? [[String: Any]]
            #expect(firstRefusal?.first?["field"] as? String == "fileNumber")
            #expect(
                (firstRefusal?.first?["message"] as? [String: String]) == [
                    "fr": "De 1 à 20 lettres, chiffres ou traits d'union.", "en": "1 to 20 letters, digits or hyphens.",
                ], "each row's reason in French and English")

            let again = try await put(enrolment, school, night1, token: centreStaff).json()
            #expect(again["added"] as? Int == 0 && again["updated"] as? Int == 0 && again["unchanged"] as? Int == 3 && again["retired"] as? Int == 0)

            // Tonight: Rose moves up a group, Léo left, Zoé arrived.
            let night2 =
                Self.header + """
                    1234567,Émile,Lévesque-Côté,2015-03-04,EGB,4e année,401,"12, rue des Érables",parent@example.org;autre@example.org,
                    2345678,Rose,Gagnon,2016-05-06,EGB,3e année,302,,,
                    5678901,Zoé,Tremblay,2018-01-02,EGB,1re année,101,,,
                    """
            let changed = try await put(enrolment, school, night2, token: centreStaff).json()
            #expect(
                changed["added"] as? Int == 1 && changed["updated"] as? Int == 1 && changed["unchanged"] as? Int == 1
                    && changed["retired"] as? Int == 1)
            #expect(try await database.count("SELECT count(*) FROM enrolment.person_records WHERE retired_at IS NULL") == 3)

            let noHeader = try await put(enrolment, school, "a,b\n1,2\n", token: centreStaff)
            #expect(noHeader.status == .unprocessableContent)
        }
    }

    @Test func linkingIsExactAndAMismatchSaysNothingOfWhichField() async throws {
        let school = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: school, role: "staff")])
        let (parent, stranger) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            try await withEvents(database) { events in
                try await events.verifiedAccount(parent, email: "Parent@Example.org")
                try await events.verifiedAccount(stranger, email: "stranger@example.org")
            }
            _ = try await put(
                enrolment, school, Self.header + "1234567,Émile,Lévesque-Côté,2015-03-04,EGB,4e année,401,,parent@example.org,\n", token: staff)

            func link(_ token: String, _ body: [String: Any]) async throws -> TestResponse {
                var full: [String: Any] = [
                    "organisationId": school.uuidString, "fileNumber": "1234567", "birthDate": "2015-03-04",
                    "firstName": "emile", "lastName": "LEVESQUE COTE",
                ]
                full.merge(body) { $1 }
                return try await enrolment.execute(
                    uri: "/v1/participants/links", method: .post, headers: bearer(token, json: true), body: jsonBody(full))
            }
            func withoutRequestId(_ response: TestResponse) throws -> String {
                var problem = try response.json()
                problem["requestId"] = nil
                problem["instance"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: problem, options: .sortedKeys), as: UTF8.self)
            }
            let wrongNumber = try await link(parentToken, ["fileNumber": "1234568"])
            let wrongBirth = try await link(parentToken, ["birthDate": "2015-03-05"])
            let wrongName = try await link(parentToken, ["firstName": "Émilie"])
            let wrongEmail = try await link(strangerToken, [:])
            for response in [wrongNumber, wrongBirth, wrongName, wrongEmail] {
                try response.problem("/problems/link-not-found", status: .unprocessableContent)
                #expect(try withoutRequestId(response) == withoutRequestId(wrongNumber), "the same answer whatever was wrong")
            }
            #expect(try await database.count("SELECT count(*) FROM enrolment.participant_guardians") == 0)

            // Names regardless of accents, case, spaces and hyphens; the profile comes from the record.
            let linked = try await link(parentToken, [:])
            #expect(linked.status == .ok, "\(linked.text)")
            let child = try linked.json()
            #expect(child["firstName"] as? String == "Émile")
            #expect((child["record"] as? [String: Any])?["group"] as? String == "401")

            // Guessing is throttled: the stranger's fifth mismatch in 15 minutes, then a wait.
            for _ in 0..<4 { _ = try await link(strangerToken, ["fileNumber": "999"]) }
            let throttled = try await link(strangerToken, [:])
            try throttled.problem("/problems/too-many-requests", status: .tooManyRequests)
        }
    }

    @Test func separatedGuardiansShareTheChildNotTheirRegistrationsAndResidencySetsThePrice() async throws {
        let city = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: city, role: "staff")])
        let (mother, father) = (UUID(), UUID())
        let motherToken = try await TestKeys.shared.token(for: mother)
        let fatherToken = try await TestKeys.shared.token(for: father)
        try await withService(EnrolmentService.self) { enrolment, database in
            // Baie-Comeau: 95 $ for residents, 145 $ otherwise.
            let camp = openOffering(
                seller: city, priceCents: 9_500, capacity: 10,
                prices: [.init(amount: .init(amountCents: 14_500), organisationOfOriginId: nil, residency: "non-resident")])
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(mother, email: "mere@example.org")
                try await events.verifiedAccount(father, email: "pere@example.org")
            }
            _ = try await put(
                enrolment, city, Self.header + "H-1001,Léa,Bouchard,2016-02-03,,,,1 rue du Lac,mere@example.org;pere@example.org,resident\n",
                token: staff)
            var ids: [String] = []
            for token in [motherToken, fatherToken] {
                let linked = try await enrolment.execute(
                    uri: "/v1/participants/links", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["organisationId": city.uuidString, "fileNumber": "H-1001", "birthDate": "2016-02-03"]))
                #expect(linked.status == .ok, "\(linked.text)")
                ids.append(try #require(try linked.json()["id"] as? String))
            }
            #expect(ids[0] == ids[1], "one child, two guardians")

            // The mother registers her; a child added by hand (residency unproven) pays the non-resident price.
            let line: [String: Any] = [
                "participantId": ids[0], "offeringId": camp.offeringId.uuidString, "sessionId": camp.sessions[0].sessionId.uuidString,
            ]
            let added = try await enrolment.execute(
                uri: "/v1/cart/lines", method: .post, headers: bearer(motherToken, json: true), body: jsonBody(line))
            #expect(((try added.json()["price"] as? [String: Any])?["total"] as? [String: Any])?["amountCents"] as? Int == 9_500)
            let other = try await enrolment.execute(
                uri: "/v1/participants", method: .post, headers: bearer(motherToken, json: true),
                body: jsonBody(["firstName": "Max", "lastName": "Bouchard", "birthDate": "2014-01-01"]))
            var otherLine = line
            otherLine["participantId"] = try #require(try other.json()["id"] as? String)
            let unproven = try await enrolment.execute(
                uri: "/v1/cart/lines", method: .post, headers: bearer(motherToken, json: true), body: jsonBody(otherLine))
            #expect(((try unproven.json()["price"] as? [String: Any])?["total"] as? [String: Any])?["amountCents"] as? Int == 14_500)

            let checkout = try await postCheckout(enrolment, ["sellingOrganisationId": city.uuidString], token: motherToken)
            #expect(checkout.status == .created, "\(checkout.text)")
            #expect((try checkout.json()["total"] as? [String: Any])?["amountCents"] as? Int == 24_000)

            func registrations(_ token: String) async throws -> Int {
                (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])?
                    .count ?? -1
            }
            #expect(try await registrations(motherToken) == 2)
            #expect(try await registrations(fatherToken) == 0, "the father does not see the mother's registrations")
            #expect(try await enrolment.execute(uri: "/v1/participants/\(ids[0])", method: .get, headers: bearer(fatherToken)).status == .ok)
            let fathersChildren = try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(fatherToken)).json()
            #expect((fathersChildren["items"] as? [[String: Any]])?.count == 1, "Max is the mother's alone")
        }
    }

    @Test func aPersonWithoutAFileNumberAsksAndStaffApproveOrReject() async throws {
        let city = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: city, role: "staff")])
        let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        let guardian = UUID()
        let token = try await TestKeys.shared.token(for: guardian)
        try await withService(EnrolmentService.self) { enrolment, database in
            try await withEvents(database) { events in
                try await events.send(
                    EventName.organisationCreated, from: "catalogue",
                    OrganisationEvent(
                        organisationId: city, version: 1, parentId: nil, kind: "municipality", shortCode: "BAIE-COMEAU",
                        name: .init(fr: "Ville de Baie-Comeau", en: "City of Baie-Comeau")))
                try await events.verifiedAccount(guardian, email: "nouveau@example.org")
                try await eventually("enrolment knows the city") { try await database.count("SELECT count(*) FROM enrolment.organisations") == 1 }
            }
            func ask(_ body: [String: Any]) async throws -> TestResponse {
                try await enrolment.execute(uri: "/v1/record-requests", method: .post, headers: bearer(token, json: true), body: jsonBody(body))
            }
            let request: [String: Any] = [
                "organisationId": city.uuidString, "firstName": "Zoé", "lastName": "Nouveau", "birthDate": "2017-04-05", "address": "5 rue du Port",
            ]
            var incomplete = request
            incomplete["address"] = " "
            #expect(try await ask(incomplete).fieldErrors() == ["address": "required"])
            let asked = try await ask(request)
            #expect(asked.status == .created, "\(asked.text)")
            let id = try #require(try asked.json()["id"] as? String)
            var second = request
            second["firstName"] = "Max"
            let other = try #require(try await ask(second).json()["id"] as? String)

            let listURI = "/v1/staff/organisations/\(city.uuidString)/record-requests"
            #expect(try await enrolment.execute(uri: listURI, method: .get, headers: bearer(outsider)).status == .forbidden)
            #expect((try await enrolment.execute(uri: listURI, method: .get, headers: bearer(staff)).json()["items"] as? [[String: Any]])?.count == 2)

            func decide(_ request: String, _ body: [String: Any], token decider: String) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/staff/record-requests/\(request)/decision", method: .post, headers: bearer(decider, json: true), body: jsonBody(body))
            }
            #expect(try await decide(id, ["approve": true, "fileNumber": "H-2001"], token: outsider).status == .forbidden)
            #expect(try await decide(id, ["approve": true], token: staff).fieldErrors() == ["fileNumber": "required"])
            let approved = try await decide(id, ["approve": true, "fileNumber": "H-2001"], token: staff)
            #expect(try approved.json()["status"] as? String == "approved", "\(approved.text)")
            #expect(try await decide(id, ["approve": false], token: staff).status == .notFound, "decided once")
            #expect(try await decide(other, ["approve": false], token: staff).json()["status"] as? String == "rejected")
            // The requester is told each decision by mail, in their language.
            let accepted = try await database.mailbox.waitForMail(to: "nouveau@example.org")
            #expect(accepted.subject.contains("Ville de Baie-Comeau") && accepted.text.contains("Numéro de dossier : H-2001"), "\(accepted.text)")
            let refused = try await database.mailbox.waitForMail(to: "nouveau@example.org", count: 2)
            #expect(refused.text.contains("n'a pas accepté votre demande pour Max Nouveau"), "\(refused.text)")

            // The guardian reads where each request stands, newest first; another account sees none.
            let mine = try #require(
                try await enrolment.execute(uri: "/v1/record-requests", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])
            #expect(mine.map { $0["status"] as? String } == ["rejected", "approved"])
            #expect(mine.last?["fileNumber"] as? String == "H-2001")
            #expect(
                (try await enrolment.execute(uri: "/v1/record-requests", method: .get, headers: bearer(outsider)).json()["items"] as? [Any])?
                    .isEmpty == true)

            // The guardian now has the child, a resident with a file number.
            let children =
                try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]]
            let record = children?.first?["record"] as? [String: Any]
            #expect(record?["fileNumber"] as? String == "H-2001" && record?["residency"] as? String == "resident")
        }
    }
}

/// A household: address, phone and residency shared by its members and guardians; its first guardian gets the mails.
@Suite struct EnrolmentHouseholdTests {
    static let header = "fileNumber,firstName,lastName,birthDate,address,phone,guardianEmails,residency,household\n"

    @Test func linkingOneFileJoinsTheFamilyAndTheFirstGuardianIsMailed() async throws {
        let city = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: city, role: "staff")])
        let (mother, father, stranger) = (UUID(), UUID(), UUID())
        let motherToken = try await TestKeys.shared.token(for: mother)
        let fatherToken = try await TestKeys.shared.token(for: father)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(seller: city, priceCents: 0, capacity: 10)
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(mother, email: "mere@example.org")
                try await events.verifiedAccount(father, email: "pere@example.org")
                try await events.verifiedAccount(stranger, email: "autre@example.org")
            }
            func importRecords(_ rows: String) async throws {
                let imported = try await enrolment.execute(
                    uri: "/v1/staff/organisations/\(city.uuidString)/records", method: .put,
                    headers: [.authorization: "Bearer \(staff)", .contentType: "text/csv"], body: ByteBuffer(string: Self.header + rows))
                #expect(imported.status == .ok, "\(imported.text)")
            }
            try await importRecords(
                """
                H-1001,Léa,Bouchard,2016-02-03,1 rue du Lac,418 555-0101,mere@example.org;pere@example.org,resident,F-1
                H-1002,Max,Bouchard,2014-01-01,1 rue du Lac,418 555-0101,,resident,F-1
                H-2001,Zack,Autre,2015-01-01,9 rue Haute,,,non-resident,F-2
                """)
            func link(_ token: String, _ fileNumber: String, _ birthDate: String) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/participants/links", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["organisationId": city.uuidString, "fileNumber": fileNumber, "birthDate": birthDate]))
            }
            func names(_ token: String) async throws -> [String] {
                (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])?
                    .compactMap { $0["firstName"] as? String } ?? []
            }
            func households(_ token: String) async throws -> [[String: Any]] {
                try #require(
                    try await enrolment.execute(uri: "/v1/households", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])
            }

            #expect(try await link(motherToken, "H-1001", "2016-02-03").status == .ok)
            #expect(try await names(motherToken) == ["Léa", "Max"], "linking Léa's file brings the family")
            let family = try #require(try await households(motherToken).first)
            #expect(family["organisationId"] as? String == city.uuidString.lowercased())
            #expect(family["address"] as? String == "1 rue du Lac" && family["phone"] as? String == "418 555-0101")
            #expect(family["residency"] as? String == "resident" && family["isFirstGuardian"] as? Bool == true)
            #expect((family["members"] as? [[String: Any]])?.count == 2)
            let familyId = try #require(family["id"] as? String)
            let edit = try await enrolment.execute(
                uri: "/v1/households/\(familyId)", method: .patch, headers: bearer(motherToken, json: true),
                body: jsonBody(["address": "2 rue du Lac"]))
            try edit.problem("/problems/household-managed-by-organisation", status: .conflict)

            // The father links through Max's file; he joins second. The stranger sees none of it.
            #expect(try await link(fatherToken, "H-1002", "2014-01-01").status == .ok)
            #expect(try await households(fatherToken).first?["isFirstGuardian"] as? Bool == false)
            #expect(try await names(strangerToken).isEmpty)
            #expect(try await households(strangerToken).isEmpty)
            #expect(
                try await enrolment.execute(
                    uri: "/v1/households/\(familyId)", method: .patch, headers: bearer(strangerToken, json: true), body: jsonBody(["phone": ""])
                ).status == .notFound)

            // Tonight's export adds a newborn to the family: both guardians see her.
            try await importRecords(
                """
                H-1001,Léa,Bouchard,2016-02-03,1 rue du Lac,418 555-0101,mere@example.org;pere@example.org,resident,F-1
                H-1002,Max,Bouchard,2014-01-01,1 rue du Lac,418 555-0101,,resident,F-1
                H-1003,Zoé,Bouchard,2025-06-01,1 rue du Lac,418 555-0101,,resident,F-1
                H-2001,Zack,Autre,2015-01-01,9 rue Haute,,,non-resident,F-2
                """)
            #expect(try await names(motherToken) == ["Léa", "Max", "Zoé"])
            #expect(try await names(fatherToken) == ["Léa", "Max", "Zoé"])

            // The father registers Léa (free camp, confirmed at once): he is mailed as the payer, the mother as the first guardian.
            let lea = try #require(
                (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(fatherToken)).json()["items"]
                    as? [[String: Any]])?.first?["id"] as? String)
            let line: [String: Any] = [
                "participantId": lea, "offeringId": camp.offeringId.uuidString, "sessionId": camp.sessions[0].sessionId.uuidString,
            ]
            #expect(
                try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(fatherToken, json: true), body: jsonBody(line))
                    .status == .created)
            let checkout = try await postCheckout(enrolment, ["sellingOrganisationId": city.uuidString], token: fatherToken)
            #expect(checkout.status == .created, "\(checkout.text)")
            for address in ["pere@example.org", "mere@example.org"] {
                let mail = try await database.mailbox.waitForMail(to: address)
                #expect(mail.subject.hasPrefix("Inscription confirmée") && mail.text.contains("Léa Bouchard"), "\(mail.subject)")
            }
        }
    }

    @Test func childrenAddedByHandShareTheGuardiansOwnHousehold() async throws {
        let (parent, other) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let otherToken = try await TestKeys.shared.token(for: other)
        try await withService(EnrolmentService.self) { enrolment, database in
            for name in ["Noé", "Lou"] {
                let created = try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(parentToken, json: true),
                    body: jsonBody(["firstName": name, "lastName": "Roy", "birthDate": "2015-01-01"]))
                #expect(created.status == .created)
            }
            let households = try #require(
                try await enrolment.execute(uri: "/v1/households", method: .get, headers: bearer(parentToken)).json()["items"] as? [[String: Any]])
            #expect(households.count == 1 && (households[0]["members"] as? [[String: Any]])?.count == 2)
            #expect(households[0]["organisationId"] == nil)
            let id = try #require(households[0]["id"] as? String)
            func patch(_ token: String, _ body: [String: Any]) async throws -> TestResponse {
                try await enrolment.execute(uri: "/v1/households/\(id)", method: .patch, headers: bearer(token, json: true), body: jsonBody(body))
            }
            let bad = try await patch(parentToken, ["phone": "555"])
            try bad.problem("/problems/validation", status: .unprocessableContent)
            #expect(try await patch(otherToken, ["address": "ailleurs"]).status == .notFound)
            let changed = try await patch(parentToken, ["address": " 5 rue des Pins ", "phone": "418 555-0199"])
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.json()["address"] as? String == "5 rue des Pins")
            let cleared = try await patch(parentToken, ["phone": ""]).json()
            #expect(cleared["phone"] == nil && cleared["address"] as? String == "5 rue des Pins")
            #expect(try await database.count("SELECT count(*) FROM enrolment.households") == 1)
        }
    }

    @Test func aChildAddedByHandIsCorrectedOrRemovedByTheFamilyOnly() async throws {
        let (parent, other) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let otherToken = try await TestKeys.shared.token(for: other)
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering()
            try await withEvents(database) { events in
                try await events.publish(course)
                try await events.verifiedAccount(parent, email: "famille@example.org")
            }
            func add(_ name: String) async throws -> String {
                let created = try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(parentToken, json: true),
                    body: jsonBody(["firstName": name, "lastName": "Roy", "birthDate": "2015-01-01"]))
                return try #require(try created.json()["id"] as? String)
            }
            let (noe, lou) = (try await add("Noé"), try await add("Lou"))
            func put(_ id: String, _ body: [String: Any], token: String) async throws -> TestResponse {
                try await enrolment.execute(uri: "/v1/participants/\(id)", method: .put, headers: bearer(token, json: true), body: jsonBody(body))
            }
            func delete(_ id: String, token: String) async throws -> TestResponse {
                try await enrolment.execute(uri: "/v1/participants/\(id)", method: .delete, headers: bearer(token))
            }
            // Corrected: every refused field said at once, nothing changed; another family's child is not found.
            let refused = try await put(noe, ["firstName": " ", "lastName": "Roy", "birthDate": "2999-01-01"], token: parentToken)
            #expect(try refused.fieldErrors() == ["firstName": "required", "birthDate": "inFuture"])
            #expect(try await put(noe, ["firstName": "Noah", "lastName": "Roy", "birthDate": "2015-02-03"], token: otherToken).status == .notFound)
            let corrected = try await put(noe, ["firstName": " Noah ", "lastName": "Roy", "birthDate": "2015-02-03"], token: parentToken)
            #expect(corrected.status == .ok, "\(corrected.text)")
            #expect(try corrected.json()["firstName"] as? String == "Noah" && corrected.json()["birthDate"] as? String == "2015-02-03")

            // Lou, registered once, stays (the registration names her); Noah, only in the cart, goes with his line.
            for id in [noe, lou] {
                let line: [String: Any] = [
                    "participantId": id, "offeringId": course.offeringId.uuidString, "sessionId": course.sessions[0].sessionId.uuidString,
                ]
                #expect(
                    try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(parentToken, json: true), body: jsonBody(line))
                        .status == .created)
            }
            try await database.execute("DELETE FROM enrolment.cart_lines WHERE participant_id = '\(noe)'")
            let held = try await postCheckout(enrolment, ["sellingOrganisationId": course.sellingOrganisationId.uuidString], token: parentToken)
            #expect(held.status == .created, "\(held.text)")
            #expect(
                try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(parentToken, json: true),
                    body: jsonBody([
                        "participantId": noe, "offeringId": course.offeringId.uuidString, "sessionId": course.sessions[0].sessionId.uuidString,
                    ])
                ).status == .created)
            try await delete(lou, token: parentToken).problem("/problems/participant-has-registrations", status: .conflict)
            #expect(try await delete(noe, token: otherToken).status == .notFound)
            #expect(try await delete(noe, token: parentToken).status == .noContent)
            #expect(try await delete(noe, token: parentToken).status == .notFound, "removed once")
            #expect(try await database.count("SELECT count(*) FROM enrolment.participants") == 1)
            #expect(try await database.count("SELECT count(*) FROM enrolment.cart_lines WHERE participant_id = '\(noe)'") == 0)

            // A child linked to an organisation's record is the organisation's to correct.
            try await database.execute(
                "UPDATE enrolment.participants SET organisation_id = '\(course.sellingOrganisationId)', file_number = 'F-1' WHERE id = '\(lou)'")
            try await put(lou, ["firstName": "Louise", "lastName": "Roy", "birthDate": "2015-01-01"], token: parentToken)
                .problem("/problems/participant-linked", status: .conflict)
        }
    }
}
