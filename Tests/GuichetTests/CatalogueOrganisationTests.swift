import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Catalogue
@testable import Identity

/// Organisations: admins create them, their staff rename them, and identity learns of them through RabbitMQ
/// to grant staff roles that the catalogue then honours.
@Suite struct CatalogueOrganisationTests {
    func create(_ catalogue: any TestClientProtocol, token: String, _ body: [String: Any]) async throws -> TestResponse {
        try await catalogue.execute(uri: "/v1/organisations", method: .post, headers: bearer(token, json: true), body: jsonBody(body))
    }

    @Test func adminsCreateStaffRenameAndBadInputChangesNothing() async throws {
        let admin = try await TestKeys.shared.token(for: UUID(), isAdmin: true)
        try await withService(CatalogueService.self) { catalogue, database in
            let centre = try await create(
                catalogue, token: admin,
                [
                    "kind": "school-service-centre", "shortCode": "CSSBE",
                    "name": ["fr": "Centre de services scolaire de Beauce-Etchemin", "en": "Beauce-Etchemin School Service Centre"],
                ])
            #expect(centre.status == .created, "\(centre.text)")
            let centreId = try #require(try centre.json()["id"] as? String)
            #expect(centre.headers[.location] == "/v1/organisations/\(centreId)")
            let school = try await create(
                catalogue, token: admin,
                [
                    "kind": "school", "shortCode": "ESB", "parentId": centreId,
                    "name": ["fr": "École secondaire Bélanger", "en": "Bélanger High School"],
                ])
            #expect(school.status == .created, "\(school.text)")
            let schoolId = try #require(try school.json()["id"] as? String)

            // Not an admin, no token, a taken code, bad fields, an unknown parent: refused, nothing written.
            let staffOfCentre = try await TestKeys.shared.token(
                for: UUID(),
                roles: [
                    .init(organisationId: UUID(uuidString: centreId)!, role: "staff"),
                    .init(organisationId: UUID(uuidString: schoolId)!, role: "staff"),
                ])
            try (try await create(catalogue, token: staffOfCentre, ["kind": "school", "shortCode": "X1", "name": ["fr": "X", "en": "X"]]))
                .problem("/problems/forbidden", status: .forbidden)
            try
                (try await catalogue.execute(
                    uri: "/v1/organisations", method: .post, headers: [.contentType: "application/json"],
                    body: jsonBody(["kind": "school", "shortCode": "X2", "name": ["fr": "X", "en": "X"]])))
                .problem("/problems/unauthenticated", status: .unauthorized)
            try (try await create(catalogue, token: admin, ["kind": "school", "shortCode": "CSSBE", "name": ["fr": "Autre", "en": "Other"]]))
                .problem("/problems/duplicate-code", status: .conflict)
            let bad = try await create(catalogue, token: admin, ["kind": "school", "shortCode": "es b", "name": ["fr": " ", "en": "Bélanger"]])
            #expect(try bad.fieldErrors() == ["shortCode": "invalid", "name.fr": "invalid"])
            let orphan = try await create(
                catalogue, token: admin, ["kind": "school", "shortCode": "ORPHELINE", "parentId": UUID().uuidString, "name": ["fr": "O", "en": "O"]])
            #expect(try orphan.fieldErrors() == ["parentId": "unknown"])
            #expect(try await database.count("SELECT count(*) FROM catalogue.organisations") == 2)

            // Anyone lists them, by kind or parent, page by page.
            let schools = try await catalogue.execute(uri: "/v1/organisations?kind=school", method: .get)
            #expect((try schools.json()["items"] as? [[String: Any]])?.map { $0["shortCode"] as? String } == ["ESB"])
            let children = try await catalogue.execute(uri: "/v1/organisations?parentId=\(centreId)", method: .get)
            #expect((try children.json()["items"] as? [[String: Any]])?.count == 1)
            let first = try await catalogue.execute(uri: "/v1/organisations?limit=1", method: .get)
            let cursor = try #require(try first.json()["nextCursor"] as? String)
            let second = try await catalogue.execute(uri: "/v1/organisations?limit=1&cursor=\(cursor)", method: .get)
            #expect((try second.json()["items"] as? [[String: Any]])?.first?["shortCode"] as? String == "ESB")
            #expect(try second.json()["nextCursor"] == nil)

            // The centre's staff rename its school; another organisation's staff cannot.
            let rename = { (token: String) in
                try await catalogue.execute(
                    uri: "/v1/organisations/\(schoolId)", method: .patch, headers: bearer(token, json: true),
                    body: jsonBody(["name": ["fr": "École secondaire Bélanger de Saint-Martin", "en": "Bélanger High School of Saint-Martin"]]))
            }
            let stranger = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            try (try await rename(stranger)).problem("/problems/forbidden", status: .forbidden)
            let renamed = try await rename(staffOfCentre)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(try renamed.json()["version"] as? Int == 2)
            let keys = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query("SELECT routing_key FROM catalogue.outbox ORDER BY position", logger: TestEnvironment.logger)
                    .collect().map { try $0.decode(String.self) }
            }
            #expect(keys == ["catalogue.organisation.created", "catalogue.organisation.created", "catalogue.organisation.updated"])

            // Its address and numbers are its administrators' to set: staff are refused; bad numbers are said field by
            // field and change nothing; written as people write them, they are kept in one form; empty removes one.
            let details = { (token: String, body: [String: Any]) in
                try await catalogue.execute(
                    uri: "/v1/organisations/\(schoolId)", method: .patch, headers: bearer(token, json: true), body: jsonBody(body))
            }
            let address: [String: Any] = ["street": "1055, rue du Collège", "city": "Saint-Martin", "province": "QC", "postalCode": "g0m 1b0"]
            try (try await details(staffOfCentre, ["gstNumber": "123456789RT0001"])).problem("/problems/forbidden", status: .forbidden)
            let adminOfCentre = try await TestKeys.shared.token(
                for: UUID(),
                roles: [
                    .init(organisationId: UUID(uuidString: centreId)!, role: "admin"),
                    .init(organisationId: UUID(uuidString: schoolId)!, role: "admin"),
                ])
            var wrongAddress = address
            wrongAddress["postalCode"] = "12345"
            let wrong = try await details(adminOfCentre, ["address": wrongAddress, "gstNumber": "12345", "qstNumber": "1234567890TQ0001"])
            #expect(try wrong.fieldErrors() == ["address.postalCode": "invalid", "gstNumber": "invalid"], "\(wrong.text)")
            #expect(try await catalogue.execute(uri: "/v1/organisations/\(schoolId)", method: .get).json()["qstNumber"] == nil)
            let set = try await details(
                adminOfCentre,
                ["address": address, "gstNumber": "123 456 789 rt 0001", "qstNumber": "1234567890-TQ-0001", "enterpriseNumber": "1143456789"])
            #expect(set.status == .ok, "\(set.text)")
            let saved = try set.json()
            #expect((saved["address"] as? [String: Any])?["postalCode"] as? String == "G0M 1B0")
            #expect(saved["gstNumber"] as? String == "123456789RT0001" && saved["qstNumber"] as? String == "1234567890TQ0001")
            // Every province and territory is one (YAML once read `ON` as a boolean, and the validator refused Ontario).
            var ontario = address
            ontario["province"] = "ON"
            #expect(try await details(adminOfCentre, ["address": ontario]).status == .ok)
            let removed = try await details(adminOfCentre, ["gstNumber": ""])
            #expect(try removed.json()["gstNumber"] == nil && removed.json()["qstNumber"] as? String == "1234567890TQ0001", "\(removed.text)")
            let event = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query(
                    "SELECT convert_from(payload, 'UTF8') FROM catalogue.outbox WHERE routing_key = 'catalogue.organisation.updated' ORDER BY position DESC LIMIT 1",
                    logger: TestEnvironment.logger
                ).collect().map { try $0.decode(String.self) }.first ?? ""
            }
            #expect(event.contains("\"qstNumber\":\"1234567890TQ0001\"") && !event.contains("gstNumber"), "\(event)")
        }
    }

    /// The whole chain: the catalogue creates an organisation, identity learns of it over RabbitMQ, an admin makes
    /// someone staff of the centre, and that person's real token lets them rename the centre's school.
    @Test func identityGrantsStaffInOrganisationsTheCatalogueCreated() async throws {
        try await TestDatabase.withDatabase { database in
            try await withService(IdentityService.self, on: database, environment: ["ADMIN_EMAILS": "admin@guichet.example"]) { identityClient in
                let identity = IdentityDriver(client: identityClient, database: database)
                let (_, adminToken, _) = try await identity.accountWithSecondFactorSession("admin@guichet.example", clock: SystemWallClock())
                let (staffId, _, staffRefresh) = try await identity.accountWithSecondFactorSession(
                    "direction@cssbe.example", clock: SystemWallClock())
                try await withService(CatalogueService.self, on: database) { catalogue in
                    let centre = try await create(
                        catalogue, token: adminToken,
                        ["kind": "school-service-centre", "shortCode": "CSSBE", "name": ["fr": "CSS de la Beauce", "en": "Beauce SSC"]])
                    let centreId = try #require(try centre.json()["id"] as? String)
                    let school = try await create(
                        catalogue, token: adminToken,
                        ["kind": "school", "shortCode": "ESB", "parentId": centreId, "name": ["fr": "École Bélanger", "en": "Bélanger School"]])
                    let schoolId = try #require(try school.json()["id"] as? String)
                    try await eventually("identity knows both organisations") {
                        try await database.count("SELECT count(*) FROM identity.organisations") == 2
                    }
                    let granted = try await identityClient.execute(
                        uri: "/v1/organisations/\(centreId)/staff/\(staffId)", method: .put, headers: bearer(adminToken))
                    #expect(granted.status == .noContent, "\(granted.text)")
                    // The staff member's next token (a refresh) carries the new role, and the second factor they gave.
                    let staffToken = try await identity.refresh(staffRefresh).access
                    let renamed = try await catalogue.execute(
                        uri: "/v1/organisations/\(schoolId)", method: .patch, headers: bearer(staffToken, json: true),
                        body: jsonBody(["name": ["fr": "École secondaire Bélanger", "en": "Bélanger High School"]]))
                    #expect(renamed.status == .ok, "\(renamed.text)")
                    try await eventually("identity applies the rename") {
                        try await database.count(
                            "SELECT count(*) FROM identity.organisations WHERE name_fr = 'École secondaire Bélanger' AND version = 2") == 1
                    }
                }
            }
        }
    }
}
