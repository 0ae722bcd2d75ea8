import Contracts
import DomainKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Enrolment
@testable import Payment
@testable import SandboxProcessor

/// Payment plans against a real PostgreSQL, RabbitMQ and the sandbox processor: the deposit charged at checkout with
/// the card saved, each instalment charged once on its date, a refusal tried again and told, a cancellation that
/// stops what is unpaid, and a refund spread over what the registration paid.
@Suite struct PaymentPlanTests {
    /// A checkout of one line on a plan: its deposit now, then its instalments.
    static func planCheckout(
        seller: UUID, payer: CheckoutEvent.Payer, price: Int64, deposit: Int64, dates: [String], holdExpiresAt: Date
    ) -> CheckoutEvent {
        var checkout = checkoutEvent(seller: seller, payer: payer, lines: [(UUID(), "Émile Tremblay", price)], holdExpiresAt: holdExpiresAt)
        let parts = PaymentPlanTerms(deposit: .init(amountCents: deposit), instalmentDates: dates).split(totalCents: price, today: "2027-01-01")!
        let lines = checkout.lines[0].split(parts)
        checkout.lines[0] = lines[0]
        checkout.instalments = zip(dates, lines.dropFirst()).map { .init(instalmentId: UUID(), dueDate: $0, line: $1) }
        checkout.total = .init(amountCents: parts[0])
        return checkout
    }

    @Test func theSplitGivesTheRoundingToTheLastInstalmentAndAShareKeepsTheLinesProportions() {
        let plan = PaymentPlanTerms(deposit: .init(amountCents: 30_000), instalmentDates: ["2027-02-01", "2027-03-01", "2027-04-01"])
        #expect(plan.split(totalCents: 120_001, today: "2027-01-15") == [30_000, 30_000, 30_000, 30_001])
        #expect(plan.split(totalCents: 30_000, today: "2027-01-15") == nil, "nothing left to spread")
        #expect(plan.split(totalCents: 120_000, today: "2027-02-01") == nil, "the first date has come: paid in full")
        let taxed = CheckoutEvent.Line(
            registrationId: UUID(), participantId: UUID(), participantName: "Léa", offeringId: UUID(), offeringCode: "SKI",
            offeringTitle: .init(fr: "Ski", en: "Ski"), sessionId: UUID(), unitPrice: .init(amountCents: 10_000), items: [],
            taxes: [
                .init(code: "GST", name: .init(fr: "TPS", en: "GST"), percent: "5", amount: .init(amountCents: 500)),
                .init(code: "QST", name: .init(fr: "TVQ", en: "QST"), percent: "9.975", amount: .init(amountCents: 998)),
            ], subtotal: .init(amountCents: 10_000), releve24: false)
        let share = taxed.share(2_875, part: .init(number: 1, count: 3))
        #expect(share.totalCents == 2_875)
        #expect(share.taxes.map(\.amount.amountCents) == [125, 250])
        #expect(share.planPart == .init(number: 1, count: 3))
        // Cut in parts, the taxes add up to the line's to the cent; each part's total is what it charges.
        let parts = taxed.split([3_833, 3_833, 3_832])
        #expect(parts.map(\.totalCents) == [3_833, 3_833, 3_832])
        #expect(parts.map(\.planPart?.number) == [0, 1, 2])
        for tax in 0..<2 {
            #expect(parts.reduce(0) { $0 + $1.taxes[tax].amount.amountCents } == taxed.taxes[tax].amount.amountCents)
        }
    }

