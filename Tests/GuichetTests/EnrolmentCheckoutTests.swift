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

/// Checkout: amounts from enrolment's copy of the catalogue, seats held all at once or not at all, never more
/// than capacity, released at expiry, confirmed once by payment.
@Suite struct EnrolmentCheckoutTests {
    static let macaroni = (1...3).map {
        OfferingItem(
            itemId: UUID(), name: .init(fr: "Macaroni", en: "Macaroni"), unitPrice: .init(amountCents: 550), date: "2027-01-\(10 + $0)",
            maximumQuantity: 3)
    }

    @Test func aGuestPaysWhatTheCatalogueSaysAndTheSameKeyNeverHoldsTwice() async throws {
        try await withService(EnrolmentService.self) { enrolment, database in
            // Taxable, with items by date: 95 $ + 2 × 5,50 $ + 1 × 5,50 $ = 111,50 $; GST 5,58 $, QST 11,12 $.
            let offering = openOffering(
                capacity: 10, items: Self.macaroni,
                taxes: [
                    .init(code: "GST", name: .init(fr: "TPS", en: "GST"), percent: "5"),
                    .init(code: "QST", name: .init(fr: "TVQ", en: "QST"), percent: "9.975"),
                ])
            try await withEvents(database) { events in try await events.publish(offering) }
            let items: [[String: Any]] = [
                ["itemId": Self.macaroni[0].itemId.uuidString, "quantity": 2], ["itemId": Self.macaroni[2].itemId.uuidString, "quantity": 1],
            ]
            let body = guestCheckout(offering, items: items)

            // Bad input is refused and changes nothing.
            let noKey = try await enrolment.execute(
                uri: "/v1/checkouts", method: .post, headers: [.contentType: "application/json"], body: jsonBody(body))
            #expect(noKey.status == .badRequest, "the key is required")
            var tooMany = items
            tooMany[0]["quantity"] = 4
            let refused = try await postCheckout(enrolment, guestCheckout(offering, children: [("", "2030-01-01")], items: tooMany))
            #expect(
                try refused.fieldErrors() == [
                    "lines[0].participant.firstName": "required", "lines[0].participant.birthDate": "inFuture",
                ])
            let badQuantity = try await postCheckout(enrolment, guestCheckout(offering, items: tooMany))
            #expect(try badQuantity.fieldErrors() == ["lines[0].items[0].quantity": "outOfRange"])
            #expect(try await database.count("SELECT count(*) FROM enrolment.checkouts") == 0)
            #expect(try await database.seats(offering.sessions[0].sessionId).held == 0)

            let key = UUID().uuidString
            let created = try await postCheckout(enrolment, body, key: key)
            #expect(created.status == .created, "\(created.text)")
            let checkout = try created.json()
            #expect(checkout["status"] as? String == "awaiting-payment")
            #expect((checkout["total"] as? [String: Any])?["amountCents"] as? Int == 11_150 + 558 + 1_112)
            let id = try #require(checkout["id"] as? String)
            let token = try #require(checkout["guestToken"] as? String)
            #expect(try await database.seats(offering.sessions[0].sessionId) == (10, 1, 0))

            // A retry with the same key and body: the first answer, nothing held twice.
            let replay = try await postCheckout(enrolment, body, key: key)
            #expect(replay.status == .created)
            #expect(replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try replay.json()["id"] as? String == id)
            #expect(try replay.json()["guestToken"] as? String == token)
            #expect(try await database.seats(offering.sessions[0].sessionId).held == 1)
            // The same key for another request is refused.
            let reused = try await postCheckout(enrolment, guestCheckout(offering, children: [("Rose", "2017-05-06")]), key: key)
            try reused.problem("/problems/idempotency-key-reused", status: .unprocessableContent)

            // The guest token opens this checkout only.
            let withToken = try await enrolment.execute(uri: "/v1/checkouts/\(id)", method: .get, headers: [HTTPField.Name("Guest-Token")!: token])
            #expect(withToken.status == .ok)
            #expect(try await enrolment.execute(uri: "/v1/checkouts/\(id)", method: .get).status == .notFound)
            #expect(
                try await enrolment.execute(uri: "/v1/checkouts/\(id)", method: .get, headers: [HTTPField.Name("Guest-Token")!: token + "x"]).status
                    == .notFound)

