import Contracts
import DomainKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import ServiceKit
import Testing

@testable import Payment

/// Relevé 24 slips against a real PostgreSQL, RabbitMQ and the sandbox processor: what each payer paid, net of
/// refunds, issued with numbers from the preparer's range, amended and cancelled by new slips; the payer's
/// social insurance number sealed, masked, and in no log, event, mail or table but sealed.
@Suite struct Releve24Tests {
    static let motherNumber = "130 692 544"
    static let fatherNumber = "271-938-458"
    static let correctedNumber = "193 456 787"

    /// Quebec time on the given day at noon.
    static func day(_ text: String) -> Date { CalendarDate(text)!.noon }

    static func line(_ participant: UUID, _ name: String, seat: Int64, items: Int64 = 0, releve24: Bool = true) -> CheckoutEvent.Line {
        CheckoutEvent.Line(
            registrationId: UUID(), participantId: participant, participantName: name, offeringId: UUID(), offeringCode: "CAMP-2025",
            offeringTitle: .init(fr: "Camp de jour", en: "Day camp"), sessionId: UUID(), unitPrice: .init(amountCents: seat),
            items: items == 0
                ? []
                : [
                    .init(
                        itemId: UUID(), name: .init(fr: "Sortie", en: "Outing"), date: "2025-07-09", quantity: 1, unitPrice: .init(amountCents: items)
                    )
                ],
            taxes: [], subtotal: .init(amountCents: seat + items), releve24: releve24, participantBirthDate: "2018-04-02",
            sessionStartDate: "2025-07-07", sessionEndDate: "2025-07-11")
    }

    static func ints(_ json: [String: Any]) -> [String: Int] { json.compactMapValues { $0 as? Int } }

