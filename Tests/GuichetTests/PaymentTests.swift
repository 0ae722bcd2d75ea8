import Contracts
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import PostgresNIO
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Payment
@testable import SandboxProcessor

/// Payment against a real PostgreSQL, RabbitMQ and the sandbox processor (in this process, over HTTP).
@Suite struct PaymentTests {
    /// The processor's hosted card entry (what the portal's payment page frames): only the origin it is given may
    /// frame it, and its script posts the token to that origin only; anything but an http(s) origin is refused.
    @Test func theHostedCardEntryIsFramedByTheOriginItIsGivenOnly() async throws {
        try await withSandbox { sandbox in
            let page = try #require(URL(string: sandbox.url + "/hosted/card-entry?origin=https://guichet.example&lang=en"))
            let (data, response) = try await URLSession.shared.data(from: page)
            let http = try #require(response as? HTTPURLResponse)
            #expect(http.statusCode == 200)
            let policy = http.value(forHTTPHeaderField: "Content-Security-Policy") ?? ""
            #expect(policy.hasSuffix("frame-ancestors https://guichet.example") && policy.contains("script-src 'self'"))
            let html = String(decoding: data, as: UTF8.self)
            #expect(html.contains(#"data-origin="https://guichet.example""#))
            #expect(html.contains(#"autocomplete="cc-number""#) && html.contains(#"<html lang="en">"#))
            // An origin as a browser writes it: no default port.
            let withPort = try #require(URL(string: sandbox.url + "/hosted/card-entry?origin=https://guichet.example:443"))
            let (_, defaultPort) = try await URLSession.shared.data(from: withPort)
            let framedBy = (defaultPort as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Security-Policy") ?? ""
            #expect(framedBy.hasSuffix("frame-ancestors https://guichet.example"), "\(framedBy)")
            for origin in ["javascript:alert(1)", "https://guichet.example/path", "https://user@guichet.example", "*", "", "http://a;b.example"] {
                let query = try #require(origin.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let refusedPage = try #require(URL(string: sandbox.url + "/hosted/card-entry?origin=\(query)"))
                let (_, refused) = try await URLSession.shared.data(from: refusedPage)
                #expect((refused as? HTTPURLResponse)?.statusCode == 400, "origin \(origin)")
            }
        }
    }

    @Test func twentyIdenticalRequestsWithOneKeyChargeOnce() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let card = try await sandbox.token("4242424242424242")
                let key = UUID().uuidString
                let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            let response = try await pay(payment, checkout: checkout.checkoutId, token: card, key: key, bearer: token)
                            return (response.status, try? response.json()["id"] as? String)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(await sandbox.ledger.chargeAttempts == 1, "one charge at the processor")
                #expect(statuses.allSatisfy { $0.0 == .created || $0.0 == .conflict }, "\(statuses)")
                #expect(Set(statuses.compactMap(\.1)).count == 1, "every answer names the same payment")
                let again = try await pay(payment, checkout: checkout.checkoutId, token: card, key: key, bearer: token)
                #expect(again.status == .created && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                #expect(try again.json()["status"] as? String == "succeeded")
                // The same key with another body is refused; another key on a paid checkout charges nothing either.
                let otherCard = try await sandbox.token("4242424242424242")
                try await pay(payment, checkout: checkout.checkoutId, token: otherCard, key: key, bearer: token)
                    .problem("/problems/idempotency-key-reused", status: .unprocessableContent)
                try await pay(payment, checkout: checkout.checkoutId, token: otherCard, bearer: token)
                    .problem("/problems/checkout-already-paid", status: .conflict)
                #expect(await sandbox.ledger.chargeAttempts == 1)
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).count == 1)
            }
        }
    }

    @Test func eachTestCardHasItsOutcomeAndADeclinedPayerTriesAnotherCard() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let declines = [
                    ("4000000000000002", "card_declined"), ("4000000000009995", "insufficient_funds"), ("4000000000000069", "expired_card"),
                    ("4000000000000127", "incorrect_cvc"), ("4000000000000119", "processing_error"),
                ]
                for (number, code) in declines {
                    let response = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token(number), bearer: token)
                    #expect(response.status == .created, "\(response.text)")
                    let body = try response.json()
                    #expect(body["status"] as? String == "declined")
                    let failure = try #require(body["failure"] as? [String: Any])
                    #expect(failure["code"] as? String == code)
                    #expect(((failure["message"] as? [String: Any])?["fr"] as? String)?.isEmpty == false)
                }
                // A used token is refused by the processor: declined, nothing charged.
                let used = try await sandbox.token("4242424242424242")
                _ = try await pay(payment, checkout: checkout.checkoutId, token: used, bearer: token)
                let paid = try await pay(payment, checkout: checkout.checkoutId, token: used, bearer: token)
                try paid.problem("/problems/checkout-already-paid", status: .conflict)
                let failed = try await database.paymentEvents(EventName.chargeFailed)
                #expect(
                    failed.count == declines.count && failed.allSatisfy { $0["retryable"] as? Bool == true },
                    "seats stay held while the payer retries")
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).count == 1)
                // Bad input changes nothing.
                let invalid = try await payment.execute(
                    uri: "/v1/payments", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(token)", HTTPField.Name("Idempotency-Key")!: "k"],
                    body: jsonBody([
                        "checkoutId": "nope", "cardToken": "", "billingAddress": ["name": "", "line1": "1 rue", "city": "Hull", "postalCode": "123"],
                    ]))
                let fields = try invalid.problem("/problems/invalid-request", status: .badRequest)["errors"] as? [[String: Any]]
                #expect(Set(fields?.compactMap { $0["field"] as? String } ?? []) == ["checkoutId", "cardToken"])
                let invalidAddress = try await payment.execute(
                    uri: "/v1/payments", method: .post,
                    headers: [.contentType: "application/json", .authorization: "Bearer \(token)", HTTPField.Name("Idempotency-Key")!: "k"],
                    body: jsonBody([
                        "checkoutId": UUID().uuidString, "cardToken": "tok",
                        "billingAddress": ["name": " ", "line1": "1 rue", "city": "Hull", "postalCode": "123"],
                    ]))
                let addressFields = try invalidAddress.problem("/problems/validation", status: .unprocessableContent)["errors"] as? [[String: Any]]
                #expect(Set(addressFields?.compactMap { $0["field"] as? String } ?? []) == ["billingAddress.name", "billingAddress.postalCode"])
                let noKey = try await payment.execute(
                    uri: "/v1/payments", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(token)"],
                    body: jsonBody(["checkoutId": checkout.checkoutId.uuidString, "cardToken": "tok", "billingAddress": billingAddress]))
                try noKey.problem("/problems/invalid-request", status: .badRequest)
                #expect(try noKey.fieldErrors() == ["Idempotency-Key": "required"])
            }
        }
    }

    @Test func notReadyExpiredStrangersAndGuests() async throws {
        let (seller, parent, stranger) = (UUID(), UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                let early = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                try early.problem("/problems/checkout-not-ready", status: .conflict)
                #expect(early.headers[.retryAfter] == "2")
                // Within a minute of the hold's end, no charge starts; an expired checkout neither.
                let closing = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"),
                    holdExpiresAt: Date() + 30)
                let expired = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                let guestToken = "guest-token-for-tests"
                let digest = Hex.sha256(guestToken)
                let guest = checkoutEvent(
                    seller: seller,
                    payer: .init(accountId: nil, email: "invite@example.org", name: "Invité", language: "en", guestTokenSHA256: digest))
                try await withEvents(database) { events in
                    for item in [checkout, closing, expired, guest] { try await events.checkout(item) }
                    try await events.checkout(expired, expired: true)
                }
                try await pay(payment, checkout: closing.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .problem("/problems/checkout-expired", status: .conflict)
                try await pay(payment, checkout: expired.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .problem("/problems/checkout-expired", status: .conflict)
                // Another account, a wrong guest token or none: as if the checkout did not exist.
                try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: strangerToken)
                    .problem("/problems/not-found", status: .notFound)
                try await pay(payment, checkout: guest.checkoutId, token: try await sandbox.token("4242424242424242"), guestToken: "wrong")
                    .problem("/problems/not-found", status: .notFound)
                #expect(
                    try await pay(payment, checkout: guest.checkoutId, token: try await sandbox.token("4242424242424242")).status == .unauthorized)
                #expect(await sandbox.ledger.chargeAttempts == 0)
                // The guest pays with the token enrolment gave them and reads that receipt, nothing else.
                let paid = try await pay(
                    payment, checkout: guest.checkoutId, token: try await sandbox.token("4242424242424242"), guestToken: guestToken)
                #expect(paid.status == .created, "\(paid.text)")
                let id = try #require(try paid.json()["id"] as? String)
                let receipt = try await payment.execute(
                    uri: "/v1/payments/\(id)/receipt", method: .get, headers: [HTTPField.Name("Guest-Token")!: guestToken, .accept: "text/html"])
                #expect(receipt.status == .ok && receipt.text.contains("Receipt") && receipt.text.contains("$16.50"), "\(receipt.text)")
                #expect(try await payment.execute(uri: "/v1/payments/\(id)/receipt", method: .get, headers: bearer(token)).status == .notFound)
                let mail = try await database.mailbox.waitForMail(to: "invite@example.org")
                #expect(mail.subject.hasPrefix("Payment received: $16.50"), "\(mail.subject)")
            }
        }
    }

    /// Expiry and settling are read on the service's clock, not the machine's: on a clock an hour behind, a hold
    /// that real time has passed is still open, the charge is settled at the clock's time, and ten minutes on that
    /// clock close the next hold.
    @Test func expiryFollowsTheServiceClock() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        let clock = ManualWallClock(Date() - 3600)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, clock: clock, environment: sandbox.environment) { payment, database in
                let payer = CheckoutEvent.Payer(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr")
                let first = checkoutEvent(seller: seller, payer: payer, holdExpiresAt: clock.now() + 600)
                let second = checkoutEvent(seller: seller, payer: payer, holdExpiresAt: clock.now() + 600)
                try await withEvents(database) { events in
                    try await events.checkout(first)
                    try await events.checkout(second)
                }
                let paid = try await pay(payment, checkout: first.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                #expect(paid.status == .created, "\(paid.text)")
                clock.advance(by: 600)
                try await pay(payment, checkout: second.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .problem("/problems/checkout-expired", status: .conflict)
                #expect(await sandbox.ledger.chargeAttempts == 1)
                let settled = try await database.count(
                    "SELECT count(*) FROM payment.payments WHERE status = 'succeeded' AND settled_at < now() - interval '30 minutes'")
                #expect(settled == 1, "the charge was settled at the clock's time")
            }
        }
    }

    @Test func anUnknownPaymentIsReconciledOnceAndNeverChargedTwice() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox(responseDelay: .seconds(6)) { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let key = UUID().uuidString
                // The timeout card: charged at the processor, but its answer comes after payment's 2 s timeout (tests' PROCESSOR_TIMEOUT_SECONDS; the sandbox answers after 6 s).
                let first = try await pay(
                    payment, checkout: checkout.checkoutId, token: try await sandbox.token("4000000000000770"), key: key, bearer: token)
                #expect(first.status == .accepted, "\(first.text)")
                #expect(try first.json()["status"] as? String == "unknown")
                let id = try #require(try first.json()["id"] as? String)
                // Paying again meanwhile, with another key, starts nothing: still in progress, or (on a loaded machine,
                // the reconciler having found the charge first) already paid. Either way no second charge (below).
                let again = try await pay(
                    payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                #expect(again.status == .conflict, "\(again.text)")
                #expect(
                    ["/problems/payment-in-progress", "/problems/checkout-already-paid"].contains(try again.json()["type"] as? String ?? ""),
                    "\(again.text)")
                try await eventually("the reconciler finds the charge") {
                    try await payment.execute(uri: "/v1/payments/\(id)", method: .get, headers: bearer(token)).json()["status"] as? String
                        == "succeeded"
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(await sandbox.ledger.chargeAttempts == 1)
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).count == 1, "settled once")
                #expect(try await database.count("SELECT count(*) FROM payment.receipts") == 1)
                let replay = try await pay(payment, checkout: checkout.checkoutId, token: "tok_whatever", key: key, bearer: token)
                #expect(replay.status == .unprocessableContent, "another body under the same key")
            }
        }
    }

    @Test func aChargeTheProcessorNeverMadeIsDeclaredOnlyPastTheHorizon() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox { sandbox in
            var environment = sandbox.environment
            environment["PROCESSOR_SETTLE_SECONDS"] = "60"
            try await withService(PaymentService.self, environment: environment) { payment, database in
                // Two payments left `unknown` (their answers lost), of which the processor knows nothing: one began
                // ten minutes ago, one just now (the processor may still be completing it).
                let old = checkoutEvent(seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                let recent = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                try await withEvents(database) { events in
                    try await events.checkout(old)
                    try await events.checkout(recent)
                }
                let (oldPayment, recentPayment) = (UUID(), UUID())
                for (id, checkout, began) in [(oldPayment, old, "10 minutes"), (recentPayment, recent, "1 second")] {
                    try await database.execute(
                        """
                        INSERT INTO payment.payments (id, version, checkout_id, payer_account_id, selling_organisation_id, amount_cents, status,
                            billing_address, idempotency_scope, idempotency_key, created_at, updated_at)
                        VALUES ('\(id.uuidString)', 1, '\(checkout.checkoutId.uuidString)', '\(parent.uuidString)', '\(seller.uuidString)', 1650,
                            'unknown', '{}', 'test', '\(id.uuidString)', now() - interval '\(began)', now() - interval '1 minute')
                        """)
                }
                func status(_ id: UUID) async throws -> String? {
                    try await payment.execute(uri: "/v1/payments/\(id.uuidString)", method: .get, headers: bearer(token)).json()["status"] as? String
                }
                try await eventually("the old one is declared not charged") { try await status(oldPayment) == "declined" }
                #expect(
                    try await payment.execute(uri: "/v1/payments/\(oldPayment.uuidString)", method: .get, headers: bearer(token))
                        .json()["failure"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "not_charged")
                try await Task.sleep(for: .milliseconds(600))
                #expect(try await status(recentPayment) == "unknown", "still possibly being charged: not declared")
                #expect(try await database.paymentEvents(EventName.chargeFailed).count == 1)
            }
        }
    }

    @Test func webhooksAreVerifiedAndSettleOnce() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox(responseDelay: .seconds(30)) { sandbox in
            // A reconciler that waits long: here the webhook settles.
            var environment = sandbox.environment
            environment["PAYMENT_RECONCILE_MILLISECONDS"] = "600000"
            try await withService(PaymentService.self, environment: environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let first = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4000000000000770"), bearer: token)
                let id = try #require(try first.json()["id"] as? String)
                let charge = try #require(await sandbox.ledger.charges(reference: id).first)
                let body = try JSONEncoder().encode(WebhookEvent(id: "evt_1", type: "charge.succeeded", created: 0, data: charge))
                func post(_ signature: String?) async throws -> TestResponse {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let signature { headers[HTTPField.Name("Sandbox-Signature")!] = signature }
                    return try await payment.execute(uri: "/v1/processor/webhooks", method: .post, headers: headers, body: ByteBuffer(data: body))
                }
                let now = Int(Date().timeIntervalSince1970)
                try await post(nil).problem("/problems/invalid-webhook", status: .badRequest)
                // An unsigned body too large to be a notification: 413, not a server error.
                let huge = try await payment.execute(
                    uri: "/v1/processor/webhooks", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{\"padding\":\"" + String(repeating: "a", count: 70_000) + "\"}"))
                try huge.problem("/problems/payload-too-large", status: .contentTooLarge)
                try await post(SandboxWebhook.signature(body, secret: "not the secret", time: now)).problem(
                    "/problems/invalid-webhook", status: .badRequest)
                try await post(SandboxWebhook.signature(body, secret: PaymentTestSupport.webhookSecret, time: now - 3600))
                    .problem("/problems/invalid-webhook", status: .badRequest)
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).isEmpty, "nothing settled by a forged notification")
                let signed = SandboxWebhook.signature(body, secret: PaymentTestSupport.webhookSecret, time: now)
                #expect(try await post(signed).status == .noContent)
                #expect(try await post(signed).status == .noContent, "a repeated notification changes nothing")
                #expect(
                    try await payment.execute(uri: "/v1/payments/\(id)", method: .get, headers: bearer(token)).json()["status"] as? String
                        == "succeeded")
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).count == 1)
            }
        }
    }

    @Test func receiptsAreNumberedWithoutGapsAndReadOnlyByTheirPeople() async throws {
        let (seller, parent, otherParent) = (UUID(), UUID(), UUID())
        let child = UUID()
        let token = try await TestKeys.shared.token(for: parent)
        let otherToken = try await TestKeys.shared.token(for: otherParent)
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: seller, role: "staff")])
        let otherStaff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let gst = CheckoutEvent.TaxLine(code: "GST", name: .init(fr: "TPS", en: "GST"), percent: "5", amount: .init(amountCents: 83))
                let first = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"),
                    lines: [(child, "Émile Tremblay", 1_650)], taxes: [gst])
                let second = checkoutEvent(
                    seller: seller, payer: .init(accountId: otherParent, email: "pere@example.org", name: "Paul", language: "en"),
                    lines: [(child, "Émile Tremblay", 3_000)])
                try await withEvents(database) { events in
                    try await events.organisation(seller, shortCode: "CSSBE")
                    try await events.checkout(first)
                    try await events.checkout(second)
                }
                let paid = try await pay(payment, checkout: first.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .json()
                let year = CalendarDate(Date()).year
                #expect(paid["receiptNumber"] as? String == "CSSBE-\(year)-000001")
                #expect((paid["card"] as? [String: Any])?["last4"] as? String == "4242")
                let otherPaid = try await pay(
                    payment, checkout: second.checkoutId, token: try await sandbox.token("5555555555554444"), bearer: otherToken
                ).json()
                #expect(otherPaid["receiptNumber"] as? String == "CSSBE-\(year)-000002")
                let id = try #require(paid["id"] as? String)

                let receipt = try await payment.execute(uri: "/v1/payments/\(id)/receipt", method: .get, headers: bearer(token)).json()
                #expect((receipt["total"] as? [String: Any])?["amountCents"] as? Int == 1_733)
                let line = try #require((receipt["lines"] as? [[String: Any]])?.first)
                #expect((line["items"] as? [[String: Any]])?.first?["quantity"] as? Int == 3)
                #expect(((receipt["taxes"] as? [[String: Any]])?.first?["amount"] as? [String: Any])?["amountCents"] as? Int == 83)
                var html = bearer(token)
                html[.accept] = "text/html"
                let page = try await payment.execute(uri: "/v1/payments/\(id)/receipt", method: .get, headers: html)
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(
                    page.text.contains("Reçu CSSBE-\(year)-000001") && page.text.contains("17,33 $") && page.text.contains("VISA •••• 4242"),
                    "\(page.text)")
                // The other guardian, and another organisation's staff: as if it did not exist. The seller's staff read it.
                #expect(try await payment.execute(uri: "/v1/payments/\(id)/receipt", method: .get, headers: bearer(otherToken)).status == .notFound)
                #expect(try await payment.execute(uri: "/v1/payments/\(id)", method: .get, headers: bearer(otherStaff)).status == .notFound)
                #expect(try await payment.execute(uri: "/v1/payments/\(id)/receipt", method: .get, headers: bearer(staff)).status == .ok)

                // History: each guardian sees what they paid for the child, not the other's.
                func paidFor(_ accessToken: String) async throws -> [Int] {
                    (try await payment.execute(uri: "/v1/participants/\(child.uuidString)/payments", method: .get, headers: bearer(accessToken))
                        .json()["items"]
                        as? [[String: Any]])?.compactMap { ($0["total"] as? [String: Any])?["amountCents"] as? Int } ?? []
                }
                #expect(try await paidFor(token) == [1_733])
                #expect(try await paidFor(otherToken) == [3_000])
                let mine = try await payment.execute(uri: "/v1/me/payments", method: .get, headers: bearer(token)).json()["items"] as? [[String: Any]]
                #expect(mine?.count == 1)
                var csv = bearer(staff)
                csv[.accept] = "text/csv"
                let export = try await payment.execute(
                    uri: "/v1/staff/payments?organisation=\(seller.uuidString)&year=\(year)", method: .get, headers: csv)
                #expect(export.status == .ok)
                let rows = export.text.split(separator: "\n")
                #expect(
                    rows.count == 3 && rows[1].hasPrefix("CSSBE-\(year)-000001,") && rows[1].hasSuffix(",16.50,0.83,17.33,0.00,yes"), "\(export.text)"
                )
                #expect(
                    try await payment.execute(
                        uri: "/v1/staff/payments?organisation=\(seller.uuidString)&year=\(year)", method: .get, headers: bearer(otherStaff)
                    ).status == .forbidden)
                let mail = try await database.mailbox.waitForMail(to: "parent@example.org")
                #expect(mail.subject == "Paiement reçu : 17,33 $ (reçu CSSBE-\(year)-000001)", "\(mail.subject)")
            }
        }
    }

    @Test func refundsNeverExceedWhatWasCapturedAndCompleteOnce() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: seller, role: "staff")])
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"),
                    lines: [(UUID(), "Émile Tremblay", 6_000)])
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let paid = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .json()
                let id = try #require(paid["id"] as? String)
                func refund(_ cents: Int, key: String = UUID().uuidString, as accessToken: String) async throws -> TestResponse {
                    var headers = bearer(accessToken, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    return try await payment.execute(
                        uri: "/v1/payments/\(id)/refunds", method: .post, headers: headers,
                        body: jsonBody(["amountCents": cents, "reason": "Annulation"]))
                }
                #expect(try await refund(1_000, as: token).status == .forbidden, "the payer asks enrolment, staff refund")
                // A refund names only this payment's registrations: never another checkout's refund requests.
                var staffHeaders = bearer(staff, json: true)
                staffHeaders[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                let foreign = try await payment.execute(
                    uri: "/v1/payments/\(id)/refunds", method: .post, headers: staffHeaders,
                    body: jsonBody([
                        "amountCents": 1_000, "reason": "Annulation",
                        "registrationIds": [checkout.lines[0].registrationId.uuidString, UUID().uuidString],
                    ]))
                #expect(try foreign.fieldErrors() == ["registrationIds[1]": "notInPayment"], "\(foreign.text)")
                let key = UUID().uuidString
                let partial = try await refund(2_500, key: key, as: staff)
                #expect(partial.status == .accepted, "\(partial.text)")
                let year = CalendarDate(Date()).year
                #expect(try partial.json()["status"] as? String == "succeeded")
                #expect(try (partial.json()["creditNoteNumber"] as? String)?.hasSuffix("-NC-\(year)-000001") == true)
                #expect(try await refund(2_500, key: key, as: staff).headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                try await refund(3_501, as: staff).problem("/problems/refund-exceeds-captured", status: .unprocessableContent)
                // Enrolment asks for more than remains (its policy knows nothing of staff refunds): capped; the same request twice refunds once.
                let request = RefundRequestedEvent(
                    refundRequestId: UUID(), version: 1, registrationId: checkout.lines[0].registrationId, checkoutId: checkout.checkoutId,
                    amount: .init(amountCents: 6_000), reason: "cancelled-by-guardian")
                try await withEvents(database) { events in
                    try await events.send(EventName.refundRequested, from: "enrolment", request)
                    try await events.send(EventName.refundRequested, from: "enrolment", request)
                }
                try await eventually("the refund completes") { try await database.paymentEvents(EventName.refundCompleted).count == 2 }
                try await Task.sleep(for: .milliseconds(500))
                let completed = try await database.paymentEvents(EventName.refundCompleted)
                #expect(completed.count == 2)
                #expect(completed.compactMap { ($0["amount"] as? [String: Any])?["amountCents"] as? Int } == [2_500, 3_500])
                #expect((completed.last?["refundRequestId"] as? String).flatMap(UUID.init(uuidString:)) == request.refundRequestId)
                let after = try await payment.execute(uri: "/v1/payments/\(id)", method: .get, headers: bearer(token)).json()
                #expect((after["refunded"] as? [String: Any])?["amountCents"] as? Int == 6_000)
                // The payment's refunds, oldest first with their credit notes, for the payer and the staff only.
                let listed = try #require(
                    try await payment.execute(uri: "/v1/payments/\(id)/refunds", method: .get, headers: bearer(token)).json()["items"]
                        as? [[String: Any]])
                #expect(listed.compactMap { ($0["amount"] as? [String: Any])?["amountCents"] as? Int } == [2_500, 3_500])
                #expect(listed.allSatisfy { ($0["creditNoteNumber"] as? String)?.contains("-NC-") == true })
                #expect(try await payment.execute(uri: "/v1/payments/\(id)/refunds", method: .get, headers: bearer(staff)).status == .ok)
                let stranger = try await TestKeys.shared.token(for: UUID())
                #expect(try await payment.execute(uri: "/v1/payments/\(id)/refunds", method: .get, headers: bearer(stranger)).status == .notFound)
                try await refund(1, as: staff).problem("/problems/refund-exceeds-captured", status: .unprocessableContent)
            }
        }
    }

    /// Each completed refund mails its payer (in their language) why, what it covered and its credit note; the
    /// year's statement sums payments and refunds, for the account or one child, and shows nobody else's.
    @Test func anInvoiceIsNumberedMailedAndPaidByCardOnceAndACancelledOneCannotBePaid() async throws {
        let (seller, parent, other, child) = (UUID(), UUID(), UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        let stranger = try await TestKeys.shared.token(for: other)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                func invoice(due: String) -> InvoiceEvent {
                    let lines = checkoutEvent(
                        seller: seller, payer: .init(accountId: parent, email: "payer@example.org", name: "Mary Smith", language: "en"),
                        lines: [(child, "Léa Tremblay", 12_000)]
                    ).lines
                    return InvoiceEvent(
                        invoiceId: UUID(), version: 1, sellingOrganisationId: seller,
                        payer: .init(accountId: parent, email: "payer@example.org", name: "Mary Smith", language: "en"), lines: lines,
                        total: .init(amountCents: 12_000), dueDate: "2027-01-15")
                }
                let billed = invoice(due: "2027-01-15")
                let year = CalendarDate(Date()).year
                try await withEvents(database) { events in
                    try await events.organisation(seller, shortCode: "BAIE")
                    // Twice, as a redelivery would: one number, one mail.
                    try await events.send(EventName.invoiceRequested, from: "enrolment", billed)
                    try await events.send(EventName.invoiceRequested, from: "enrolment", billed)
                }
                let mail = try await database.mailbox.waitForMail(to: "payer@example.org")
                #expect(mail.subject == "Invoice BAIE-F-\(year)-000001: $120.00 due by January 15, 2027", "\(mail.subject)")
                #expect(mail.text.contains("- Léa Tremblay — MAC-2027 Macaroni: $120.00"), "\(mail.text)")
                #expect(mail.text.contains("/factures/\(billed.invoiceId.uuidString.lowercased())"), "\(mail.text)")
                let id = billed.invoiceId.uuidString.lowercased()
                let listed = try await payment.execute(uri: "/v1/me/invoices", method: .get, headers: bearer(token)).json()
                let items = try #require(listed["items"] as? [[String: Any]])
                #expect(items.count == 1)
                #expect(items.first?["number"] as? String == "BAIE-F-\(year)-000001")
                #expect(items.first?["status"] as? String == "open")
                #expect(items.first?["dueDate"] as? String == "2027-01-15")
                // Another account neither lists it nor reads it nor pays it.
                #expect(
                    (try await payment.execute(uri: "/v1/me/invoices", method: .get, headers: bearer(stranger)).json()["items"] as? [Any])?.isEmpty
                        == true)
                try await payment.execute(uri: "/v1/me/invoices/\(id)", method: .get, headers: bearer(stranger))
                    .problem("/problems/not-found", status: .notFound)
                func payInvoice(
                    _ invoice: String, card: String, as accessToken: String, key: String = UUID().uuidString, cardToken: String? = nil
                ) async throws -> TestResponse {
                    var headers = bearer(accessToken, json: true)
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    var given = cardToken ?? ""
                    if cardToken == nil { given = try await sandbox.token(card) }
                    return try await payment.execute(
                        uri: "/v1/me/invoices/\(invoice)/payments", method: .post, headers: headers,
                        body: jsonBody(["cardToken": given, "billingAddress": billingAddress]))
                }
                try await payInvoice(id, card: "4242424242424242", as: stranger).problem("/problems/not-found", status: .notFound)
                // A declined card tells nobody else; another card pays.
                let declined = try await payInvoice(id, card: "4000000000000002", as: token)
                #expect(try declined.json()["status"] as? String == "declined", "\(declined.text)")
                #expect(try await database.paymentEvents(EventName.chargeFailed).isEmpty, "an invoice's decline releases no seat")
                let (key, cardToken) = (UUID().uuidString, try await sandbox.token("4242424242424242"))
                let paid = try await payInvoice(id, card: "4242424242424242", as: token, key: key, cardToken: cardToken)
                #expect(paid.status == .created, "\(paid.text)")
                let paymentId = try #require(try paid.json()["id"] as? String)
                #expect(try paid.json()["receiptNumber"] as? String == "BAIE-\(year)-000001")
                let receiptMail = try await database.mailbox.waitForMail(to: "payer@example.org", count: 2)
                #expect(receiptMail.text.contains("BAIE-\(year)-000001"), "the receipt's mail: \(receiptMail.subject)")
                let told = try await database.paymentEvents(EventName.invoicePaid)
                #expect(told.count == 1)
                #expect(told.first?["invoiceNumber"] as? String == "BAIE-F-\(year)-000001")
                #expect((told.first?["paymentId"] as? String)?.lowercased() == paymentId)
                #expect(
                    (told.first?["registrationIds"] as? [String])?.map { $0.lowercased() } == [billed.lines[0].registrationId.uuidString.lowercased()]
                )
                #expect(try await database.paymentEvents(EventName.chargeSucceeded).isEmpty, "no checkout to confirm")
                let read = try await payment.execute(uri: "/v1/me/invoices/\(id)", method: .get, headers: bearer(token)).json()
                #expect(read["status"] as? String == "paid")
                #expect(read["paymentId"] as? String == paymentId)
                #expect(read["receiptNumber"] as? String == "BAIE-\(year)-000001")
                #expect(((read["subtotal"] as? [String: Any])?["amountCents"] as? Int) == 12_000 && (read["taxes"] as? [Any])?.isEmpty == true)
                // The double click replays; paying again with a new key is refused; nothing is charged twice.
                #expect(
                    try await payInvoice(id, card: "4242424242424242", as: token, key: key, cardToken: cardToken).json()["id"] as? String == paymentId
                )
                try await payInvoice(id, card: "4242424242424242", as: token).problem("/problems/invoice-already-paid", status: .conflict)
                #expect(try await database.count("SELECT count(*) FROM payment.payments WHERE status = 'succeeded'") == 1)
                // It counts in the year's statement like any payment.
                let statement = try await payment.execute(uri: "/v1/me/statement?year=\(year)", method: .get, headers: bearer(token)).json()
                #expect(((statement["paid"] as? [String: Any])?["amountCents"] as? Int) == 12_000, "\(statement)")

                // A second invoice, cancelled (its registration was) before being paid.
                let cancelled = invoice(due: "2027-01-15")
                try await withEvents(database) { events in
                    try await events.send(EventName.invoiceRequested, from: "enrolment", cancelled)
                    // Heard in this order (a consumer may take two events at once): the crossed order is below.
                    try await eventually("the second invoice is numbered") { try await database.count("SELECT count(*) FROM payment.invoices") == 2 }
                    var later = cancelled
                    later.version = 2
                    try await events.send(EventName.invoiceCancelled, from: "enrolment", later)
                }
                try await eventually("the invoice is cancelled") {
                    try await database.count("SELECT count(*) FROM payment.invoices WHERE status = 'cancelled'") == 1
                }
                let second = try await database.mailbox.waitForMail(to: "payer@example.org", count: 3)
                #expect(second.subject.hasPrefix("Invoice BAIE-F-\(year)-000002"), "numbers without gaps: \(second.subject)")
                try await payInvoice(cancelled.invoiceId.uuidString, card: "4242424242424242", as: token)
                    .problem("/problems/invoice-cancelled", status: .conflict)
                // An invoice is not a checkout: paying its id as a checkout finds nothing to pay.
                #expect(
                    try await pay(payment, checkout: cancelled.invoiceId, token: try await sandbox.token("4242424242424242"), bearer: token).status
                        == .conflict)
                #expect(try await payment.execute(uri: "/v1/me/invoices", method: .get).status == .unauthorized)

                // Events may cross: a cancellation heard before its invoice leaves nothing numbered or mailed.
                let crossed = invoice(due: "2027-01-15")
                try await withEvents(database) { events in
                    var later = crossed
                    later.version = 2
                    try await events.send(EventName.invoiceCancelled, from: "enrolment", later)
                    try await eventually("the cancellation is heard first") {
                        try await database.count(
                            "SELECT count(*) FROM payment.checkouts WHERE id = '\(crossed.invoiceId.uuidString.lowercased())' AND expired") == 1
                    }
                    try await events.send(EventName.invoiceRequested, from: "enrolment", crossed)
                }
                try await eventually("both events consumed") {
                    try await database.count("SELECT count(*) FROM payment.inbox WHERE type LIKE '%.invoice.%'") == 6
                }
                #expect(try await database.count("SELECT count(*) FROM payment.invoices") == 2)
                #expect(
                    try await database.count("SELECT count(*) FROM payment.mail_outbox") == 3,
                    "two invoices and a receipt; nothing for the crossed one")
            }
        }
    }

    @Test func refundsAreMailedWithTheirCreditNoteAndTheStatementSumsTheYear() async throws {
        let (seller, parent, emile, lea) = (UUID(), UUID(), UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        let staff = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: seller, role: "staff")])
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkout = checkoutEvent(
                    seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Mary", language: "en"),
                    lines: [(emile, "Émile Tremblay", 6_000), (lea, "Léa Tremblay", 3_000)])
                try await withEvents(database) { events in try await events.checkout(checkout) }
                let paid = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    .json()
                let id = try #require(paid["id"] as? String)
                _ = try await database.mailbox.waitForMail(to: "parent@example.org")
                let year = CalendarDate(Date()).year

                // Enrolment asks for Léa's refund (her registration cancelled by her guardian).
                let leaLine = checkout.lines[1]
                try await withEvents(database) { events in
                    try await events.send(
                        EventName.refundRequested, from: "enrolment",
                        RefundRequestedEvent(
                            refundRequestId: UUID(), version: 1, registrationId: leaLine.registrationId, checkoutId: checkout.checkoutId,
                            amount: .init(amountCents: 2_000), reason: "cancelled-by-guardian"))
                }
                let cancelled = try await database.mailbox.waitForMail(to: "parent@example.org", count: 2)
                #expect(cancelled.subject.hasPrefix("Refund of $20.00 (credit note "), "\(cancelled.subject)")
                #expect(cancelled.subject.contains("-NC-\(year)-000001"), "\(cancelled.subject)")
                #expect(cancelled.text.contains("This refund follows the cancellation you made"), "\(cancelled.text)")
                #expect(cancelled.text.contains("- Léa Tremblay — MAC-2027 Macaroni") && !cancelled.text.contains("Émile"), "\(cancelled.text)")
                #expect(cancelled.text.contains("VISA •••• 4242"), "\(cancelled.text)")
                let refunds = try #require(
                    try await payment.execute(uri: "/v1/payments/\(id)/refunds", method: .get, headers: bearer(token)).json()["items"]
                        as? [[String: Any]])
                let first = try #require(refunds.first?["id"] as? String)
                #expect(refunds.first?["registrationIds"] as? [String] == [leaLine.registrationId.uuidString.lowercased()])
                #expect(cancelled.text.contains("/paiements/\(id)/remboursements/\(first)"), "the credit note's page: \(cancelled.text)")

                // Staff refund part of the payment as a whole, with their own words.
                var headers = bearer(staff, json: true)
                headers[HTTPField.Name("Idempotency-Key")!] = UUID().uuidString
                let goodwill = try await payment.execute(
                    uri: "/v1/payments/\(id)/refunds", method: .post, headers: headers,
                    body: jsonBody(["amountCents": 900, "reason": "Late start of the first day"]))
                #expect(goodwill.status == .accepted, "\(goodwill.text)")
                let mail = try await database.mailbox.waitForMail(to: "parent@example.org", count: 3)
                #expect(mail.subject.hasPrefix("Refund of $9.00 (credit note "), "\(mail.subject)")
                #expect(mail.text.contains("Reason given by the organisation: Late start of the first day"), "\(mail.text)")
                #expect(!mail.text.contains("Registrations concerned"), "a refund of the payment as a whole names no registration")

                func statement(_ query: String, as accessToken: String) async throws -> [String: Any] {
                    let answer = try await payment.execute(uri: "/v1/me/statement?\(query)", method: .get, headers: bearer(accessToken))
                    #expect(answer.status == .ok, "\(answer.text)")
                    return try answer.json()
                }
                func cents(_ value: Any?) -> Int? { (value as? [String: Any])?["amountCents"] as? Int }
                let whole = try await statement("year=\(year)", as: token)
                let entries = try #require(whole["entries"] as? [[String: Any]])
                #expect(entries.compactMap { $0["kind"] as? String } == ["payment", "refund", "refund"])
                #expect(entries.compactMap { cents($0["amount"]) } == [9_000, 2_000, 900])
                #expect((cents(whole["paid"]), cents(whole["refunded"]), cents(whole["net"])) == (9_000, 2_900, 6_100))
                #expect(entries[1]["receiptNumber"] as? String == paid["receiptNumber"] as? String)
                // One child: their lines, and their share of a refund of the whole payment (what each line cost).
                let forLea = try await statement("year=\(year)&participant=\(lea.uuidString)", as: token)
                #expect((cents(forLea["paid"]), cents(forLea["refunded"])) == (3_000, 2_300), "\(forLea)")
                let forEmile = try await statement("year=\(year)&participant=\(emile.uuidString)", as: token)
                #expect((cents(forEmile["paid"]), cents(forEmile["refunded"])) == (6_000, 600), "\(forEmile)")
                #expect(
                    ((forEmile["entries"] as? [[String: Any]])?.first?["lines"] as? [[String: Any]])?.compactMap { $0["participantName"] as? String }
                        == ["Émile Tremblay"])
                // Another year, another account, a stranger's child: nothing.
                #expect((try await statement("year=\(year - 1)", as: token)["entries"] as? [Any])?.isEmpty == true)
                let stranger = try await TestKeys.shared.token(for: UUID())
                #expect((try await statement("year=\(year)", as: stranger)["entries"] as? [Any])?.isEmpty == true)
                #expect(
                    (try await statement("year=\(year)&participant=\(lea.uuidString)", as: stranger)["entries"] as? [Any])?.isEmpty == true)
                try await payment.execute(uri: "/v1/me/statement?year=\(year)&participant=nobody", method: .get, headers: bearer(token))
                    .problem("/problems/invalid-request", status: .badRequest)
                #expect(try await payment.execute(uri: "/v1/me/statement?year=\(year)", method: .get).status == .unauthorized)
            }
        }
    }

    /// In January, each account that paid in the past year is mailed once, in its language, that its statement is
    /// ready; the link opens the portal in that language.
    @Test func eachPayerIsToldOnceInJanuaryThatLastYearsStatementIsReady() async throws {
        let (seller, english, french) = (UUID(), UUID(), UUID())
        let clock = ManualWallClock(CalendarDate("2026-12-15")!.noon)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, clock: clock, environment: sandbox.environment) { payment, database in
                for (account, email, language) in [(english, "mary@example.org", "en"), (french, "marie@example.org", "fr")] {
                    let checkout = checkoutEvent(
                        seller: seller, payer: .init(accountId: account, email: email, name: "Marie", language: language),
                        holdExpiresAt: clock.now() + 900)
                    try await withEvents(database) { events in try await events.checkout(checkout) }
                    let token = try await TestKeys.shared.token(for: account, issuedAt: clock.now(), lifetime: 3600)
                    let paid = try await pay(
                        payment, checkout: checkout.checkoutId, token: try await sandbox.token("4242424242424242"), bearer: token)
                    #expect(paid.status == .created, "\(paid.text)")
                    _ = try await database.mailbox.waitForMail(to: email)
                }
                // December: nothing yet. January 4: one mail each, in their language.
                try await Task.sleep(for: .milliseconds(500))
                #expect(try database.mailbox.mails(to: "mary@example.org").count == 1)
                clock.set(CalendarDate("2027-01-04")!.noon)
                let ready = try await database.mailbox.waitForMail(to: "mary@example.org", count: 2)
                #expect(ready.subject == "Your 2026 statement is ready", "\(ready.subject)")
                #expect(ready.text.contains("/language/en?back=%2Fetat%2Dde%2Dcompte%3Fannee%3D2026"), "\(ready.text)")
                let prete = try await database.mailbox.waitForMail(to: "marie@example.org", count: 2)
                #expect(prete.subject == "Votre état de compte 2026 est prêt", "\(prete.subject)")
                #expect(prete.text.contains("/language/fr?back="), "\(prete.text)")
                // The year is then done: many rounds later, nobody is mailed again.
                try await eventually("the year is marked done") {
                    try await database.count("SELECT count(*) FROM payment.statement_years WHERE year = 2026") == 1
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(try database.mailbox.mails(to: "mary@example.org").count == 2)
                #expect(try database.mailbox.mails(to: "marie@example.org").count == 2)
                #expect(try await database.count("SELECT count(*) FROM payment.statement_mailings WHERE year = 2026") == 2)
            }
        }
    }

    @Test func noCardNumberOrCVCIsKeptAnywhere() async throws {
        let (seller, parent) = (UUID(), UUID())
        let token = try await TestKeys.shared.token(for: parent)
        try await withSandbox { sandbox in
            try await withService(PaymentService.self, environment: sandbox.environment) { payment, database in
                let checkouts = (0..<3).map { _ in
                    checkoutEvent(seller: seller, payer: .init(accountId: parent, email: "parent@example.org", name: "Marie", language: "fr"))
                }
                try await withEvents(database) { events in for checkout in checkouts { try await events.checkout(checkout) } }
                let cards = [("4242424242424242", "731"), ("4000000000000002", "742"), ("5555555555554444", "753")]
                for (checkout, card) in zip(checkouts, cards) {
                    _ = try await pay(payment, checkout: checkout.checkoutId, token: try await sandbox.token(card.0, cvc: card.1), bearer: token)
                }
                _ = try await database.mailbox.waitForMail(to: "parent@example.org")
                // Every row of every payment table, the outbox's payloads and the mails, as text.
                let dump = try await database.paymentDump()
                let mails = try database.mailbox.mails(to: "parent@example.org").map { $0.text + $0.html }.joined()
                #expect(dump.contains("\"card_last4\":\"4242\"") && dump.contains("parent@example.org"), "the dump holds the rows")
                for (number, cvc) in cards {
                    for text in [dump, mails] {
                        #expect(!text.contains(number) && !text.contains(number.dropLast(4)), "no card number")
                        #expect(!text.contains("\"\(cvc)\"") && !text.contains(":\(cvc),") && !text.contains("cvc"), "no CVC")
                    }
                }
            }
        }
    }
}