            // Payment learns the amounts from the event, never from the client; the token only as a hash.
            let payload = try await database.outboxPayload(EventName.checkoutRequested)
            let event = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(payload.utf8))
            #expect(event.total.amountCents == 12_820)
            #expect(event.lines[0].items.map(\.quantity) == [2, 1])
            #expect(event.lines[0].taxes.map(\.amount.amountCents) == [558, 1_112])
            #expect(event.payer.guestTokenSHA256?.count == 64)
            #expect(!payload.contains(token))

            // The fund-raiser's count: nothing until paid, then each date's quantity (a guest's child: no school).
            let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: offering.sellingOrganisationId, role: "staff")])
            let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            let quantities = "/v1/staff/offerings/\(offering.offeringId.uuidString)/item-quantities"
            func counted() async throws -> [[String: Any]] {
                try #require(try await enrolment.execute(uri: quantities, method: .get, headers: bearer(staff)).json()["items"] as? [[String: Any]])
            }
            #expect(try await counted().isEmpty, "held, not paid")
            try await withEvents(database) { events in try await events.charge(id, amountCents: 12_820, succeeded: true) }
            try await eventually("confirmed") { try await database.seats(offering.sessions[0].sessionId) == (10, 0, 1) }
            let rows = try await counted()
            #expect(rows.map { $0["date"] as? String } == ["2027-01-11", "2027-01-13"])
            #expect(rows.map { $0["quantity"] as? Int } == [2, 1] && rows.allSatisfy { $0["school"] as? String == "" })
            var csvHeaders = bearer(staff)
            csvHeaders[.accept] = "text/csv"
            #expect(
                try await enrolment.execute(uri: quantities, method: .get, headers: csvHeaders).text
                    == "date,item,school,quantity\n2027-01-11,Macaroni,,2\n2027-01-13,Macaroni,,1\n")
            #expect(try await enrolment.execute(uri: quantities, method: .get, headers: bearer(outsider)).status == .notFound)
        }
    }

    @Test func parallelCheckoutsNeverTakeMoreSeatsThanCapacity() async throws {
        try await withService(EnrolmentService.self) { enrolment, database in
            let offering = openOffering(capacity: 5)
            try await withEvents(database) { events in try await events.publish(offering) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await postCheckout(enrolment, guestCheckout(offering, children: [("Enfant \(index)", "2016-03-04")])).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 5)
            #expect(statuses.filter { $0 == .conflict }.count == 35)
            #expect(try await database.seats(offering.sessions[0].sessionId) == (5, 5, 0))
            #expect(try await database.count("SELECT count(*) FROM enrolment.registrations WHERE status = 'held'") == 5)
            let full = try await postCheckout(enrolment, guestCheckout(offering, children: [("Tard", "2016-03-04")]))
            #expect(try full.fieldErrors() == ["lines[0].sessionId": "full"])
        }
    }

    /// The control: the same checkouts with the seat read and written back without the conditional update
    /// oversell, so the test above would catch a lost update.
    @Test func withoutTheConditionalUpdateTheRaceIsReal() async throws {
        try await withService(EnrolmentService.self) { _, database in
            let offering = openOffering(capacity: 5)
            try await withEvents(database) { events in try await events.publish(offering) }
            let client = try database.serviceClient("enrolment")
            try await withRunning(client) {
                let store = CheckoutStore(
                    client: client, logger: TestEnvironment.logger, holdDuration: 900, guestTokens: GuestTokens(key: .init(size: .bits256)),
                    profileKey: .init(size: .bits256),
                    claimSeats: Self.unlockedReadThenWrite)
                let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            let line = CheckoutRequestLine(
                                participant: .new(.init(firstName: "Enfant \(index)", lastName: "X", birthDate: "2016-03-04")),
                                offeringId: offering.offeringId, sessionId: offering.sessions[0].sessionId, organisationOfOriginId: nil, items: [])
                            do {
                                _ = try await store.checkout(
                                    payer: .guest(email: "parent\(index)@example.org", name: "A", language: "fr"), sellingOrganisationId: nil,
                                    lines: [line],
                                    idempotency: .init(scope: "guest", key: UUID().uuidString, requestHash: [1]), now: Date())
                                return true
                            } catch let problem as Problem where problem.type == "/problems/session-full" {
                                return false
                            }
                        }
                    }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(created > 5, "lost updates let \(created) checkouts through for 5 seats")
            }
        }
    }

    /// What the conditional update replaces: read the counts, then write them back, with the window between the
    /// two widened as a busy server would.
    static let unlockedReadThenWrite: SeatLedger.Claim = { counts, _, _, _, connection, logger in
        var changed: [SessionSeatsEvent] = []
        for (session, count) in counts {
            var read: (Int64, Int, Int, Int)?
            for try await row in try await connection.query(
                "SELECT version, capacity, held, confirmed FROM session_seats WHERE session_id = \(session)", logger: logger
            ).decode((Int64, Int, Int, Int).self) { read = row }
            guard let (version, capacity, held, confirmed) = read, held + confirmed + count <= capacity else { return nil }
            try await connection.query("SELECT pg_sleep(0.01)", logger: logger)
            try await connection.query(
                "UPDATE session_seats SET held = \(held + count), version = \(version + 1) WHERE session_id = \(session)", logger: logger)
            changed.append(SessionSeatsEvent(sessionId: session, version: version + 1, capacity: capacity, held: held + count, confirmed: confirmed))
        }
        return changed
    }

    @Test func aSignedInGuardianAcceptsTheContractAndPaymentConfirmsOnce() async throws {
        let account = UUID()
        let token = try await TestKeys.shared.token(for: account)
        let stranger = try await TestKeys.shared.token(for: UUID())
        try await withService(EnrolmentService.self) { enrolment, database in
            let school = UUID()
            let offering = openOffering(
                priceCents: 26_000, capacity: 3, prices: [.init(amount: .init(amountCents: 22_000), organisationOfOriginId: school, residency: nil)],
                contract: .init(version: 2, clauses: [.init(fr: "Caméra ouverte.", en: "Camera on.")]),
                details: .init(
                    online: true, accessInstructions: .init(fr: "Lien : https://teams.example/cours-ete", en: "Link: https://teams.example/cours-ete")
                ))
            try await withEvents(database) { events in
                try await events.publish(offering)
                try await events.verifiedAccount(account, email: "lea@example.org")

                let child = try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["firstName": "Noé", "lastName": "Tremblay", "birthDate": "2010-02-03"]))
                let participant = try #require(try child.json()["id"] as? String)
                // The school's records say Noé is its pupil (as linking his record would): the school's price is his.
                #expect(
                    try await database.count(
                        "WITH pupil AS (UPDATE enrolment.participants SET organisation_id = '\(school.uuidString)', file_number = 'N-1' WHERE id = '\(participant)' RETURNING 1) SELECT count(*) FROM pupil"
                    ) == 1)
                let line: [String: Any] = [
                    "participantId": participant, "offeringId": offering.offeringId.uuidString,
                    "sessionId": offering.sessions[0].sessionId.uuidString, "organisationOfOriginId": school.uuidString,
                ]
                // Another family cannot put this child in their cart.
                let foreign = try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(stranger, json: true), body: jsonBody(line))
                #expect(try foreign.fieldErrors() == ["participantId": "unknown"])

                let added = try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true), body: jsonBody(line))
                #expect(added.status == .created, "\(added.text)")
                let lineId = try #require(try added.json()["id"] as? String)
                #expect(
                    ((try added.json()["price"] as? [String: Any])?["total"] as? [String: Any])?["amountCents"] as? Int == 22_000,
                    "the school's price")
                let again = try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true), body: jsonBody(line))
                try again.problem("/problems/already-in-cart", status: .conflict)

                // Not yet accepted: checkout names the line and holds nothing.
                let checkoutBody = ["sellingOrganisationId": offering.sellingOrganisationId.uuidString]
                let early = try await postCheckout(enrolment, checkoutBody, token: token)
                #expect(try early.fieldErrors() == ["lines[0].contractAcceptance": "required"])
                let stale = try await enrolment.execute(
                    uri: "/v1/cart/lines/\(lineId)/contract-acceptance", method: .put, headers: bearer(token, json: true),
                    body: jsonBody(["version": 1]))
                #expect(try stale.fieldErrors() == ["version": "notCurrent"])
                let accepted = try await enrolment.execute(
                    uri: "/v1/cart/lines/\(lineId)/contract-acceptance", method: .put, headers: bearer(token, json: true),
                    body: jsonBody(["version": 2]))
                #expect(try accepted.json()["contractAcceptedVersion"] as? Int == 2)

                let created = try await postCheckout(enrolment, checkoutBody, token: token)
                #expect(created.status == .created, "\(created.text)")
                let checkoutId = try #require(try created.json()["id"] as? String)
                #expect(try created.json()["guestToken"] == nil)
                #expect(try await database.count("SELECT count(*) FROM enrolment.cart_lines") == 0, "checked-out lines leave the cart")
                #expect(try await enrolment.execute(uri: "/v1/checkouts/\(checkoutId)", method: .get, headers: bearer(stranger)).status == .notFound)

                // The charge succeeds, and its event arrives twice (a redelivery or a second relay): confirmed once.
                try await events.charge(checkoutId, amountCents: 22_000, succeeded: true)
                try await events.charge(checkoutId, amountCents: 22_000, succeeded: true)
                try await eventually("the registration is confirmed") {
                    try await database.count("SELECT count(*) FROM enrolment.registrations WHERE status = 'confirmed'") == 1
                }
                try await eventually("both charge events are consumed") {
                    try await database.count("SELECT count(*) FROM enrolment.inbox") >= 4
                }
                #expect(try await database.seats(offering.sessions[0].sessionId) == (3, 0, 1))
                #expect(try await database.count("SELECT count(*) FROM enrolment.outbox WHERE routing_key = 'enrolment.registration.confirmed'") == 1)
                // One confirmation mail, in the guardian's language, with the private access link.
                let mail = try await database.mailbox.waitForMail(to: "lea@example.org")
                #expect(mail.subject.hasPrefix("Inscription confirmée"))
                #expect(mail.text.contains("Noé Tremblay") && mail.text.contains("https://teams.example/cours-ete"), "\(mail.text)")
                try await Task.sleep(for: .milliseconds(500))
                #expect(try database.mailbox.mails(to: "lea@example.org").count == 1, "the duplicate charge event mails nothing")
                let registrations = try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(token))
                #expect((try registrations.json()["items"] as? [[String: Any]])?.map { $0["status"] as? String } == ["confirmed"])
                let others = try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(stranger))
                #expect((try others.json()["items"] as? [[String: Any]])?.isEmpty == true)
            }
        }
    }

    @Test func anUnpaidHoldExpiresAndALatePaymentIsConfirmedOrRefunded() async throws {
        try await withService(EnrolmentService.self, environment: ["HOLD_MINUTES": "1"]) { enrolment, database in
            let offering = openOffering(capacity: 1)
            let session = offering.sessions[0].sessionId
            try await withEvents(database) { events in
                try await events.publish(offering)
                let first = try #require(try await postCheckout(enrolment, guestCheckout(offering)).json()["id"] as? String)
                #expect(try await database.seats(session) == (1, 1, 0))
                // The sweep runs on the service's clock; move the hold's deadline into the past instead of waiting a minute.
                try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() - interval '1 second'")
                try await eventually("the hold expires") { try await database.seats(session) == (1, 0, 0) }
                #expect(try await database.count("SELECT count(*) FROM enrolment.outbox WHERE routing_key = 'enrolment.checkout.expired'") == 1)
                #expect(try await database.count("SELECT count(*) FROM enrolment.registrations WHERE status = 'expired'") == 1)

                // Paid after expiry while the seat is still free: confirmed.
                try await events.charge(first, amountCents: 9_500, succeeded: true)
                try await eventually("the late payment is confirmed") { try await database.seats(session) == (1, 0, 1) }

                let full = try await postCheckout(enrolment, guestCheckout(offering, children: [("Rose", "2017-01-01")]))
                try full.problem("/problems/session-full", status: .conflict)

                // Another late payment, with the seat now taken by someone else: refunded, never oversold.
                let offering2 = openOffering(capacity: 1)
                try await events.publish(offering2)
                let held = try #require(try await postCheckout(enrolment, guestCheckout(offering2)).json()["id"] as? String)
                try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() - interval '1 second' WHERE id = '\(held)'")
                try await eventually("the hold expires") { try await database.seats(offering2.sessions[0].sessionId) == (1, 0, 0) }
                let taker = try await postCheckout(enrolment, guestCheckout(offering2, children: [("Léo", "2015-01-01")]))
                #expect(taker.status == .created)
                try await events.charge(held, amountCents: 9_500, succeeded: true)
                try await eventually("the late payment is refunded") {
                    try await database.count("SELECT count(*) FROM enrolment.outbox WHERE routing_key = 'enrolment.refund.requested'") == 1
                }
                #expect(try await database.seats(offering2.sessions[0].sessionId) == (1, 1, 0))
                // Its expiry is said again, with why: payment ends a payment plan on this one, not on a hold's own expiry.
                let expiries = try await database.enrolmentEvents(EventName.registrationExpired)
                #expect(expiries.map { $0["reason"] as? String }.filter { $0 != nil } == ["no-seat-after-late-payment"], "\(expiries)")
            }
        }
    }

    /// WCAG 2.2.1: the payer may ask for more time, ten times at most, only while the hold lasts; each extension
    /// tells payment the new end (`checkout.requested` again, next version). Nobody else can extend it.
    @Test func aHoldCanBeExtendedTenTimesByItsPayerOnly() async throws {
        try await withService(EnrolmentService.self, environment: ["HOLD_MINUTES": "5"]) { enrolment, database in
            let offering = openOffering(capacity: 2)
            try await withEvents(database) { events in
                try await events.publish(offering)
                let created = try await postCheckout(enrolment, guestCheckout(offering)).json()
                let id = try #require(created["id"] as? String)
                let guestToken = try #require(created["guestToken"] as? String)
                #expect(created["holdExtensionsLeft"] as? Int == 10)
                func extend(_ token: String?) async throws -> TestResponse {
                    var headers: HTTPFields = [:]
                    if let token { headers[HTTPField.Name("Guest-Token")!] = token }
                    return try await enrolment.execute(uri: "/v1/checkouts/\(id)/hold-extension", method: .post, headers: headers)
                }
                try await extend(nil).problem("/problems/not-found", status: .notFound)
                try await extend("not-the-token").problem("/problems/not-found", status: .notFound)
                // Three minutes left: an extension makes it five from now.
                try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() + interval '3 minutes' WHERE id = '\(id)'")
                let extended = try await extend(guestToken)
                #expect(extended.status == .ok)
                let body = try extended.json()
                #expect(body["holdExtensionsLeft"] as? Int == 9)
                let ends = try #require((body["holdExpiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
                #expect(ends.timeIntervalSinceNow > 4 * 60 && ends.timeIntervalSinceNow <= 5 * 60 + 5, "ends \(ends)")
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM enrolment.outbox WHERE routing_key = 'enrolment.checkout.requested' AND convert_from(payload, 'UTF8')::jsonb->>'version' = '2'"
                    ) == 1)
                for _ in 0..<9 { #expect(try await extend(guestToken).status == .ok) }
                try await extend(guestToken).problem("/problems/hold-not-extendable", status: .conflict)
                #expect(try await database.count("SELECT hold_extensions FROM enrolment.checkouts WHERE id = '\(id)'") == 10)
                // A hold that has ended cannot be brought back.
                let other = try #require(try await postCheckout(enrolment, guestCheckout(offering, children: [("Rose", "2016-05-06")])).json())
                let otherId = try #require(other["id"] as? String)
                try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() - interval '1 second' WHERE id = '\(otherId)'")
                var headers: HTTPFields = [:]
                headers[HTTPField.Name("Guest-Token")!] = try #require(other["guestToken"] as? String)
                try await enrolment.execute(uri: "/v1/checkouts/\(otherId)/hold-extension", method: .post, headers: headers)
                    .problem("/problems/hold-not-extendable", status: .conflict)
            }
        }
    }

    @Test func aFreeCheckoutIsConfirmedAtOnceAndAFailedChargeReleasesTheSeats() async throws {
        try await withService(EnrolmentService.self) { enrolment, database in
            let free = openOffering(priceCents: 0, capacity: 2)
            let paid = openOffering(capacity: 2)
            try await withEvents(database) { events in
                try await events.publish(free)
                try await events.publish(paid)
                let confirmed = try await postCheckout(enrolment, guestCheckout(free))
                #expect(try confirmed.json()["status"] as? String == "confirmed")
                #expect(try await database.seats(free.sessions[0].sessionId) == (2, 0, 1))

                let waiting = try #require(try await postCheckout(enrolment, guestCheckout(paid)).json()["id"] as? String)
                // A declined card the payer may replace keeps the seat; a final failure releases it.
                try await events.charge(waiting, amountCents: 9_500, succeeded: false, retryable: true)
                try await Task.sleep(for: .milliseconds(500))
                #expect(try await database.seats(paid.sessions[0].sessionId) == (2, 1, 0))
                try await events.charge(waiting, amountCents: 9_500, succeeded: false)
                try await eventually("the seat is released") { try await database.seats(paid.sessions[0].sessionId) == (2, 0, 0) }
                #expect(try await database.count("SELECT count(*) FROM enrolment.checkouts WHERE status = 'payment-failed'") == 1)
            }
        }
    }
}