    @Test func separatedGuardiansRefundsAcrossYearsAmendmentsAndCancellations() async throws {
        let (seller, otherSeller, mother, father, admin) = (UUID(), UUID(), UUID(), UUID(), UUID())
        let (childX, childY) = (UUID(), UUID())
        let clock = ManualWallClock(Self.day("2025-06-16"))
        let logs = CapturedLogs()
        // Tokens are minted at the service's time (the second factor must be recent at that time).
        @Sendable func token(_ account: UUID, roles: [OrganisationRole] = []) async throws -> String {
            try await TestKeys.shared.token(for: account, roles: roles, issuedAt: clock.now(), lifetime: 3600)
        }
        @Sendable func staff() async throws -> String { try await token(admin, roles: [.init(organisationId: seller, role: "admin")]) }
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, clock: clock, environment: sandbox.environment, logger: logs.logger) { payment, database in
                func call(
                    _ method: HTTPRequest.Method, _ uri: String, _ accessToken: String, _ body: [String: Any]? = nil
                ) async throws -> TestResponse {
                    var headers = bearer(accessToken, json: body != nil)
                    headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                    return try await payment.execute(uri: uri, method: method, headers: headers, body: body.map(jsonBody))
                }
                let motherLines = [
                    Self.line(childX, "Léa Gagnon", seat: 34_000, items: 6_000), Self.line(childY, "Noé Gagnon", seat: 20_000),
                    Self.line(childX, "Léa Gagnon", seat: 5_000, releve24: false),
                ]
                let motherCheckout = CheckoutEvent(
                    checkoutId: UUID(), version: 1, sellingOrganisationId: seller,
                    payer: .init(accountId: mother, email: "mere@example.org", name: "Marie Gagnon", language: "fr"), lines: motherLines,
                    total: .init(amountCents: 65_000), holdExpiresAt: clock.now() + 900)
                let fatherCheckout = CheckoutEvent(
                    checkoutId: UUID(), version: 1, sellingOrganisationId: seller,
                    payer: .init(accountId: father, email: "pere@example.org", name: "Paul Tremblay", language: "en"),
                    lines: [Self.line(childX, "Léa Gagnon", seat: 30_000)], total: .init(amountCents: 30_000), holdExpiresAt: clock.now() + 900)
                try await withEvents(database) { events in
                    try await events.send(
                        EventName.organisationCreated, from: "catalogue",
                        OrganisationEvent(
                            organisationId: seller, version: 1, parentId: nil, kind: "municipality", shortCode: "BAIE",
                            name: .init(fr: "Ville de Baie-Comeau", en: "City of Baie-Comeau"),
                            address: .init(street: "19, avenue Marquette", city: "Baie-Comeau", province: "QC", postalCode: "G4Z 1K5"),
                            enterpriseNumber: "1234567890"))
                    try await events.checkout(motherCheckout)
                    try await events.checkout(fatherCheckout)
                    // The mother agreed to receive her documents by email (identity's ledger); the father did not.
                    try await events.send(
                        EventName.consentChanged, from: "identity",
                        ConsentChangedEvent(
                            accountId: mother, version: 3, purpose: "electronic-documents", given: true, textVersion: 1, changedAt: clock.now()))
                }
                try await eventually("payment knows the organisation and the consent") {
                    let consents = try await database.count("SELECT count(*) FROM payment.electronic_delivery_consents WHERE given")
                    let addresses = try await database.count("SELECT count(*) FROM payment.organisations WHERE details ? 'address'")
                    return consents == 1 && addresses == 1
                }
                let motherPayment = try await pay(
                    payment, checkout: motherCheckout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: try await token(mother)
                ).json()
                let fatherPayment = try await pay(
                    payment, checkout: fatherCheckout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: try await token(father)
                ).json()
                #expect(motherPayment["status"] as? String == "succeeded" && fatherPayment["status"] as? String == "succeeded")
                let motherPaymentId = try #require(motherPayment["id"] as? String)
                // A refund the same summer, of part of Léa's camp.
                let firstRefund = try await call(
                    .post, "/v1/payments/\(motherPaymentId)/refunds", try await staff(),
                    ["amountCents": 10_000, "reason": "Une semaine annulée", "registrationIds": [motherLines[0].registrationId.uuidString]])
                #expect(firstRefund.status == .accepted, "\(firstRefund.text)")
                // The father cancels Léa's week: enrolment's policy refunds all but a 50 $ fee. No care was given.
                try await withEvents(database) { events in
                    try await events.send(
                        EventName.refundRequested, from: "enrolment",
                        RefundRequestedEvent(
                            refundRequestId: UUID(), version: 1, registrationId: fatherCheckout.lines[0].registrationId,
                            checkoutId: fatherCheckout.checkoutId, amount: .init(amountCents: 25_000), reason: "cancelled-by-guardian"))
                }
                try await eventually("both refunds completed") { try await database.paymentEvents(EventName.refundCompleted).count == 2 }

                // The payer's number: checked, kept sealed, shown masked.
                try await call(.put, "/v1/me/tax-number", try await token(mother), ["taxNumber": "123 456 789"])
                    .problem("/problems/validation", status: .unprocessableContent)
                #expect(try await call(.get, "/v1/me/tax-number", try await token(mother)).status == .notFound)
                let saved = try await call(.put, "/v1/me/tax-number", try await token(mother), ["taxNumber": Self.motherNumber])
                #expect(try saved.json()["masked"] as? String == "*** *** 544", "\(saved.text)")

                // January: the year's drafts.
                clock.set(Self.day("2026-01-20"))
                let year: [String: Any] = ["organisationId": seller.uuidString, "year": 2025]
                try await call(
                    .post, "/v1/staff/releve24/generations", try await token(UUID(), roles: [.init(organisationId: otherSeller, role: "admin")]), year
                )
                .problem("/problems/forbidden", status: .forbidden)
                let generated = try await call(.post, "/v1/staff/releve24/generations", try await staff(), year)
                #expect(
                    try Self.ints(generated.json())
                        == ["originals": 3, "amendments": 0, "cancellations": 0, "waitingForTaxNumber": 1], "\(generated.text)")
                let drafts = try await call(.get, "/v1/staff/releve24?organisation=\(seller)&year=2025&status=draft", try await staff()).json()
                let draftItems = try #require(drafts["items"] as? [[String: Any]])
                func amounts(_ slip: [String: Any]) -> [Int] {
                    ["feesPaid", "notEligible", "eligible"].map { (slip[$0] as? [String: Any])?["amountCents"] as? Int ?? -1 } + [
                        slip["careDays"] as? Int ?? -1
                    ]
                }
                let byPayerAndChild = Dictionary(
                    uniqueKeysWithValues: draftItems.map {
                        (
                            "\((($0["payer"] as? [String: Any])?["name"] as? String) ?? "") \((($0["participant"] as? [String: Any])?["name"] as? String) ?? "")",
                            amounts($0)
                        )
                    })
                // Each guardian's own payments; a refund reduces box C and box D in proportion; the non-childcare line is not
                // there; the cancelled week's fee was paid but is not childcare (box D), and counts no day.
                #expect(
                    byPayerAndChild == [
                        "Marie Gagnon Léa Gagnon": [30_000, 4_500, 25_500, 5], "Marie Gagnon Noé Gagnon": [20_000, 0, 20_000, 5],
                        "Paul Tremblay Léa Gagnon": [5_000, 5_000, 0, 0],
                    ], "\(byPayerAndChild)")

                // Issuing needs the preparer's number and range, set by an organisation's admin.
                try await call(.post, "/v1/staff/releve24/issues", try await staff(), year)
                    .problem("/problems/releve24-no-preparer", status: .conflict)
                let clerk = try await token(UUID(), roles: [.init(organisationId: seller, role: "staff")])
                #expect(
                    try await call(
                        .put, "/v1/staff/releve24/preparers/\(seller)", clerk,
                        ["preparerNumber": "NP123456", "firstSequence": 10_000_000, "lastSequence": 10_000_001]
                    ).status == .forbidden)
                let badPreparer = try await call(
                    .put, "/v1/staff/releve24/preparers/\(seller)", try await staff(),
                    ["preparerNumber": "NP12345", "firstSequence": 10_000_000, "lastSequence": 999])
                #expect(try badPreparer.fieldErrors() == ["preparerNumber": "invalid", "lastSequence": "invalid"], "\(badPreparer.text)")
                let preparer = try await call(
                    .put, "/v1/staff/releve24/preparers/\(seller)", try await staff(),
                    ["preparerNumber": "np 123456", "firstSequence": 10_000_000, "lastSequence": 10_000_001])
                #expect(try preparer.json()["preparerNumber"] as? String == "NP123456", "\(preparer.text)")
                let issued = try await call(.post, "/v1/staff/releve24/issues", try await staff(), year)
                #expect(try Self.ints(issued.json()) == ["issued": 2, "waitingForTaxNumber": 1], "\(issued.text)")
                let issuedEvents = try await database.paymentEvents(EventName.releve24Issued)
                #expect(
                    Set(issuedEvents.compactMap { $0["number"] as? String })
                        == [String(Releve24.slipNumber(sequence: 10_000_000)), String(Releve24.slipNumber(sequence: 10_000_001))])
                #expect(Releve24.slipNumber(sequence: 10_000_000) == 100_000_003, "the ninth digit is the sequence modulo 7")
                // The mother consented: her two slips are mailed (a link); the father is told, in English, why he has none.
                // (Among their payment and refund mails.)
                func askedForNumber() throws -> [ReceivedMail] {
                    try database.mailbox.mails(to: "pere@example.org").filter { $0.subject.contains("social insurance number") }
                }
                func motherSlips() throws -> [ReceivedMail] {
                    try database.mailbox.mails(to: "mere@example.org").filter { $0.subject.contains("relevé 24") }
                }
                try await eventually("the father is asked for his number") { try !askedForNumber().isEmpty }
                let fatherMail = try #require(try askedForNumber().first)
                #expect(fatherMail.text.contains("/compte/numero-assurance-sociale") && fatherMail.text.contains("Léa Gagnon"))
                try await eventually("the mother's two slips are mailed") { try motherSlips().count >= 2 }
                let motherMails = try motherSlips()
                #expect(motherMails.count == 2 && motherMails.allSatisfy { $0.text.contains("/releves-24/") }, "\(motherMails.map(\.subject))")
                let again = try await call(.post, "/v1/staff/releve24/issues", try await staff(), year)
                #expect(try Self.ints(again.json()) == ["issued": 0, "waitingForTaxNumber": 1])
                #expect(try askedForNumber().count == 1, "told once per organisation and year")

                // The father gives his number: his slip is issued from a new range once the first is used up.
                #expect(try await call(.put, "/v1/me/tax-number", try await token(father), ["taxNumber": Self.fatherNumber]).status == .ok)
                #expect(try await call(.post, "/v1/staff/releve24/generations", try await staff(), year).json()["originals"] as? Int == 1)
                try await call(.post, "/v1/staff/releve24/issues", try await staff(), year)
                    .problem("/problems/releve24-range-exhausted", status: .conflict)
                #expect(
                    try await call(
                        .put, "/v1/staff/releve24/preparers/\(seller)", try await staff(),
                        ["preparerNumber": "NP123456", "firstSequence": 10_000_010, "lastSequence": 10_000_020]
                    ).json()["nextSequence"] as? Int == 10_000_010)
                #expect(try await call(.post, "/v1/staff/releve24/issues", try await staff(), year).json()["issued"] as? Int == 1)

                // February of the next year: Noé's camp refunded in full, Léa's in part. The 2025 slips change by new slips.
                clock.set(Self.day("2026-02-10"))
                for (cents, registration) in [(20_000, motherLines[1].registrationId), (5_000, motherLines[0].registrationId)] {
                    let refund = try await call(
                        .post, "/v1/payments/\(motherPaymentId)/refunds", try await staff(),
                        ["amountCents": cents, "reason": "Remboursement", "registrationIds": [registration.uuidString]])
                    #expect(refund.status == .accepted, "\(refund.text)")
                }
                let regenerated = try await call(.post, "/v1/staff/releve24/generations", try await staff(), year)
                #expect(
                    try Self.ints(regenerated.json())
                        == ["originals": 0, "amendments": 1, "cancellations": 1, "waitingForTaxNumber": 0], "\(regenerated.text)")
                #expect(try await call(.post, "/v1/staff/releve24/issues", try await staff(), year).json()["issued"] as? Int == 2)
                let amended = try #require(try await database.paymentEvents(EventName.releve24Amended).first)
                let cancelled = try #require(try await database.paymentEvents(EventName.releve24Cancelled).first)
                #expect(amended["code"] as? String == "A" && cancelled["code"] as? String == "D")
                #expect(
                    Set([amended["replacesNumber"] as? String, cancelled["replacesNumber"] as? String])
                        == Set(issuedEvents.compactMap { $0["number"] as? String }), "each replaces one of the mother's originals")
                #expect(
                    Set([amended["number"] as? String, cancelled["number"] as? String])
                        == [String(Releve24.slipNumber(sequence: 10_000_011)), String(Releve24.slipNumber(sequence: 10_000_012))],
                    "new numbers, never the replaced ones")
                #expect((amended["feesPaid"] as? [String: Any])?["amountCents"] as? Int == 25_000)
                #expect((amended["notEligible"] as? [String: Any])?["amountCents"] as? Int == 3_750)
                // Nothing of 2025 became a 2026 slip; 2026 is not over.
                let nextYear: [String: Any] = ["organisationId": seller.uuidString, "year": 2026]
                #expect(try await call(.post, "/v1/staff/releve24/generations", try await staff(), nextYear).json()["originals"] as? Int == 0)
                try await call(.post, "/v1/staff/releve24/issues", try await staff(), nextYear)
                    .problem("/problems/releve24-year-not-over", status: .conflict)

                // The Sommaire 24's figures: slips in force by code.
                let listed = try await call(.get, "/v1/staff/releve24?organisation=\(seller)&year=2025", try await staff()).json()
                let summary = try #require(listed["summary"] as? [String: Any])
                #expect((summary["original"] as? [String: Any])?["slips"] as? Int == 1)
                #expect(((summary["amended"] as? [String: Any])?["eligible"] as? [String: Any])?["amountCents"] as? Int == 21_250)
                #expect((summary["cancelled"] as? [String: Any])?["slips"] as? Int == 1)
                #expect((listed["items"] as? [Any])?.count == 5, "2 replaced, 1 amended, 1 cancelled, the father's")

                // Families: their own slips, the number masked; never another family's.
                let mine = try await call(.get, "/v1/me/releve24", try await token(mother)).json()
                let mineItems = try #require(mine["items"] as? [[String: Any]])
                #expect(mineItems.count == 4 && mineItems.allSatisfy { ($0["payer"] as? [String: Any])?["taxNumber"] as? String == "*** *** 544" })
                let motherSlip = try #require(mineItems.first { $0["code"] as? String == "A" }?["id"] as? String)
                #expect(try await call(.get, "/v1/releve24/\(motherSlip)", try await token(father)).status == .notFound)
                let read = try await call(.get, "/v1/releve24/\(motherSlip)", try await token(mother)).json()
                #expect((read["organisation"] as? [String: Any])?["address"] as? String == "19, avenue Marquette, Baie-Comeau (QC) G4Z 1K5")
                #expect((read["organisation"] as? [String: Any])?["preparerNumber"] as? String == "NP123456")
                #expect((try await call(.get, "/v1/me/releve24", try await token(father)).json()["items"] as? [Any])?.count == 1)

                // The file for Revenu Québec holds the numbers; each opening is logged.
                let file = try await call(.get, "/v1/staff/releve24/transmission?organisation=\(seller)&year=2025", try await staff())
                #expect(file.status == .ok && file.headers[.contentType]?.hasPrefix("application/xml") == true)
                #expect(file.text.contains("<NAS>130692544</NAS>") && file.text.contains("<NAS>271938458</NAS>"))
                #expect(file.text.contains("<NoReleveDerniereTrans>") && file.text.contains("<No>NP123456</No>"))
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM payment.tax_number_reads WHERE purpose = 'releve24-transmission' AND read_by = '\(admin.uuidString.lowercased())'"
                    )
                        == 2)
                #expect(
                    try await call(
                        .get, "/v1/staff/releve24/transmission?organisation=\(seller)&year=2025",
                        try await token(UUID(), roles: [.init(organisationId: seller, role: "staff")])
                    ).status == .forbidden,
                    "every number in full: the organisation's administrators only")

                // Noé goes back to camp in December: a new original follows the cancellation and replaces it.
                clock.set(Self.day("2025-12-01"))
                let back = CheckoutEvent(
                    checkoutId: UUID(), version: 1, sellingOrganisationId: seller, payer: motherCheckout.payer,
                    lines: [Self.line(childY, "Noé Gagnon", seat: 20_000)], total: .init(amountCents: 20_000), holdExpiresAt: clock.now() + 900)
                try await withEvents(database) { events in try await events.checkout(back) }
                let repaid = try await pay(
                    payment, checkout: back.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: try await token(mother)
                ).json()
                #expect(repaid["status"] as? String == "succeeded")
                // The father corrects his number: his issued slip is amended, and the file carries the new one.
                clock.set(Self.day("2026-02-20"))
                #expect(try await call(.put, "/v1/me/tax-number", try await token(father), ["taxNumber": Self.correctedNumber]).status == .ok)
                let afterBoth = try await call(.post, "/v1/staff/releve24/generations", try await staff(), year)
                #expect(
                    try Self.ints(afterBoth.json()) == ["originals": 1, "amendments": 1, "cancellations": 0, "waitingForTaxNumber": 0],
                    "\(afterBoth.text)")
                #expect(try await call(.post, "/v1/staff/releve24/issues", try await staff(), year).json()["issued"] as? Int == 2)
                let follows = try #require(try await database.paymentEvents(EventName.releve24Issued).last)
                #expect(follows["replacesNumber"] as? String == cancelled["number"] as? String, "the original that follows the cancellation")
                #expect(try await database.count("SELECT count(*) FROM payment.releve24_slips WHERE code = 'D' AND status = 'replaced'") == 1)
                let corrected = try await call(.get, "/v1/staff/releve24/transmission?organisation=\(seller)&year=2025", try await staff())
                #expect(corrected.text.contains("<NAS>193456787</NAS>") && !corrected.text.contains("<NAS>271938458</NAS>"))

                // Nowhere but sealed: not in a table, an event, a mail or a log line.
                let dump = try await database.paymentDump()
                let mails = try database.mailbox.all().map { $0.text + $0.html + $0.subject }.joined()
                // PostgresNIO's trace lines carry random hex (a SCRAM salt): "456787" turned up in one; digits in a run of
                // 16 hex characters or more are not a number written anywhere.
                let logText = logs.text.replacingOccurrences(of: "[0-9a-f]{16,}", with: "…", options: .regularExpression)
                #expect(dump.contains("\"last_digits\":\"544\"") && dump.contains("Paul Tremblay"), "the dump holds the rows")
                for number in ["130692544", "130 692 544", "271938458", "271-938-458", "692544", "938458", "193456787", "456787"] {
                    for (name, text) in [("tables", dump), ("mails", mails), ("logs", logText)] {
                        #expect(!text.contains(number), "\(number) in the \(name)")
                    }
                }
                #expect(!logs.text.isEmpty, "the logs were captured")
            }
        }
    }

    /// A key added to the ring seals new numbers; numbers under the older key still open, and are sealed again.
    @Test func taxNumberKeysRotate() async throws {
        let first = "k1 " + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let second = "k2 " + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let account = UUID()
        let number = try #require(TaxNumber(Self.motherNumber))
        let old = try TaxNumberKeys(text: first)
        let sealed = try old.seal(number, account: account)
        let rotated = try TaxNumberKeys(text: first + "\n" + second)
        #expect(rotated.current.id == "k2")
        #expect(try rotated.open(sealed, keyId: "k1", account: account) == number)
        #expect(throws: (any Error).self, "bound to its account") { try rotated.open(sealed, keyId: "k1", account: UUID()) }
        #expect(throws: TaxNumberKeyError.self) { try TaxNumberKeys(text: "k1 c2hvcnQ=") }
        #expect(throws: TaxNumberKeyError.self) { try TaxNumberKeys(text: first + "\n" + first) }
        #expect(TaxNumber("130-692-545") == nil && TaxNumber("046454286") == nil && TaxNumber("13069254") == nil)
        #expect(number.masked == "*** *** 544")

        try await TestDatabase.withDatabase { database in
            let token = try await TestKeys.shared.token(for: account)
            try await withService(PaymentService.self, on: database, environment: ["PAYMENT_TAX_NUMBER_KEYS": first]) { payment in
                let saved = try await payment.execute(
                    uri: "/v1/me/tax-number", method: .put, headers: bearer(token, json: true), body: jsonBody(["taxNumber": Self.motherNumber]))
                #expect(saved.status == .ok)
            }
            // Restarted with a second key: the number is sealed again under it, and still reads.
            try await withService(PaymentService.self, on: database, environment: ["PAYMENT_TAX_NUMBER_KEYS": first + "\n" + second]) { payment in
                try await eventually("sealed again under k2") {
                    try await database.count("SELECT count(*) FROM payment.payer_tax_numbers WHERE key_id = 'k2'") == 1
                }
                let read = try await payment.execute(uri: "/v1/me/tax-number", method: .get, headers: bearer(token))
                #expect(try read.json()["masked"] as? String == "*** *** 544")
            }
        }
    }
}
