import Contracts
import Crypto
import Database
import Foundation
import Messaging
import Logging
import Mail
import NIOCore
import Outbox
import PostgresNIO
import ServiceKit

/// Charges checkouts through the processor, never twice: the idempotency key and the payment row are committed
/// before the processor is asked, a checkout has at most one live payment, and whatever answers first — the
/// processor's reply, its webhook or the reconciler's lookup — settles the payment once.
struct PaymentStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let processor: any PaymentProcessor
    let holdMargin: TimeInterval
    let mailing: PaymentMailing
    let clock: any WallClock

    enum Payer: Sendable {
        case account(UUID)
        /// The SHA-256 (hex) of the guest token enrolment gave the payer.
        case guest(tokenSHA256: String)

        var idempotencyScope: String {
            switch self {
            case .account(let id): id.uuidString.lowercased()
            case .guest(let digest): "guest:" + digest
            }
        }
    }

    struct PayRequest: Sendable {
        /// A cart's checkout, an invoice or an instalment (`kind` says which the caller means).
        var checkoutId: UUID
        var kind = "cart"
        var cardToken: String
        var billingAddress: BillingAddress
        var key: String
        var requestHash: [UInt8]
    }

    private enum Start: Sendable {
        case replay(UUID)
        /// `saveCard`: the checkout starts a payment plan, whose instalments charge the card later.
        case started(Payment, description: String, saveCard: Bool)
    }

    static let columns = """
        p.id, p.checkout_id, p.payer_account_id, p.selling_organisation_id, p.amount_cents, p.refunded_cents, p.status, p.failure_code,
        p.card_brand, p.card_last4, p.card_exp_month, p.card_exp_year, r.number, p.created_at, p.settled_at
        """

    /// Pays a checkout, or answers again for the same key. Returns the payment as it stands: `succeeded`,
    /// `declined`, or `unknown` when the processor did not answer in time.
    func pay(_ request: PayRequest, payer: Payer, now: Date) async throws -> Payment {
        switch try await start(request, payer: payer, now: now) {
        case .replay(let id):
            guard let payment = try await find(id: id) else { throw Problem.notFound }
            return payment
        case .started(let payment, let description, let saveCard):
            let outcome = await processor.charge(
                .token(request.cardToken, saveForLater: saveCard), amountCents: payment.amountCents, reference: payment.id, description: description)
            return try await settle(payment.id, outcome: outcome, at: clock.now(), logger: logger)
        }
    }

    private func start(_ request: PayRequest, payer: Payer, now: Date) async throws -> Start {
        let scope = payer.idempotencyScope
        do {
            return try await client.transaction(logger: logger) { connection in
                if case .replay(let body) = try await Idempotency.claim(
                    scope: scope, key: request.key, requestHash: request.requestHash, at: now, on: connection, logger: logger)
                {
                    guard let id = UUID(uuidString: String(decoding: body, as: UTF8.self)) else { throw Problem.internalError }
                    return .replay(id)
                }
                var found: (CheckoutEvent, UUID?, String?, Bool, String)?
                for try await (document, account, guestDigest, expired, kind) in try await connection.query(
                    "SELECT document::text, payer_account_id, guest_token_sha256, expired, kind FROM checkouts WHERE id = \(request.checkoutId)",
                    logger: logger
                ).decode((String, UUID?, String?, Bool, String).self) {
                    found = (try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(document.utf8)), account, guestDigest, expired, kind)
                }
                guard let (checkout, account, guestDigest, expired, kind) = found, kind == request.kind else {
                    throw request.kind == "cart" ? Problem.checkoutNotReady : Problem.notFound
                }
                switch payer {
                case .account(let id): guard account == id else { throw Problem.notFound }
                case .guest(let digest): guard guestDigest == digest else { throw Problem.notFound }
                }
                guard checkout.total.amountCents > 0 else { throw Problem.nothingToPay }
                for try await status in try await connection.query(
                    "SELECT status FROM payments WHERE checkout_id = \(request.checkoutId) AND status <> 'declined'", logger: logger
                ).decode(String.self) {
                    guard status != Payment.Status.succeeded.rawValue else {
                        throw kind == "invoice"
                            ? Problem.invoiceAlreadyPaid : kind == "instalment" ? Problem.instalmentAlreadyPaid : Problem.checkoutAlreadyPaid
                    }
                    throw Problem.paymentInProgress
                }
                guard !expired, checkout.holdExpiresAt.addingTimeInterval(-holdMargin) > now else {
                    throw kind == "invoice" ? Problem.invoiceCancelled : kind == "instalment" ? Problem.instalmentCancelled : Problem.checkoutExpired
                }
                let payment = Payment(
                    id: UUID(), checkoutId: checkout.checkoutId, payerAccountId: account, sellingOrganisationId: checkout.sellingOrganisationId,
                    amountCents: checkout.total.amountCents, refundedCents: 0, status: .pending, createdAt: now)
                try await connection.query(
                    """
                    INSERT INTO payments (id, version, checkout_id, payer_account_id, selling_organisation_id, amount_cents, status,
                        billing_address, idempotency_scope, idempotency_key, created_at, updated_at)
                    VALUES (\(payment.id), 1, \(payment.checkoutId), \(account), \(payment.sellingOrganisationId), \(payment.amountCents), 'pending',
                        \(String(decoding: try JSONEncoder().encode(request.billingAddress), as: UTF8.self))::jsonb, \(scope), \(request.key),
                        \(now), \(now))
                    """, logger: logger)
                let description = checkout.lines.map(\.offeringCode).joined(separator: ", ")
                return .started(payment, description: String(description.prefix(200)), saveCard: !(checkout.instalments ?? []).isEmpty)
            }
        } catch  where error.sqlState == "23505" {
            // Another key paying the same checkout at this very moment (a double click that made two keys).
            throw Problem.paymentInProgress
        }
    }

    /// Records the processor's outcome, once: only a `pending` or `unknown` payment changes. A success issues
    /// the receipt number, records the lines, the event and the payer's mail in the same transaction.
    func settle(_ id: UUID, outcome: ChargeOutcome, at now: Date, logger: Logger) async throws -> Payment {
        try await client.transaction(logger: logger) { connection in
            var row: (String, Int64, String, String, String, String, Bool, Date, String)?
            for try await values in try await connection.query(
                """
                SELECT p.status, p.version, p.billing_address::text, p.idempotency_scope, p.idempotency_key, c.document::text, c.expired,
                       c.hold_expires_at, c.kind
                FROM payments p JOIN checkouts c ON c.id = p.checkout_id WHERE p.id = \(id) FOR UPDATE OF p
                """, logger: logger
            ).decode((String, Int64, String, String, String, String, Bool, Date, String).self) {
                row = values
            }
            guard let (status, version, billingText, scope, key, checkoutText, expired, holdExpiresAt, kind) = row else { return }
            // An invoice's or an instalment's payment holds no seats: enrolment hears of it through their own events.
            let holdsSeats = kind == "cart"
            if status == Payment.Status.declined.rawValue, case .succeeded(let charge) = outcome {
                logger.error(
                    "the processor reports a charge for a payment recorded as not charged; refund it by hand",
                    metadata: ["payment": "\(id)", "charge": "\(charge.id)"])
            }
            guard status == Payment.Status.pending.rawValue || status == Payment.Status.unknown.rawValue else { return }
            try await connection.query(
                "UPDATE idempotency_keys SET response = \(ByteBuffer(string: id.uuidString)) WHERE scope = \(scope) AND key = \(key) AND response IS NULL",
                logger: logger)
            let checkout = try EventJSON.decoder.decode(CheckoutEvent.self, from: Data(checkoutText.utf8))
            switch outcome {
            case .unknown(let reason):
                logger.warning("no answer from the processor; the payment will be reconciled", metadata: ["payment": "\(id)", "reason": "\(reason)"])
                try await connection.query(
                    "UPDATE payments SET status = 'unknown', updated_at = \(now) WHERE id = \(id) AND status = 'pending'", logger: logger)
            case .declined(let code):
                try await connection.query(
                    """
                    UPDATE payments SET status = 'declined', failure_code = \(code), version = version + 1, updated_at = \(now), settled_at = \(now)
                    WHERE id = \(id)
                    """, logger: logger)
                // The saved card refused an instalment: tried again later, and the family told. A card the family typed
                // on the portal is answered there.
                if kind == "instalment", scope == "instalment" {
                    try await InstalmentStore.declined(
                        checkout.checkoutId, code: code, checkout: checkout, mailing: mailing, at: now, on: connection, logger: logger)
                }
                // Nothing held to release: the payer tries another card.
                guard holdsSeats else { break }
                // The payer may try another card while the hold lasts; enrolment keeps the seats until then.
                let retryable = !expired && holdExpiresAt.addingTimeInterval(-holdMargin) > now
                try await Outbox.enqueue(
                    PendingEvent(
                        routingKey: EventName.chargeFailed, subject: id.uuidString.lowercased(), occurredAt: now,
                        payload: ChargeEvent(
                            paymentId: id, version: version + 1, checkoutId: checkout.checkoutId, amount: checkout.total, receiptNumber: nil,
                            reason: code, retryable: retryable)),
                    on: connection, logger: logger)
            case .succeeded(let charge):
                let billing = try JSONDecoder().decode(BillingAddress.self, from: Data(billingText.utf8))
                let card = Payment.Card(brand: charge.brand, last4: charge.last4, expMonth: charge.expMonth, expYear: charge.expYear)
                try await connection.query(
                    """
                    UPDATE payments SET status = 'succeeded', processor_charge_id = \(charge.id), card_brand = \(charge.brand),
                        card_last4 = \(charge.last4), card_exp_month = \(charge.expMonth), card_exp_year = \(charge.expYear),
                        version = version + 1, updated_at = \(now), settled_at = \(now)
                    WHERE id = \(id)
                    """, logger: logger)
                let receipt = try await Self.issueReceipt(
                    paymentId: id, checkout: checkout, billingAddress: billing, card: card, at: now, on: connection, logger: logger)
                try await Self.recordLines(paymentId: id, checkout: checkout, on: connection, logger: logger)
                if kind == "invoice" {
                    try await InvoiceStore.paid(
                        checkout.checkoutId, payment: id, receiptNumber: receipt.number, checkout: checkout, at: now, on: connection, logger: logger)
                } else if kind == "instalment" {
                    try await InstalmentStore.paid(
                        checkout.checkoutId, payment: id, receiptNumber: receipt.number, checkout: checkout, at: now, on: connection, logger: logger)
                } else {
                    try await InstalmentStore.schedule(
                        checkout, paymentMethod: charge.paymentMethod, billingAddress: billingText, at: now, on: connection, logger: logger)
                    try await Outbox.enqueue(
                        PendingEvent(
                            routingKey: EventName.chargeSucceeded, subject: id.uuidString.lowercased(), occurredAt: now,
                            payload: ChargeEvent(
                                paymentId: id, version: version + 1, checkoutId: checkout.checkoutId, amount: checkout.total,
                                receiptNumber: receipt.number, reason: nil)),
                        on: connection, logger: logger)
                }
                try await mailing.queueConfirmation(receipt, forAccount: checkout.payer.accountId != nil, at: now, on: connection, logger: logger)
            }
        }
        guard let payment = try await find(id: id) else { throw Problem.notFound }
        return payment
    }

    /// The next number of a series, without gaps: the counter row stays locked until the caller commits.
    static func nextNumber(organisation: UUID, year: Int, series: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query(
            """
            INSERT INTO document_counters (organisation_id, year, series, last_number) VALUES (\(organisation), \(year), \(series), 1)
            ON CONFLICT (organisation_id, year, series) DO UPDATE SET last_number = document_counters.last_number + 1
            RETURNING last_number
            """, logger: logger
        ).collect().first!.decode(Int64.self)
    }

    static func prefix(of organisation: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Receipt.Organisation {
        for try await (code, fr, en) in try await connection.query(
            "SELECT short_code, name_fr, name_en FROM organisations WHERE id = \(organisation)", logger: logger
        ).decode((String, String, String).self) {
            return .init(id: organisation, shortCode: code, name: .init(fr: fr, en: en))
        }
        // Not yet known from the catalogue's events: the number stays unique, the name is filled in later pages.
        return .init(id: organisation, shortCode: "ORG" + organisation.uuidString.prefix(8), name: .init(fr: "", en: ""))
    }

    private static func issueReceipt(
        paymentId: UUID, checkout: CheckoutEvent, billingAddress: BillingAddress, card: Payment.Card, at now: Date,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Receipt {
        let organisation = try await prefix(of: checkout.sellingOrganisationId, on: connection, logger: logger)
        let year = CalendarDate(now).year
        let sequence = try await nextNumber(organisation: organisation.id, year: year, series: "receipt", on: connection, logger: logger)
        let receipt = Receipt(
            number: Receipt.number(prefix: organisation.shortCode, year: year, sequence: sequence), issuedAt: now, checkout: checkout,
            organisation: organisation, billingAddress: billingAddress, card: card, paymentId: paymentId)
        try await connection.query(
            """
            INSERT INTO receipts (payment_id, number, issued_at, document)
            VALUES (\(paymentId), \(receipt.number), \(now), \(String(decoding: try EventJSON.encoder.encode(receipt), as: UTF8.self))::jsonb)
            """, logger: logger)
        return receipt
    }

    private static func recordLines(paymentId: UUID, checkout: CheckoutEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let lines = checkout.lines
        let taxes = lines.map { $0.taxes.reduce(Int64(0)) { $0 + $1.amount.amountCents } }
        let notEligible = zip(lines, taxes).map { line, tax in Releve24.notEligibleCents(line, taxCents: tax) }
        let careDays = lines.map { line -> Int32 in
            guard let first = line.sessionStartDate.flatMap(CalendarDate.init), let last = line.sessionEndDate.flatMap(CalendarDate.init) else {
                return 0
            }
            // A plan's instalments pay for the same days as its deposit: counted once.
            guard (line.planPart?.number ?? 0) == 0 else { return 0 }
            return Int32(first.weekdays(through: last))
        }
        let birthDates = lines.map { $0.participantBirthDate.flatMap(CalendarDate.init)?.description ?? "" }
        let starts = lines.map { $0.sessionStartDate.flatMap(CalendarDate.init)?.description ?? "" }
        try await connection.query(
            """
            INSERT INTO payment_lines (payment_id, registration_id, participant_id, participant_name, offering_id, offering_code, title_fr, title_en,
                subtotal_cents, tax_cents, total_cents, releve24, not_eligible_cents, care_days, participant_birth_date, session_starts_on)
            SELECT \(paymentId), r, p, pn, o, oc, tf, te, s, t, s + t, rl, ne, cd, nullif(bd, '')::date, nullif(ss, '')::date
            FROM unnest(\(lines.map(\.registrationId)), \(lines.map(\.participantId)), \(lines.map(\.participantName)), \(lines.map(\.offeringId)),
                \(lines.map(\.offeringCode)), \(lines.map(\.offeringTitle.fr)), \(lines.map(\.offeringTitle.en)), \(lines.map(\.subtotal.amountCents)),
                \(taxes), \(lines.map(\.releve24)), \(notEligible), \(careDays), \(birthDates), \(starts))
                AS l(r, p, pn, o, oc, tf, te, s, t, rl, ne, cd, bd, ss)
            """, logger: logger)
    }

    func find(id: UUID) async throws -> Payment? {
        try await Self.decode(
            client.query(
                "SELECT \(unescaped: Self.columns) FROM payments p LEFT JOIN receipts r ON r.payment_id = p.id WHERE p.id = \(id)",
                logger: logger)
        ).first
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Payment] {
        var payments: [Payment] = []
        for try await (id, checkout, payer, seller, amount, refunded, status, failure, brand, last4, month, year, receipt, created, settled)
            in rows.decode(
                (UUID, UUID, UUID?, UUID, Int64, Int64, String, String?, String?, String?, Int?, Int?, String?, Date, Date?).self)
        {
            payments.append(
                Payment(
                    id: id, checkoutId: checkout, payerAccountId: payer, sellingOrganisationId: seller, amountCents: amount, refundedCents: refunded,
                    status: Payment.Status(rawValue: status) ?? .unknown, failureCode: failure,
                    card: brand.flatMap { brand in last4.map { .init(brand: brand, last4: $0, expMonth: month ?? 0, expYear: year ?? 0) } },
                    receiptNumber: receipt, createdAt: created, settledAt: settled))
        }
        return payments
    }
}

/// What settling needs to queue the payer's mail.
struct PaymentMailing: Sendable {
    let mails: PaymentMails
    let key: SymmetricKey
    let from: MailMessage.Address
    /// The portal's public address: the mail links the receipt's page there.
    let publicBaseURL: String

    /// `forAccount`: the receipt's page is the signed-in payer's; a guest's opens in the browser they paid with
    /// (its sealed cookie), under `/invite`.
    func queueConfirmation(_ receipt: Receipt, forAccount: Bool, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        let english = receipt.language == "en"
        func money(_ cents: Int64) -> String { MoneyText.format(cents, english: english) }
        var values: [String: Any] = [
            "name": receipt.payer.name ?? receipt.payer.billingAddress.name, "total": money(receipt.total.amountCents), "number": receipt.number,
            "organisation": english ? receipt.organisation.name.en : receipt.organisation.name.fr,
            "card": receipt.card.masked,
            "lines": receipt.lines.map {
                [
                    "participant": $0.participantName, "code": $0.offeringCode, "title": $0.title.fr, "titleEn": $0.title.en,
                    "amount": money($0.total.amountCents),
                ]
            },
        ]
        values["forAccount"] = forAccount
        values["receiptLink"] = "\(publicBaseURL)\(forAccount ? "" : "/invite")/paiements/\(receipt.paymentId.uuidString.lowercased())/recu"
        let message = mails.confirmation.message(
            language: english ? .en : .fr, from: from, to: .init(email: receipt.payer.email, name: receipt.payer.name), values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }
}

extension Problem {
    static let checkoutNotReady = Problem(
        type: "/problems/checkout-not-ready", status: .conflict,
        title: .init(fr: "Votre commande n'est pas encore prête pour le paiement.", en: "Your checkout is not ready for payment yet."),
        detail: .init(fr: "Réessayez dans quelques secondes.", en: "Try again in a few seconds."),
        headers: ["Retry-After": "2"])

    static let checkoutExpired = Problem(
        type: "/problems/checkout-expired", status: .conflict,
        title: .init(fr: "Le délai pour payer cette commande est écoulé.", en: "The time to pay for this checkout has run out."),
        detail: .init(
            fr: "Les places ne sont plus réservées et rien n'a été débité. Recommencez l'inscription.",
            en: "The seats are no longer held and nothing was charged. Please register again."))

    static let checkoutAlreadyPaid = Problem(
        type: "/problems/checkout-already-paid", status: .conflict,
        title: .init(fr: "Cette commande est déjà payée.", en: "This checkout is already paid."),
        detail: .init(fr: "Votre reçu est dans l'historique de vos paiements.", en: "Your receipt is in your payment history."))

    static let paymentInProgress = Problem(
        type: "/problems/payment-in-progress", status: .conflict,
        title: .init(fr: "Un paiement de cette commande est déjà en cours.", en: "A payment of this checkout is already in progress."),
        detail: .init(fr: "Ne payez pas de nouveau : patientez un instant.", en: "Do not pay again: please wait a moment."),
        headers: ["Retry-After": "2"])

    static let invoiceAlreadyPaid = Problem(
        type: "/problems/invoice-already-paid", status: .conflict,
        title: .init(fr: "Cette facture est déjà payée.", en: "This invoice is already paid."),
        detail: .init(fr: "Votre reçu est dans l'historique de vos paiements.", en: "Your receipt is in your payment history."))

    static let invoiceCancelled = Problem(
        type: "/problems/invoice-cancelled", status: .conflict,
        title: .init(fr: "Cette facture a été annulée.", en: "This invoice was cancelled."),
        detail: .init(fr: "Il n'y a plus rien à payer et rien n'a été débité.", en: "There is nothing left to pay and nothing was charged."))

    static let instalmentAlreadyPaid = Problem(
        type: "/problems/instalment-already-paid", status: .conflict,
        title: .init(fr: "Ce versement est déjà payé.", en: "This instalment is already paid."),
        detail: .init(fr: "Votre reçu est dans l'historique de vos paiements.", en: "Your receipt is in your payment history."))

    static let instalmentCancelled = Problem(
        type: "/problems/instalment-cancelled", status: .conflict,
        title: .init(fr: "Ce versement a été annulé avec son inscription.", en: "This instalment was cancelled with its registration."),
        detail: .init(fr: "Il n'y a plus rien à payer et rien n'a été débité.", en: "There is nothing left to pay and nothing was charged."))

    static let nothingToPay = Problem(
        type: "/problems/nothing-to-pay", status: .conflict,
        title: .init(fr: "Cette commande n'a rien à payer.", en: "This checkout has nothing to pay."))
}

extension PaymentStore {
    /// The succeeded payment of a checkout, if any (one at most: a partial unique index).
    static func capturedPayment(of checkoutId: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        var payment: UUID?
        for try await id in try await connection.query(
            "SELECT id FROM payments WHERE checkout_id = \(checkoutId) AND status = 'succeeded'", logger: logger
        ).decode(UUID.self) {
            payment = id
        }
        return payment
    }
}

extension PaymentMailing {
    /// Enrolment's reasons, said in words by the refund mail; any other reason is what staff wrote.
    static let refundReasons = [
        "cancelled-by-guardian": "byYou", "cancelled-by-staff": "byStaff", "offering-cancelled": "offeringCancelled",
        "no-seat-after-late-payment": "noSeat", "registration-cancelled": "afterCancellation",
    ]

    /// The payer's mail for a refund that just completed, in the receipt's language, in the settling transaction.
    func queueRefund(_ id: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        var found: (String, Int64, String, [UUID], String, UUID?)?
        for try await row in try await connection.query(
            """
            SELECT r.document::text, f.amount_cents, f.reason, f.registration_ids, f.credit_note_number, p.payer_account_id
            FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN receipts r ON r.payment_id = f.payment_id
            WHERE f.id = \(id) AND f.credit_note_number IS NOT NULL
            """, logger: logger
        ).decode((String, Int64, String, [UUID], String, UUID?).self) {
            found = row
        }
        guard let (document, amount, reason, registrations, number, payer) = found else { return }
        let receipt = try EventJSON.decoder.decode(Receipt.self, from: Data(document.utf8))
        let english = receipt.language == "en"
        let language: Language = english ? .en : .fr
        let covered = Set(registrations)
        let lines = receipt.lines.filter { covered.contains($0.registrationId) }
        var values: [String: Any] = [
            "name": receipt.payer.name ?? receipt.payer.billingAddress.name, "amount": MoneyText.format(amount, english: english),
            "number": number, "organisation": english ? receipt.organisation.name.en : receipt.organisation.name.fr,
            "card": receipt.card.masked, "receipt": receipt.number,
            "receiptOn": DateText.day(receipt.issuedAt, language), "issuedOn": DateText.day(now, language), "hasLines": !lines.isEmpty,
            "lines": lines.map { ["participant": $0.participantName, "code": $0.offeringCode, "title": $0.title.fr, "titleEn": $0.title.en] },
        ]
        if let key = Self.refundReasons[reason] { values[key] = true } else { values["staffReason"] = reason }
        // A guest has no account to read it in: the mail is their proof.
        if payer != nil {
            values["creditNoteLink"] =
                "\(publicBaseURL)/paiements/\(receipt.paymentId.uuidString.lowercased())/remboursements/\(id.uuidString.lowercased())"
        }
        let message = mails.refundCompleted.message(
            language: english ? .en : .fr, from: from, to: .init(email: receipt.payer.email, name: receipt.payer.name), values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }
}

extension PaymentMailing {
    /// January's mail: the past year's statement is ready; the link opens the portal in the payer's language.
    func queueStatementReady(
        year: Int, to recipient: MailMessage.Address, english: Bool, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let back = "/etat-de-compte?annee=\(year)".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let values: [String: Any] = [
            "name": recipient.name ?? "", "year": String(year), "link": "\(publicBaseURL)/language/\(english ? "en" : "fr")?back=\(back)",
        ]
        let message = mails.statementReady.message(language: english ? .en : .fr, from: from, to: recipient, values: values, date: now)
        try await MailQueue.enqueue(message, at: now, sealedWith: key, on: connection, logger: logger)
    }
}