    @Test func aPlanChargesItsDepositThenEachInstalmentOnceRetriesARefusalAndStopsAtCancellation() async throws {
        let (seller, parent) = (UUID(), UUID())
        let clock = ManualWallClock(CalendarDate("2027-01-04")!.noon)
        // Valid while the service's clock runs through the plan's dates.
        let token = try await TestKeys.shared.token(for: parent, issuedAt: clock.now(), lifetime: 100 * 86_400)
        let stranger = try await TestKeys.shared.token(for: UUID(), issuedAt: clock.now(), lifetime: 100 * 86_400)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, clock: clock, environment: sandbox.environment) { payment, database in
                let dates = ["2027-02-01", "2027-03-01"]
                // Émile's plan is paid with a card that charges later too; Léa's with one refused once the payer is gone.
                let emile = Self.planCheckout(
                    seller: seller, payer: .init(accountId: parent, email: "plan@example.org", name: "Mary Smith", language: "en"), price: 120_000,
                    deposit: 30_000, dates: dates, holdExpiresAt: clock.now() + 900)
                let lea = Self.planCheckout(
                    seller: seller, payer: .init(accountId: parent, email: "refused@example.org", name: "Mary Smith", language: "en"),
                    price: 50_000, deposit: 10_000, dates: dates, holdExpiresAt: clock.now() + 900)
                try await withEvents(database) { events in
                    try await events.organisation(seller, shortCode: "CAMP")
                    try await events.checkout(emile)
                    try await events.checkout(lea)
                }
                let deposit = try await pay(payment, checkout: emile.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                #expect(deposit.status == .created, "\(deposit.text)")
                #expect(((try deposit.json()["amount"] as? [String: Any])?["amountCents"] as? Int) == 30_000, "the deposit only: \(deposit.text)")
                let leaDeposit = try await pay(payment, checkout: lea.checkoutId, token: try await sandbox.token("4000000000000341"), bearer: token)
                #expect(try leaDeposit.json()["status"] as? String == "succeeded", "\(leaDeposit.text)")
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM payment.instalments WHERE status = 'scheduled' AND payment_method LIKE 'pm\\_%' AND attempts = 0") == 4,
                    "the saved card's id, never its number")
                _ = try await database.mailbox.waitForMail(to: "refused@example.org")

                let listed = try await payment.execute(uri: "/v1/me/instalments", method: .get, headers: bearer(token)).json()
                let items = try #require(listed["items"] as? [[String: Any]])
                #expect(items.map { $0["dueDate"] as? String } == ["2027-02-01", "2027-02-01", "2027-03-01", "2027-03-01"])
                #expect(
                    Set(items.map { ($0["amount"] as? [String: Any])?["amountCents"] as? Int }) == [45_000, 20_000],
                    "the rest in equal parts: \(items)")
                #expect(items.allSatisfy { $0["status"] as? String == "scheduled" && $0["count"] as? Int == 2 })
                #expect(
                    (try await payment.execute(uri: "/v1/me/instalments", method: .get, headers: bearer(stranger)).json()["items"] as? [Any])?.isEmpty
                        == true)
                // A hold's expiry heard after the deposit was charged (a late payment) stops nothing: it is about the hold.
                try await withEvents(database) { events in
                    try await events.send(
                        EventName.registrationExpired, from: "enrolment",
                        RegistrationEvent(
                            registrationId: emile.lines[0].registrationId, version: 2, participantId: emile.lines[0].participantId,
                            offeringId: emile.lines[0].offeringId, sessionId: emile.lines[0].sessionId, guardianAccountIds: [parent],
                            checkoutId: emile.checkoutId))
                }
                try await eventually("the expiry is heard") {
                    try await database.count("SELECT count(*) FROM payment.inbox WHERE type LIKE '%registration.expired%'") == 1
                }
                #expect(try await database.count("SELECT count(*) FROM payment.instalments WHERE status = 'scheduled'") == 4)
                let emileFirst = try #require(emile.instalments?[0].instalmentId)
                let leaFirst = try #require(lea.instalments?[0].instalmentId)
                let leaSecond = try #require(lea.instalments?[1].instalmentId)
                func instalment(_ id: UUID) -> String { "payment.instalments WHERE id = '\(id.uuidString.lowercased())'" }

                // Three days before the first date, each family is told once which card will be charged, and for what.
                clock.set(CalendarDate("2027-01-29")!.noon)
                let reminder = try await database.mailbox.waitForMail(to: "plan@example.org", count: 2)
                #expect(reminder.subject == "Upcoming instalment: $450.00 on February 1, 2027 for Émile Tremblay", "\(reminder.subject)")
                #expect(reminder.text.contains("VISA •••• 4242") && reminder.text.contains("/versements/"), "\(reminder.text)")
                _ = try await database.mailbox.waitForMail(to: "refused@example.org", count: 2)
                clock.set(CalendarDate("2027-01-30")!.noon)
                try await Task.sleep(for: .milliseconds(500))
                #expect(try database.mailbox.mails(to: "plan@example.org").count == 2, "reminded once")

                // The first date: Émile's saved card pays, Léa's is refused, and she is told when it is tried again.
                clock.set(CalendarDate("2027-02-01")!.noon)
                try await eventually("the first instalments are charged") {
                    let paid = try await database.count("SELECT count(*) FROM \(instalment(emileFirst)) AND status = 'paid'")
                    let refused = try await database.count(
                        "SELECT count(*) FROM \(instalment(leaFirst)) AND attempts = 1 AND next_attempt_at IS NOT NULL")
                    return paid == 1 && refused == 1
                }
                let receipt = try await database.mailbox.waitForMail(to: "plan@example.org", count: 3)
                #expect(receipt.text.contains("$450.00"), "the instalment's receipt: \(receipt.text)")
                let told = try await database.paymentEvents(EventName.instalmentPaid)
                #expect(told.count == 1)
                #expect((told.first?["registrationId"] as? String)?.lowercased() == emile.lines[0].registrationId.uuidString.lowercased())
                #expect((told.first?["checkoutId"] as? String)?.lowercased() == emile.checkoutId.uuidString.lowercased())
                #expect(try await database.paymentEvents(EventName.chargeFailed).isEmpty, "no seat to release")
                let refused = try await database.mailbox.waitForMail(to: "refused@example.org", count: 3)
                #expect(refused.subject == "Instalment declined: $200.00 for Émile Tremblay", "\(refused.subject)")
                #expect(refused.text.contains("We will try again on February 2, 2027"), "\(refused.text)")
                #expect(refused.text.contains("VISA •••• 0341") && refused.text.contains("/versements/\(leaFirst.uuidString.lowercased())/payer"))

                // Tried again 1, 3 and 7 days later; then it waits for the family.
                for (day, attempts) in [("2027-02-02", 2), ("2027-02-05", 3), ("2027-02-12", 4)] {
                    clock.set(CalendarDate(day)!.noon)
                    try await eventually("try \(attempts)") {
                        try await database.count("SELECT count(*) FROM \(instalment(leaFirst)) AND attempts = \(attempts)") == 1
                    }
                    _ = try await database.mailbox.waitForMail(to: "refused@example.org", count: attempts + 2)
                }
                #expect(
                    try await database.count("SELECT count(*) FROM \(instalment(leaFirst)) AND status = 'failed' AND next_attempt_at IS NULL") == 1)
                let last = try await database.mailbox.waitForMail(to: "refused@example.org", count: 6)
                #expect(last.text.contains("We will not try again"), "\(last.text)")

                // The family pays it with another card: once, whatever the clicks.
                func payInstalment(_ id: UUID, key: String, cardToken: String, as accessToken: String) async throws -> TestResponse {
                    var headers = bearer(accessToken, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    return try await payment.execute(
                        uri: "/v1/me/instalments/\(id.uuidString.lowercased())/payments", method: .post, headers: headers,
                        body: jsonBody(["cardToken": cardToken, "billingAddress": billingAddress]))
                }
                try await payInstalment(leaFirst, key: UUID().uuidString, cardToken: try await sandbox.token("4242424242424242"), as: stranger)
                    .problem("/problems/not-found", status: .notFound)
                let (key, cardToken) = (UUID().uuidString, try await sandbox.token("4242424242424242"))
                let paid = try await payInstalment(leaFirst, key: key, cardToken: cardToken, as: token)
                #expect(paid.status == .created, "\(paid.text)")
                let paidId = try #require(try paid.json()["id"] as? String)
                #expect(try await payInstalment(leaFirst, key: key, cardToken: cardToken, as: token).json()["id"] as? String == paidId)
                try await payInstalment(leaFirst, key: UUID().uuidString, cardToken: try await sandbox.token("4242424242424242"), as: token)
                    .problem("/problems/instalment-already-paid", status: .conflict)
                #expect(try await database.count("SELECT count(*) FROM \(instalment(leaFirst)) AND status = 'paid'") == 1)
                #expect(try await database.paymentEvents(EventName.instalmentPaid).count == 2)

                // Léa's registration is cancelled: her last instalment is never charged nor payable.
                try await withEvents(database) { events in
                    try await events.send(
                        EventName.registrationCancelled, from: "enrolment",
                        RegistrationEvent(
                            registrationId: lea.lines[0].registrationId, version: 3, participantId: lea.lines[0].participantId,
                            offeringId: lea.lines[0].offeringId, sessionId: lea.lines[0].sessionId, guardianAccountIds: [parent],
                            checkoutId: lea.checkoutId))
                }
                try await eventually("her unpaid instalment is cancelled") {
                    try await database.count("SELECT count(*) FROM \(instalment(leaSecond)) AND status = 'cancelled'") == 1
                }
                try await payInstalment(leaSecond, key: UUID().uuidString, cardToken: try await sandbox.token("4242424242424242"), as: token)
                    .problem("/problems/instalment-cancelled", status: .conflict)
                clock.set(CalendarDate("2027-03-01")!.noon)
                try await eventually("Émile's second instalment is charged") {
                    try await database.count("SELECT count(*) FROM payment.instalments WHERE status = 'paid'") == 3
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(
                    try await database.count("SELECT count(*) FROM payment.payments WHERE checkout_id = '\(leaSecond.uuidString.lowercased())'") == 0)
                // Each instalment was charged once; the days of care are counted once per registration.
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM (SELECT checkout_id FROM payment.payments WHERE status = 'succeeded' GROUP BY checkout_id HAVING count(*) > 1) twice"
                    ) == 0)
                #expect(try await database.count("SELECT count(*) FROM payment.payments WHERE status = 'succeeded'") == 5)
                let statement = try await payment.execute(uri: "/v1/me/statement?year=2027", method: .get, headers: bearer(token)).json()
                #expect(((statement["paid"] as? [String: Any])?["amountCents"] as? Int) == 30_000 + 10_000 + 45_000 + 20_000 + 45_000, "\(statement)")

                // Émile's registration cancelled with 1,000 $ to give back: his instalments first, then his deposit.
                let request = RefundRequestedEvent(
                    refundRequestId: UUID(), version: 1, registrationId: emile.lines[0].registrationId, checkoutId: emile.checkoutId,
                    amount: .init(amountCents: 100_000), reason: "cancelled-by-guardian")
                try await withEvents(database) { events in
                    try await events.send(EventName.refundRequested, from: "enrolment", request)
                    try await events.send(EventName.refundRequested, from: "enrolment", request)
                }
                try await eventually("the refund is spread over what he paid") {
                    try await database.count("SELECT count(*) FROM payment.refunds WHERE status = 'succeeded'") == 3
                }
                // Heard twice, perhaps at once: answered once.
                try await eventually("both deliveries are consumed") {
                    try await database.count("SELECT count(*) FROM payment.inbox WHERE type LIKE '%refund.requested%'") == 2
                }
                #expect(try await database.count("SELECT count(*) FROM payment.refunds") == 3)
                #expect(try await database.count("SELECT coalesce(sum(amount_cents), 0)::int FROM payment.refunds") == 100_000)
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM payment.refunds f JOIN payment.payments p ON p.id = f.payment_id WHERE p.checkout_id = '\(emile.checkoutId.uuidString.lowercased())' AND f.amount_cents = 10000"
                    ) == 1, "the deposit gives the last 100 $")
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM payment.refunds WHERE refund_request_id = '\(request.refundRequestId.uuidString.lowercased())'")
                        == 3, "each part answers the request")
                // The parts settle one at a time: only the last says the request is complete, with the three together.
                let parts = try await database.paymentEvents(EventName.refundCompleted)
                #expect(parts.filter { $0["requestComplete"] as? Bool == false }.count == 2, "\(parts)")
                let lastPart = try #require(parts.first { $0["requestComplete"] as? Bool == true })
                #expect((lastPart["requestRefunded"] as? [String: Any])?["amountCents"] as? Int == 100_000)
            }
        }
    }

    /// Enrolment offers the plan the offering allows on the cart line, charges the deposit at checkout when the family
    /// chooses it, counts paid instalments, and decides a cancellation's refund on what was paid.
    @Test func aFamilyChoosesThePlanAtCheckoutAndACancellationRefundsWhatWasPaid() async throws {
        let account = UUID()
        let token = try await TestKeys.shared.token(for: account)
        try await withService(EnrolmentService.self) { enrolment, database in
            let dates = [CalendarDate(Date()).adding(days: 30).description, CalendarDate(Date()).adding(days: 60).description]
            let offering = {
                var offering = openOffering(priceCents: 120_000, refundPolicy: .init(kind: "full-before-start", administrationFee: nil))
                offering.paymentPlan = .init(deposit: .init(amountCents: 30_000), instalmentDates: dates)
                return offering
            }()
            try await withEvents(database) { events in
                try await events.publish(offering)
                try await events.verifiedAccount(account, email: "plan@example.org")
                let child = try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["firstName": "Noé", "lastName": "Tremblay", "birthDate": "2016-02-03"]))
                let participant = try #require(try child.json()["id"] as? String)
                let added = try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(token, json: true),
                    body: jsonBody([
                        "participantId": participant, "offeringId": offering.offeringId.uuidString,
                        "sessionId": offering.sessions[0].sessionId.uuidString,
                    ]))
                #expect(added.status == .created, "\(added.text)")
                let offered = try #require((try added.json()["price"] as? [String: Any])?["paymentPlan"] as? [String: Any])
                #expect((offered["deposit"] as? [String: Any])?["amountCents"] as? Int == 30_000)
                #expect((offered["instalments"] as? [[String: Any]])?.map { $0["dueDate"] as? String } == dates)
                #expect(
                    (offered["instalments"] as? [[String: Any]])?.map { ($0["amount"] as? [String: Any])?["amountCents"] as? Int } == [
                        45_000, 45_000,
                    ])

                let created = try await postCheckout(
                    enrolment, ["sellingOrganisationId": offering.sellingOrganisationId.uuidString, "paymentPlan": true], token: token)
                #expect(created.status == .created, "\(created.text)")
                let checkout = try created.json()
                let checkoutId = try #require(checkout["id"] as? String)
                #expect((checkout["total"] as? [String: Any])?["amountCents"] as? Int == 30_000, "the deposit is charged now")
                let line = try #require((checkout["lines"] as? [[String: Any]])?.first)
                #expect(((line["paymentPlan"] as? [String: Any])?["total"] as? [String: Any])?["amountCents"] as? Int == 120_000)
                let announced = try #require(try await database.enrolmentEvents(EventName.checkoutRequested).first)
                #expect((announced["instalments"] as? [[String: Any]])?.count == 2)
                #expect(((announced["lines"] as? [[String: Any]])?.first?["planPart"] as? [String: Any])?["number"] as? Int == 0)
                #expect(
                    try await database.count("SELECT count(*) FROM enrolment.registrations WHERE amount_cents = 120000 AND deposit_cents = 30000")
                        == 1)

                try await events.charge(checkoutId, amountCents: 30_000, succeeded: true)
                try await eventually("the registration is confirmed") {
                    try await database.count("SELECT count(*) FROM enrolment.registrations WHERE status = 'confirmed'") == 1
                }
                let registration = try #require(
                    (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]])?
                        .first?["id"] as? String)
                // The first instalment paid, heard twice: counted once.
                let instalmentId = try #require((announced["instalments"] as? [[String: Any]])?.first?["instalmentId"] as? String)
                let paid = InstalmentPaidEvent(
                    instalmentId: UUID(uuidString: instalmentId)!, version: 2, checkoutId: UUID(uuidString: checkoutId)!,
                    registrationId: UUID(uuidString: registration)!, paymentId: UUID(), receiptNumber: "CAMP-2027-000002",
                    amount: .init(amountCents: 45_000))
                try await events.send(EventName.instalmentPaid, from: "payment", paid)
                try await events.send(EventName.instalmentPaid, from: "payment", paid)
                try await eventually("both are consumed") {
                    let consumed = try await database.count("SELECT count(*) FROM enrolment.inbox WHERE type LIKE '%instalment.paid%'")
                    let kept = try await database.count("SELECT count(*) FROM enrolment.instalments_paid")
                    return consumed >= 1 && kept == 1
                }
                let quote = try await enrolment.execute(
                    uri: "/v1/registrations/\(registration)/cancellation", method: .get, headers: bearer(token)
                ).json()
                #expect(((quote["refund"] as? [String: Any])?["amountCents"] as? Int) == 75_000, "the deposit and the paid instalment: \(quote)")
                let cancelled = try await enrolment.execute(
                    uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(token))
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                let asked = try #require(try await database.enrolmentEvents(EventName.refundRequested).first)
                #expect((asked["amount"] as? [String: Any])?["amountCents"] as? Int == 75_000)
                #expect((asked["checkoutId"] as? String)?.lowercased() == checkoutId.lowercased())
                #expect(try await database.enrolmentEvents(EventName.registrationCancelled).count == 1, "payment hears it and stops the plan")
                // Payment answers in two parts (the instalment's payment, then the deposit's), heard here in the other
                // order: the request is complete, with both parts' amount.
                let requestText = try #require(asked["refundRequestId"] as? String)
                let requestId = try #require(UUID(uuidString: requestText))
                for (amount, soFar, last) in [(Int64(30_000), Int64(75_000), true), (45_000, 45_000, false)] {
                    try await events.send(
                        EventName.refundCompleted, from: "payment",
                        RefundCompletedEvent(
                            refundId: UUID(), version: 2, paymentId: UUID(), checkoutId: UUID(uuidString: checkoutId)!,
                            registrationIds: [UUID(uuidString: registration)!], amount: .init(amountCents: amount), refundRequestId: requestId,
                            requestComplete: last, requestRefunded: .init(amountCents: soFar)))
                    try await eventually("the part of \(amount) is heard") {
                        try await database.count("SELECT count(*) FROM enrolment.inbox WHERE type LIKE '%refund.completed%'") == (last ? 1 : 2)
                    }
                }
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM enrolment.refund_requests WHERE refunded_cents = 75000 AND status = 'completed'") == 1)
                // The second instalment charged as the cancellation crossed it: asked back whole.
                let lastInstalment = try #require((announced["instalments"] as? [[String: Any]])?.last?["instalmentId"] as? String)
                let late = InstalmentPaidEvent(
                    instalmentId: UUID(uuidString: lastInstalment)!,
                    version: 2, checkoutId: UUID(uuidString: checkoutId)!, registrationId: UUID(uuidString: registration)!, paymentId: UUID(),
                    receiptNumber: "CAMP-2027-000003", amount: .init(amountCents: 45_000))
                try await events.send(EventName.instalmentPaid, from: "payment", late)
                try await eventually("the late instalment is asked back") {
                    try await database.count(
                        "SELECT count(*) FROM enrolment.refund_requests WHERE amount_cents = 45000 AND reason = 'registration-cancelled'") == 1
                }
            }
        }
    }
}