/// Intervention plans (CAL): required before paying, checked by content and size, sealed at rest, readable by
/// the participant's guardians and the organisation's staff only.
@Suite struct EnrolmentDocumentTests {
    @Test func aRequiredPlanIsCheckedByContentSealedAndReadOnlyByItsPeople() async throws {
        let (parent, stranger) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering(capacity: 5)
            let withPlan = {
                var offering = course
                offering.documents = .init(interventionPlan: "required", acceptedTypes: ["application/pdf"], maximumBytes: 1_000)
                return offering
            }()
            let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: course.sellingOrganisationId, role: "staff")])
            try await withEvents(database) { events in
                try await events.publish(withPlan)
                try await events.verifiedAccount(parent, email: "parent@example.org")
            }
            let child = try await enrolment.execute(
                uri: "/v1/participants", method: .post, headers: bearer(parentToken, json: true),
                body: jsonBody(["firstName": "Noé", "lastName": "Roy", "birthDate": "2010-01-01"]))
            let line: [String: Any] = [
                "participantId": try #require(try child.json()["id"] as? String), "offeringId": course.offeringId.uuidString,
                "sessionId": course.sessions[0].sessionId.uuidString,
            ]
            let lineId = try #require(
                try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(parentToken, json: true), body: jsonBody(line))
                    .json()["id"] as? String)
            let checkoutBody = ["sellingOrganisationId": course.sellingOrganisationId.uuidString]
            #expect(
                try await postCheckout(enrolment, checkoutBody, token: parentToken).fieldErrors() == [
                    "lines[0].documents": "interventionPlanRequired"
                ])
            // The cart says what is asked, and that the missing plan would stop the checkout.
            func cartLine() async throws -> [String: Any] {
                try #require(
                    (try await enrolment.execute(uri: "/v1/cart", method: .get, headers: bearer(parentToken)).json()["lines"] as? [[String: Any]])?
                        .first)
            }
            let asked = try await cartLine()
            #expect((asked["interventionPlan"] as? [String: Any])?["asked"] as? String == "required")
            #expect((asked["interventionPlan"] as? [String: Any])?["maximumBytes"] as? Int == 1_000)
            #expect((asked["documents"] as? [Any])?.isEmpty == true)
            #expect((asked["problems"] as? [[String: Any]])?.contains { $0["code"] as? String == "interventionPlanRequired" } == true)

            func upload(_ bytes: [UInt8], declared: String, token: String? = nil) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/cart/lines/\(lineId)/documents/intervention-plan?schoolYear=2026-2027", method: .put,
                    headers: [.authorization: "Bearer \(token ?? parentToken)", .contentType: declared], body: ByteBuffer(bytes: bytes))
            }
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 50)
            try await upload(png, declared: "application/pdf").problem("/problems/unsupported-document", status: .unsupportedMediaType)
            let pdf = Array("%PDF-1.4 plan d'intervention de Noé".utf8)
            try await upload(pdf + Array(repeating: 0x20, count: 1_000), declared: "application/pdf")
                .problem("/problems/payload-too-large", status: .contentTooLarge)
            #expect(try await upload(pdf, declared: "application/pdf", token: strangerToken).status == .notFound)
            let uploaded = try await upload(pdf, declared: "image/png")
            #expect(uploaded.status == .created, "\(uploaded.text)")
            #expect(try uploaded.json()["contentType"] as? String == "application/pdf", "the content decides, not the header")
            let documentId = try #require(try uploaded.json()["id"] as? String)
            #expect(
                try await database.count("SELECT count(*) FROM enrolment.documents WHERE position('\\x25504446'::bytea in sealed) > 0") == 0,
                "sealed: no PDF header in the clear")
            #expect(try await database.count("SELECT count(*) FROM enrolment.documents") == 1)
            let attached = try await cartLine()
            #expect((attached["documents"] as? [[String: Any]])?.map { $0["id"] as? String } == [documentId])
            #expect((attached["problems"] as? [[String: Any]])?.contains { $0["code"] as? String == "interventionPlanRequired" } == false)

            let created = try await postCheckout(enrolment, checkoutBody, token: parentToken)
            #expect(created.status == .created, "\(created.text)")
            #expect(try await database.count("SELECT count(*) FROM enrolment.documents WHERE registration_id IS NOT NULL") == 1)

            func download(_ token: String) async throws -> TestResponse {
                try await enrolment.execute(uri: "/v1/documents/\(documentId)", method: .get, headers: bearer(token))
            }
            let mine = try await download(parentToken)
            #expect(mine.status == .ok && Array(mine.body.readableBytesView) == pdf)
            #expect(try await download(staffToken).status == .ok)
            #expect(try await download(strangerToken).status == .notFound)
            // Every opening is logged; the organisation's staff list the documents, its admin reads the log.
            #expect(
                try await database.count("SELECT count(*) FROM enrolment.document_reads") == 2, "the parent's and the staff's, not the stranger's")
            let seller = course.sellingOrganisationId.uuidString
            let listedForStaff = try await enrolment.execute(
                uri: "/v1/staff/organisations/\(seller)/documents", method: .get, headers: bearer(staffToken))
            #expect((try listedForStaff.json()["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [documentId], "\(listedForStaff.text)")
            #expect(
                try await enrolment.execute(uri: "/v1/staff/organisations/\(seller)/documents", method: .get, headers: bearer(strangerToken)).status
                    == .forbidden)
            let reads = "/v1/staff/organisations/\(seller)/document-reads"
            #expect(try await enrolment.execute(uri: reads, method: .get, headers: bearer(staffToken)).status == .forbidden, "staff, not admin")
            let organisationAdmin = try await TestKeys.shared.token(
                for: UUID(), roles: [.init(organisationId: course.sellingOrganisationId, role: "admin")])
            let log = try #require(
                try await enrolment.execute(uri: reads, method: .get, headers: bearer(organisationAdmin)).json()["items"] as? [[String: Any]])
            #expect(log.count == 2 && log.allSatisfy { $0["documentId"] as? String == documentId })
            #expect(log.last?["readerName"] as? String != nil, "the parent's name, from their contact")

            // Later, from the registration ("Dépôt de documents").
            let registration = try #require(
                (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken))
                    .json()["items"] as? [[String: Any]])?.first?["id"] as? String)
            let later = try await enrolment.execute(
                uri: "/v1/registrations/\(registration)/documents/intervention-plan?schoolYear=2027-2028", method: .post,
                headers: [.authorization: "Bearer \(parentToken)", .contentType: "application/pdf"], body: ByteBuffer(bytes: pdf))
            #expect(later.status == .created, "\(later.text)")
            #expect(try later.json()["schoolYear"] as? String == "2027-2028")
            // Both plans listed with the registration, the one from the cart first; another family sees none of it.
            let listed = try #require(
                (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken))
                    .json()["items"] as? [[String: Any]])?.first)
            #expect((listed["documents"] as? [[String: Any]])?.count == 2)
            #expect((listed["documents"] as? [[String: Any]])?.first?["id"] as? String == documentId)
            #expect((listed["interventionPlan"] as? [String: Any])?["asked"] as? String == "required")
            #expect(
                (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(strangerToken)).json()["items"] as? [Any])?
                    .isEmpty == true)
        }
    }
}

extension TestDatabase {
    func execute(_ sql: String) async throws {
        try await TestDatabase.admin(database: name) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        }
    }

    /// The payload of the first event of `routingKey` in enrolment's outbox.
    func outboxPayload(_ routingKey: String, schema: String = "enrolment") async throws -> String {
        try await TestDatabase.admin(database: name) { connection in
            try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT convert_from(payload, 'UTF8') FROM \(schema).outbox WHERE routing_key = '\(routingKey)' ORDER BY position LIMIT 1"),
                logger: TestEnvironment.logger
            ).collect().first!.decode(String.self)
        }
    }
}
