import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Messaging
import PostgresNIO
import ServiceKit
import Testing

@testable import Enrolment

/// What a hostile or careless family could do before: take over another family's household through a record
/// without guardians' emails, overwrite another guardian's profile, choose their price, hold every seat as a guest.
@Suite struct EnrolmentHardeningTests {
    static let header = "fileNumber,firstName,lastName,birthDate,address,phone,guardianEmails,residency,household\n"

    @Test func aRecordWithoutGuardiansEmailsIsLinkedOnlyWithNamesAndStaffApprovalAndGivesNothingMore() async throws {
        let school = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: school, role: "staff")])
        let (parentA, parentB) = (UUID(), UUID())
        let tokenA = try await TestKeys.shared.token(for: parentA)
        let tokenB = try await TestKeys.shared.token(for: parentB)
        try await withService(EnrolmentService.self) { enrolment, database in
            try await withEvents(database) { events in
                try await events.verifiedAccount(parentA, email: "a@example.org")
                try await events.verifiedAccount(parentB, email: "b@example.org")
            }
            let imported = try await enrolment.execute(
                uri: "/v1/staff/organisations/\(school.uuidString)/records", method: .put,
                headers: [.authorization: "Bearer \(staff)", .contentType: "text/csv"],
                body: ByteBuffer(string: Self.header + "X-1,Xavier,Roy,2016-02-03,,,,,\n"))
            #expect(imported.status == .ok, "\(imported.text)")
            // A adds Y by hand and fills Y's profile.
            let y = try #require(
                try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(tokenA, json: true),
                    body: jsonBody(["firstName": "Yves", "lastName": "Roy", "birthDate": "2014-01-01"])
                ).json()["id"] as? String)
            let profile: [String: Any] = [
                "allergies": "arachides", "healthInsuranceNumber": "ROYY14010112",
                "emergencyContact": ["name": "Ana Roy", "phone": "418 555-0101"],
            ]
            let written = try await enrolment.execute(
                uri: "/v1/participants/\(y)/profile", method: .put, headers: bearer(tokenA, json: true), body: jsonBody(profile))
            #expect(written.status == .ok, "\(written.text)")

            func link(_ token: String, names: Bool) async throws -> TestResponse {
                var body: [String: Any] = ["organisationId": school.uuidString, "fileNumber": "X-1", "birthDate": "2016-02-03"]
                if names { body["firstName"] = "xavier"; body["lastName"] = "ROY" }
                return try await enrolment.execute(
                    uri: "/v1/participants/links", method: .post, headers: bearer(token, json: true), body: jsonBody(body))
            }
            // Number and birth date alone prove nothing here; with the names, staff decide.
            try await link(tokenA, names: false).problem("/problems/link-not-found", status: .unprocessableContent)
            let askedA = try await link(tokenA, names: true)
            #expect(askedA.status == .accepted, "\(askedA.text)")
            #expect(try askedA.json()["kind"] as? String == "link" && askedA.json()["status"] as? String == "pending")
            #expect(try await link(tokenA, names: true).json()["id"] as? String == askedA.json()["id"] as? String, "asked once")
            let askedB = try await link(tokenB, names: true)
            #expect(askedB.status == .accepted)
            func names(_ token: String) async throws -> [String] {
                (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])?
                    .compactMap { $0["firstName"] as? String }.sorted() ?? []
            }
            #expect(try await names(tokenA) == ["Yves"], "nothing before approval")
            #expect(try await names(tokenB).isEmpty)

            func decide(_ request: TestResponse) async throws -> TestResponse {
                let id = try #require(try request.json()["id"] as? String)
                return try await enrolment.execute(
                    uri: "/v1/staff/record-requests/\(id)/decision", method: .post, headers: bearer(staff, json: true),
                    body: jsonBody(["approve": true]))
            }
            let approvedA = try await decide(askedA)
            #expect(try approvedA.json()["status"] as? String == "approved", "\(approvedA.text)")
            #expect(try await names(tokenA) == ["Xavier", "Yves"])
            #expect(try await decide(askedB).status == .ok)
            // B has the record B proved, and nothing of A's: not Y, not Y's profile, not A's household.
            #expect(try await names(tokenB) == ["Xavier"])
            #expect(try await enrolment.execute(uri: "/v1/participants/\(y)/profile", method: .get, headers: bearer(tokenB)).status == .notFound)
            #expect(
                try await enrolment.execute(
                    uri: "/v1/participants/\(y)/profile", method: .put, headers: bearer(tokenB, json: true), body: jsonBody(["allergies": ""])
                ).status == .notFound)
            let householdsA = try #require(
                try await enrolment.execute(uri: "/v1/households", method: .get, headers: bearer(tokenA)).json()["items"] as? [[String: Any]])
            let ownA = try #require(householdsA.first?["id"] as? String)
            #expect(
                try await enrolment.execute(
                    uri: "/v1/households/\(ownA)", method: .patch, headers: bearer(tokenB, json: true), body: jsonBody(["phone": "418 555-0199"])
                ).status == .notFound)
            #expect(
                (try await enrolment.execute(uri: "/v1/households", method: .get, headers: bearer(tokenB)).json()["items"] as? [[String: Any]])?
                    .contains { $0["id"] as? String == ownA } == false)
            let yProfile = try await enrolment.execute(uri: "/v1/participants/\(y)/profile", method: .get, headers: bearer(tokenA)).json()
            #expect(yProfile["healthInsuranceNumber"] as? String == "ROYY14010112")

            // X's profile, shared by both guardians: a write replaces only the version its writer read.
            let xavier = try #require(
                (try await enrolment.execute(uri: "/v1/participants", method: .get, headers: bearer(tokenB)).json()["items"]
                    as? [[String: Any]])?.first?["id"] as? String)
            let uri = "/v1/participants/\(xavier)/profile"
            let first = try await enrolment.execute(uri: uri, method: .put, headers: bearer(tokenA, json: true), body: jsonBody(profile))
            #expect(first.status == .ok, "the first profile needs no version")
            let tagA = try #require(first.headers[.eTag])
            try await enrolment.execute(uri: uri, method: .put, headers: bearer(tokenB, json: true), body: jsonBody(["allergies": "aucune"]))
                .problem("/problems/precondition-required", status: .init(code: 428))
            let read = try await enrolment.execute(uri: uri, method: .get, headers: bearer(tokenB))
            var headers = bearer(tokenB, json: true)
            headers[.ifMatch] = try #require(read.headers[.eTag])
            var edited = try read.json()
            edited["allergies"] = "arachides, noix"
            let saved = try await enrolment.execute(uri: uri, method: .put, headers: headers, body: jsonBody(edited))
            #expect(saved.status == .ok, "\(saved.text)")
            var stale = bearer(tokenA, json: true)
            stale[.ifMatch] = tagA
            try await enrolment.execute(uri: uri, method: .put, headers: stale, body: jsonBody(["allergies": ""]))
                .problem("/problems/precondition-failed", status: .preconditionFailed)
            let kept = try await enrolment.execute(uri: uri, method: .get, headers: bearer(tokenA)).json()
            #expect(kept["allergies"] as? String == "arachides, noix" && kept["healthInsuranceNumber"] as? String == "ROYY14010112")
        }
    }

    @Test func aParallelBurstOfWrongLinksCountsLikeASequence() async throws {
        let school = UUID()
        let stranger = UUID()
        let token = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            try await withEvents(database) { events in try await events.verifiedAccount(stranger, email: "devine@example.org") }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for guess in 0..<40 {
                    group.addTask {
                        Int(
                            try await enrolment.execute(
                                uri: "/v1/participants/links", method: .post, headers: bearer(token, json: true),
                                body: jsonBody(["organisationId": school.uuidString, "fileNumber": "G-\(guess)", "birthDate": "2015-01-01"])
                            ).status.code)
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [422: 5, 429: 35], "five guesses in 15 minutes, however sent: \(statuses)")
        }
    }

    @Test func staffReadOnlyTheFieldsTheirOfferingAskedAndOnlyOnceConfirmed() async throws {
        let seller = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: seller, role: "staff")])
        let parent = UUID()
        let token = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = {
                var offering = openOffering(seller: seller, priceCents: 2_000, capacity: 5)
                offering.participantFields = ["allergies", "emergency-contact"]
                return offering
            }()
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
            }
            let child = try #require(
                try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["firstName": "Léo", "lastName": "Roy", "birthDate": "2016-01-01"])
                ).json()["id"] as? String)
            _ = try await enrolment.execute(
                uri: "/v1/participants/\(child)/profile", method: .put, headers: bearer(token, json: true),
                body: jsonBody([
                    "allergies": "arachides", "medicalConditions": "asthme", "healthInsuranceNumber": "ROYL16010112",
                    "emergencyContact": ["name": "Ana Roy", "phone": "418 555-0101"],
                ]))
            let line: [String: Any] = [
                "participantId": child, "offeringId": camp.offeringId.uuidString, "sessionId": camp.sessions[0].sessionId.uuidString,
            ]
            #expect(
                try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true), body: jsonBody(line)).status
                    == .created)
            let checkout = try await postCheckout(enrolment, ["sellingOrganisationId": seller.uuidString], token: token)
            let checkoutId = try #require(try checkout.json()["id"] as? String)
            let uri = "/v1/participants/\(child)/profile"
            #expect(try await enrolment.execute(uri: uri, method: .get, headers: bearer(staff)).status == .notFound, "an unpaid hold shows nothing")
            try await withEvents(database) { events in try await events.charge(checkoutId, amountCents: 2_000, succeeded: true) }
            try await eventually("the registration is confirmed") {
                try await database.count("SELECT count(*) FROM enrolment.registrations WHERE status = 'confirmed'") == 1
            }
            let seen = try await enrolment.execute(uri: uri, method: .get, headers: bearer(staff)).json()
            #expect(seen["allergies"] as? String == "arachides" && (seen["emergencyContact"] as? [String: Any])?["name"] as? String == "Ana Roy")
            #expect(seen["medicalConditions"] == nil && seen["healthInsuranceNumber"] == nil, "not asked by this offering")
            #expect(try await database.count("SELECT count(*) FROM enrolment.profile_reads") == 1)
        }
    }

    @Test func theOriginEligibilityAndPrerequisitesComeFromTheRecordNotTheRequest() async throws {
        let (centre, school, other) = (UUID(), UUID(), UUID())
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering(
                seller: centre, priceCents: 15_000, capacity: 10,
                prices: [.init(amount: .init(amountCents: 5_000), organisationOfOriginId: school, residency: nil)])
            let restricted = openOffering(
                seller: centre, code: "RESERVE", priceCents: 1_000, capacity: 10,
                eligibility: .init(minimumAge: nil, maximumAge: nil, eligibleOrganisationIds: [school], prerequisiteCodes: nil))
            let advanced = openOffering(
                seller: centre, code: "AVANCE", priceCents: 1_000, capacity: 10,
                eligibility: .init(minimumAge: nil, maximumAge: nil, eligibleOrganisationIds: nil, prerequisiteCodes: ["601-101"]))
            try await withEvents(database) { events in
                for offering in [course, restricted, advanced] { try await events.publish(offering) }
            }
            // A guest naming a school they have nothing to do with does not get its price.
            let chosen = try await postCheckout(enrolment, guestCheckout(course, extra: ["organisationOfOriginId": school.uuidString]))
            #expect(try chosen.fieldErrors()["lines[0].organisationOfOriginId"] == "notFromRecord", "\(chosen.text)")
            let other = try await postCheckout(enrolment, guestCheckout(course, extra: ["organisationOfOriginId": other.uuidString]))
            #expect(try other.fieldErrors()["lines[0].organisationOfOriginId"] == "notFromRecord")
            let plain = try await postCheckout(enrolment, guestCheckout(course))
            #expect((try plain.json()["total"] as? [String: Any])?["amountCents"] as? Int == 15_000, "\(plain.text)")
            #expect(try await postCheckout(enrolment, guestCheckout(restricted)).fieldErrors()["lines[0].participantId"] == "notEligible")
            #expect(try await postCheckout(enrolment, guestCheckout(advanced)).fieldErrors()["lines[0].participantId"] == "prerequisiteMissing")
            #expect(try await database.count("SELECT count(*) FROM enrolment.checkouts") == 1, "refused checkouts change nothing")
        }
    }

    @Test func theFieldsAnOfferingAsksAreFilledByGuardiansGuestsOrAStaffOverride() async throws {
        let school = UUID()
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: school, role: "staff")])
        let parent = UUID()
        let token = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let outing = {
                var offering = openOffering(seller: school, priceCents: 1_000, capacity: 10)
                offering.participantFields = ["allergies", "emergency-contact"]
                return offering
            }()
            try await withEvents(database) { events in
                try await events.publish(outing)
                try await events.verifiedAccount(parent, email: "parent@example.org")
            }
            // A guardian's child: the profile must hold what the outing asks before paying.
            let child = try #require(
                try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["firstName": "Léo", "lastName": "Roy", "birthDate": "2016-01-01"])
                ).json()["id"] as? String)
            let line: [String: Any] = [
                "participantId": child, "offeringId": outing.offeringId.uuidString, "sessionId": outing.sessions[0].sessionId.uuidString,
            ]
            #expect(
                try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true), body: jsonBody(line)).status
                    == .created)
            let early = try await postCheckout(enrolment, ["sellingOrganisationId": school.uuidString], token: token)
            #expect(try early.fieldErrors() == ["lines[0].participantFields": "participantFieldsMissing"], "\(early.text)")
            // The cart says so on the line, before any checkout, and stops saying it once the profile holds it.
            func lineProblems() async throws -> [String] {
                let lines = try await enrolment.execute(uri: "/v1/cart", method: .get, headers: bearer(token)).json()["lines"] as? [[String: Any]]
                return (lines?.first?["problems"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            }
            #expect(try await lineProblems() == ["participantFieldsMissing"])
            #expect(
                try await enrolment.execute(
                    uri: "/v1/participants/\(child)/profile", method: .put, headers: bearer(token, json: true),
                    body: jsonBody(["allergies": "aucune", "emergencyContact": ["name": "Ana Roy", "phone": "418 555-0101"]])
                ).status == .ok)
            #expect(try await lineProblems() == [])
            #expect(try await postCheckout(enrolment, ["sellingOrganisationId": school.uuidString], token: token).status == .created)

            // A guest answers on the line; the answers are sealed like a profile.
            try await postCheckout(enrolment, guestCheckout(outing)).problem("/problems/validation", status: .unprocessableContent)
            let answered = try await postCheckout(
                enrolment,
                guestCheckout(
                    outing,
                    extra: [
                        "profile": ["allergies": "arachides", "emergencyContact": ["name": "Marie Gagnon", "phone": "418 555-0102"]]
                    ]))
            #expect(answered.status == .created, "\(answered.text)")
            #expect(
                try await database.count(
                    "SELECT count(*) FROM enrolment.participants WHERE profile_fields @> '{allergies,emergency-contact}' AND profile_sealed IS NOT NULL AND position(convert_to('arachides', 'UTF8') in profile_sealed) = 0"
                ) == 2)

            // Staff register a pupil from the records whose profile is empty: the rule binds them unless they say why.
            _ = try await enrolment.execute(
                uri: "/v1/staff/organisations/\(school.uuidString)/records", method: .put,
                headers: [.authorization: "Bearer \(staff)", .contentType: "text/csv"],
                body: ByteBuffer(string: "fileNumber,firstName,lastName,birthDate\n8888888,Zoé,Roy,2016-05-05\n"))
            let pupil = try #require(
                (try await enrolment.execute(
                    uri: "/v1/staff/participants?organisation=\(school.uuidString)&q=8888888", method: .get, headers: bearer(staff)
                ).json()["items"]
                    as? [[String: Any]])?.first?["id"] as? String)
            var body: [String: Any] = [
                "participantId": pupil, "offeringId": outing.offeringId.uuidString, "sessionId": outing.sessions[0].sessionId.uuidString,
                "fundingSource": "École",
            ]
            let refused = try await enrolment.execute(
                uri: "/v1/staff/registrations", method: .post, headers: bearer(staff, json: true), body: jsonBody(body))
            #expect(try refused.fieldErrors() == ["participantFields": "participantFieldsMissing", "overrideReason": "required"], "\(refused.text)")
            body["overrideReason"] = "Fiche santé reçue sur papier"
            let registered = try await enrolment.execute(
                uri: "/v1/staff/registrations", method: .post, headers: bearer(staff, json: true), body: jsonBody(body))
            #expect(registered.status == .created, "\(registered.text)")
            #expect(
                try await database.count("SELECT count(*) FROM enrolment.registrations WHERE override_reason = 'Fiche santé reçue sur papier'") == 1)
        }
    }

    @Test func theTraceOfARequestFollowsItsEventsAndTheEventsOfTheirConsumers() async throws {
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(priceCents: 1_000, capacity: 10)
            try await withEvents(database) { events in try await events.publish(camp) }
            let clickTrace = "0af7651916cd43dd8448eb211c80319c"
            var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: UUID().uuidString]
            headers[HTTPField.Name("traceparent")!] = "00-\(clickTrace)-b7ad6b7169203331-01"
            let checkout = try await enrolment.execute(uri: "/v1/checkouts", method: .post, headers: headers, body: jsonBody(guestCheckout(camp)))
            let checkoutId = try #require(try checkout.json()["id"] as? String)
            func traces(_ routingKey: String) async throws -> [String] {
                try await TestDatabase.admin(database: database.name) { connection in
                    var found: [String] = []
                    for try await value in try await connection.query(
                        "SELECT coalesce(traceparent, '') FROM enrolment.outbox WHERE routing_key = \(routingKey)", logger: TestEnvironment.logger
                    ).decode(String.self) { found.append(value) }
                    return found
                }
            }
            for key in [EventName.checkoutRequested, EventName.sessionSeatsChanged] {
                let recorded = try await traces(key)
                #expect(
                    !recorded.isEmpty && recorded.allSatisfy { $0.hasPrefix("00-\(clickTrace)-") && !$0.contains("b7ad6b7169203331") },
                    "\(key): \(recorded)")
            }
            // Payment's charge event carries the payment's trace: the confirmation enrolment records continues it.
            let paymentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
            try await withEvents(database) { events in
                try await events.send(
                    EventName.chargeSucceeded, from: "payment",
                    ChargeEvent(
                        paymentId: UUID(), version: 1, checkoutId: UUID(uuidString: checkoutId)!, amount: .init(amountCents: 1_000),
                        receiptNumber: "TEST-2026-000001", reason: nil, retryable: nil),
                    traceparent: "00-\(paymentTrace)-00f067aa0ba902b7-01")
            }
            try await eventually("the registration is confirmed") { try await !traces(EventName.registrationConfirmed).isEmpty }
            #expect(try await traces(EventName.registrationConfirmed).allSatisfy { $0.hasPrefix("00-\(paymentTrace)-") })
            // A request without one starts its own trace, never none.
            let untraced = try await postCheckout(enrolment, guestCheckout(camp, children: [("Léo", "2016-03-04")], extra: [:]))
            #expect(untraced.status == .created)
            #expect(try await traces(EventName.checkoutRequested).allSatisfy { TraceContext(traceparent: $0) != nil })
        }
    }

    @Test func aGuestIsBoundedAndKeepsTheirOwnIdempotencyKeys() async throws {
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(priceCents: 1_000, capacity: 100)
            try await withEvents(database) { events in try await events.publish(camp) }
            // Two guests who happen to send the same key get two checkouts.
            func guest(_ email: String, children: Int = 1) -> [String: Any] {
                var body = guestCheckout(camp, children: (0..<children).map { ("Enfant \($0)", "2016-03-04") })
                body["guest"] = ["email": email, "firstName": "Marie", "lastName": "Gagnon", "language": "fr"]
                return body
            }
            let first = try await postCheckout(enrolment, guest("un@example.org"), key: "same-key")
            let second = try await postCheckout(enrolment, guest("deux@example.org"), key: "same-key")
            #expect(first.status == .created && second.status == .created, "\(second.text)")
            #expect(try first.json()["id"] as? String != second.json()["id"] as? String)

            let tooMany = try await postCheckout(enrolment, guest("trois@example.org", children: 11))
            #expect(try tooMany.fieldErrors()["lines"] == "tooManyLines")
            // One email holds at most ten seats at once.
            #expect(try await postCheckout(enrolment, guest("quatre@example.org", children: 9)).status == .created)
            try await postCheckout(enrolment, guest("quatre@example.org", children: 2)).problem("/problems/guest-holds-too-many", status: .conflict)
            #expect(try await postCheckout(enrolment, guest("quatre@example.org", children: 1)).status == .created)
            #expect(try await database.seats(camp.sessions[0].sessionId).held == 12)

            // Addresses a person cannot see or that would break a mail header are refused.
            for email in [
                "parent@example.org\r\nBcc: all@example.org", "pa\u{202E}rent@example.org", "pa\u{200B}rent@example.org", "🎉@example.org",
                "parent@exa mple.org",
            ] {
                #expect(try await postCheckout(enrolment, guest(email)).fieldErrors()["guest.email"] == "invalidEmail", "\(email.debugDescription)")
            }
        }
    }
}
