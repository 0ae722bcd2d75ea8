import Contracts
import Crypto
import Foundation
import Logging
import Mail
import Messaging
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// Mails from state: the payer (the guardian, or the guest) once their registrations are confirmed, whatever
/// confirmed them, one mail per checkout; the participant too when they have an address of their own (a
/// student, an adult registering for themselves) and the household's first guardian when someone else paid
/// (CAL step 16); the guardian offered a waitlist seat. A crash before the commit
/// mails later, never twice; several instances share the work (`SKIP LOCKED`).
struct EnrolmentMailer: Service {
    let client: PostgresClient
    let mails: EnrolmentMails
    let mailKey: SymmetricKey
    let from: MailMessage.Address
    let clock: any WallClock
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await Periodic.run(every: interval, logger: logger, failure: "confirmation mails failed") { _ in
            while try await mailDue() > 0 {}
            while try await mailOffers() > 0 {}
            while try await mailCancellations() > 0 {}
            while try await mailRegistrationCancellations() > 0 {}
            while try await mailDateChanges() > 0 {}
        }
    }

    /// Queues the mails of up to 50 newly confirmed registrations; returns how many were handled.
    func mailDue() async throws -> Int {
        let (mails, mailKey, from, logger, now) = (self.mails, self.mailKey, self.from, self.logger, clock.now())
        return try await client.transaction(logger: logger) { connection in
            var byCheckout: [UUID: (payer: CheckoutEvent.Payer, lines: [[String: Any]])] = [:]
            var others: [String: (name: String, language: String?, lines: [[String: Any]])] = [:]
            var handled: [UUID] = []
            for try await (
                id, checkoutId, sessionId, checkoutDocument, offeringDocument, participantEmail, guardianEmail, guardianName, guardianLanguage
            )
                in try await connection.query(
                    """
                    SELECT r.id, r.checkout_id, r.session_id, c.document::text, o.document::text, p.email, fg.email, fg.first_name, fg.language
                    FROM registrations r JOIN checkouts c ON c.id = r.checkout_id JOIN offerings o ON o.id = r.offering_id
                    JOIN participants p ON p.id = r.participant_id
                    LEFT JOIN LATERAL (
                        SELECT a.email, a.first_name, a.language FROM household_guardians g JOIN account_contacts a ON a.account_id = g.account_id
                        WHERE g.household_id = p.household_id ORDER BY g.since, g.account_id LIMIT 1
                    ) fg ON true
                    WHERE r.status = 'confirmed' AND r.confirmation_mailed_at IS NULL
                    ORDER BY r.updated_at LIMIT 50 FOR UPDATE OF r SKIP LOCKED
                    """, logger: logger
                ).decode((UUID, UUID, UUID, String, String, String?, String?, String?, String?).self)
            {
                handled.append(id)
                guard let checkout = try? EventJSON.decoder.decode(CheckoutEvent.self, from: Data(checkoutDocument.utf8)),
                    let line = checkout.lines.first(where: { $0.registrationId == id }),
                    let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(offeringDocument.utf8)),
                    let session = offering.sessions.first(where: { $0.sessionId == sessionId })
                else { continue }
                var values: [String: Any] = [
                    "participant": line.participantName, "code": offering.code, "title": offering.title.fr, "titleEn": offering.title.en,
                    "session": session.name.fr, "sessionEn": session.name.en,
                ]
                values.merge(Self.days(["startsOn": session.startsOn, "endsOn": session.endsOn])) { $1 }
                values["schedule"] = session.schedule?.fr
                values["scheduleEn"] = session.schedule?.en
                values["location"] = session.location?.fr
                values["locationEn"] = session.location?.en
                values["access"] = session.accessInstructions?.fr
                values["accessEn"] = session.accessInstructions?.en
                byCheckout[checkoutId, default: (checkout.payer, [])].lines.append(values.compactMapValues { $0 })
                let payer = checkout.payer.email.lowercased()
                if let participantEmail, participantEmail.lowercased() != payer {
                    others[participantEmail.lowercased(), default: (line.participantName, checkout.payer.language, [])].lines
                        .append(values.compactMapValues { $0 })
                }
                if let guardianEmail, guardianEmail.lowercased() != payer, guardianEmail.lowercased() != participantEmail?.lowercased() {
                    others[guardianEmail.lowercased(), default: (guardianName ?? "", guardianLanguage, [])].lines.append(
                        values.compactMapValues { $0 })
                }
            }
            for (email, mail) in others {
                let message = mails.confirmation.message(
                    language: mail.language == "en" ? .en : .fr, from: from, to: .init(email: email, name: mail.name),
                    values: ["payerName": mail.name, "registrations": mail.lines], date: now)
                try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
            }
            for (_, mail) in byCheckout {
                let message = mails.confirmation.message(
                    language: mail.payer.language == "en" ? .en : .fr, from: from,
                    to: .init(email: mail.payer.email, name: mail.payer.name),
                    values: ["payerName": mail.payer.name ?? "", "registrations": mail.lines],
                    date: now)
                try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
            }
            if !handled.isEmpty {
                try await connection.query(
                    "UPDATE registrations SET confirmation_mailed_at = \(now) WHERE id = ANY(\(handled))", logger: logger)
            }
            return handled.count
        }
    }

    /// Queues the mails of up to 50 new waitlist offers; returns how many were handled.
    func mailOffers() async throws -> Int {
        let (mails, mailKey, from, logger, now) = (self.mails, self.mailKey, self.from, self.logger, clock.now())
        return try await client.transaction(logger: logger) { connection in
            var handled: [UUID] = []
            for try await (id, sessionId, expires, participant, email, name, language, offeringDocument) in try await connection.query(
                """
                SELECT w.id, w.session_id, w.offer_expires_at, p.first_name || ' ' || p.last_name, c.email, c.first_name, c.language,
                       o.document::text
                FROM waitlist_entries w JOIN participants p ON p.id = w.participant_id
                JOIN account_contacts c ON c.account_id = w.account_id JOIN offerings o ON o.id = w.offering_id
                WHERE w.status = 'offered' AND w.offer_mailed_at IS NULL
                ORDER BY w.offered_at LIMIT 50 FOR UPDATE OF w SKIP LOCKED
                """, logger: logger
            ).decode((UUID, UUID, Date, String, String, String, String, String).self) {
                handled.append(id)
                guard let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(offeringDocument.utf8)),
                    let session = offering.sessions.first(where: { $0.sessionId == sessionId })
                else { continue }
                let message = mails.waitlistOffer.message(
                    language: language == "en" ? .en : .fr, from: from, to: .init(email: email, name: name),
                    values: [
                        "name": name, "participant": participant, "code": offering.code, "title": offering.title.fr, "titleEn": offering.title.en,
                        "session": session.name.fr, "sessionEn": session.name.en,
                        "expires": DateText.dayAndTime(expires, language == "en" ? .en : .fr),
                    ], date: now)
                try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
            }
            if !handled.isEmpty {
                try await connection.query("UPDATE waitlist_entries SET offer_mailed_at = \(now) WHERE id = ANY(\(handled))", logger: logger)
            }
            return handled.count
        }
    }

    /// Queues the mails of up to 50 registrations an offering's cancellation took: each participant's guardians,
    /// or the guest who paid, in their language. Returns how many registrations were handled.
    func mailCancellations() async throws -> Int {
        let (mails, mailKey, from, logger, now) = (self.mails, self.mailKey, self.from, self.logger, clock.now())
        return try await client.transaction(logger: logger) { connection in
            var handled: [UUID] = []
            var rows: [(UUID, UUID, Int64, String, String)] = []
            for try await row in try await connection.query(
                """
                SELECT r.id, r.session_id, \(unescaped: InvoiceBilling.paidOnlineCents), p.first_name || ' ' || p.last_name, o.document::text
                FROM registrations r JOIN participants p ON p.id = r.participant_id JOIN offerings o ON o.id = r.offering_id
                WHERE r.status_reason = 'offering-cancelled' AND r.cancellation_mailed_at IS NULL
                ORDER BY r.updated_at LIMIT 50 FOR UPDATE OF r SKIP LOCKED
                """, logger: logger
            ).decode((UUID, UUID, Int64, String, String).self) {
                rows.append(row)
            }
            for (id, sessionId, amount, participant, offeringDocument) in rows {
                handled.append(id)
                guard let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(offeringDocument.utf8)),
                    let session = offering.sessions.first(where: { $0.sessionId == sessionId })
                else { continue }
                let recipients = try await Self.family(ofRegistrations: [id], on: connection, logger: logger)
                for (email, recipient) in recipients.sorted(by: { $0.key < $1.key }) {
                    var values: [String: Any] = [
                        "name": recipient.name, "participant": participant, "code": offering.code, "title": offering.title.fr,
                        "titleEn": offering.title.en, "session": session.name.fr, "sessionEn": session.name.en,
                    ]
                    if amount > 0 { values["paid"] = true }
                    let message = mails.offeringCancelled.message(
                        language: recipient.language == "en" ? .en : .fr, from: from, to: .init(email: email, name: recipient.name), values: values,
                        date: now)
                    try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
                }
            }
            if !handled.isEmpty {
                try await connection.query("UPDATE registrations SET cancellation_mailed_at = \(now) WHERE id = ANY(\(handled))", logger: logger)
            }
            return handled.count
        }
    }

    /// Queues the notices of up to 50 registrations the family or the organisation cancelled: the payer (or, for a
    /// registration staff made without payment, the participant's family), in their language, with the policy
    /// applied and what is refunded. Returns how many registrations were handled.
    func mailRegistrationCancellations() async throws -> Int {
        let (mails, mailKey, from, logger, now) = (self.mails, self.mailKey, self.from, self.logger, clock.now())
        return try await client.transaction(logger: logger) { connection in
            var rows: [(UUID, UUID, String, UUID?, String, String, String?, Int64?, String?, String?, String?, Int64)] = []
            for try await row in try await connection.query(
                """
                SELECT r.id, r.session_id, r.status_reason, r.checkout_id, p.first_name || ' ' || p.last_name, o.document::text,
                    q.status, coalesce(CASE WHEN q.status = 'completed' THEN q.refunded_cents END, q.amount_cents), coalesce(a.email, k.document->'payer'->>'email'),
                    coalesce(a.first_name, k.document->'payer'->>'name'), coalesce(a.language, k.document->'payer'->>'language'),
                    \(unescaped: InvoiceBilling.paidOnlineCents)
                FROM registrations r JOIN participants p ON p.id = r.participant_id JOIN offerings o ON o.id = r.offering_id
                LEFT JOIN checkouts k ON k.id = r.checkout_id LEFT JOIN account_contacts a ON a.account_id = k.account_id
                \(unescaped: Cancellations.latestRefundRequest)
                WHERE r.status = 'cancelled' AND r.status_reason IN ('cancelled-by-guardian', 'cancelled-by-staff')
                  AND r.cancellation_mailed_at IS NULL
                ORDER BY r.updated_at LIMIT 50 FOR UPDATE OF r SKIP LOCKED
                """, logger: logger
            ).decode((UUID, UUID, String, UUID?, String, String, String?, Int64?, String?, String?, String?, Int64).self) {
                rows.append(row)
            }
            for (
                id, sessionId, reason, checkout, participant, offeringDocument, refundStatus, refundCents, payerEmail, payerName, payerLanguage, paid
            )
                in rows
            {
                guard let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(offeringDocument.utf8)),
                    let session = offering.sessions.first(where: { $0.sessionId == sessionId })
                else { continue }
                var recipients: [String: (name: String, language: String)] = [:]
                if checkout != nil, let payerEmail {
                    recipients[payerEmail.lowercased()] = (payerName ?? "", payerLanguage ?? "fr")
                } else {
                    recipients = try await Self.family(ofRegistrations: [id], on: connection, logger: logger)
                }
                let refund = refundStatus.map { (status: $0, cents: refundCents ?? 0) }
                let paidOnline = paid > 0
                for (email, recipient) in recipients.sorted(by: { $0.key < $1.key }) {
                    var values: [String: Any] = [
                        "name": recipient.name, "participant": participant, "code": offering.code, "title": offering.title.fr,
                        "titleEn": offering.title.en, "session": session.name.fr, "sessionEn": session.name.en,
                        "policy": EnrolmentMails.policySentence(offering.refundPolicy, english: false),
                        "policyEn": EnrolmentMails.policySentence(offering.refundPolicy, english: true),
                        "outcome": EnrolmentMails.outcomeSentence(refund: refund, paidOnline: paidOnline, english: false),
                        "outcomeEn": EnrolmentMails.outcomeSentence(refund: refund, paidOnline: paidOnline, english: true),
                    ]
                    values[reason == "cancelled-by-guardian" ? "byYou" : "byStaff"] = true
                    values.merge(Self.days(["startsOn": session.startsOn, "endsOn": session.endsOn])) { $1 }
                    let message = mails.registrationCancelled.message(
                        language: recipient.language == "en" ? .en : .fr, from: from, to: .init(email: email, name: recipient.name), values: values,
                        date: now)
                    try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
                }
            }
            if !rows.isEmpty {
                try await connection.query(
                    "UPDATE registrations SET cancellation_mailed_at = \(now) WHERE id = ANY(\(rows.map(\.0)))", logger: logger)
            }
            return rows.count
        }
    }

    /// Queues the mails of up to 20 sessions whose dates moved: each family with a confirmed registration in the
    /// session, once, naming its participants. Returns how many changes were handled.
    func mailDateChanges() async throws -> Int {
        let (mails, mailKey, from, logger, now) = (self.mails, self.mailKey, self.from, self.logger, clock.now())
        return try await client.transaction(logger: logger) { connection in
            var changes: [(Int64, UUID, String, String, String, String, String)] = []
            for try await row in try await connection.query(
                """
                SELECT d.id, d.session_id, to_char(d.starts_on_before, 'YYYY-MM-DD'), to_char(d.ends_on_before, 'YYYY-MM-DD'),
                    to_char(d.starts_on, 'YYYY-MM-DD'), to_char(d.ends_on, 'YYYY-MM-DD'), o.document::text
                FROM session_date_changes d JOIN offerings o ON o.id = d.offering_id
                WHERE d.mailed_at IS NULL ORDER BY d.id LIMIT 20 FOR UPDATE OF d SKIP LOCKED
                """, logger: logger
            ).decode((Int64, UUID, String, String, String, String, String).self) {
                changes.append(row)
            }
            for (_, sessionId, startsOnBefore, endsOnBefore, startsOn, endsOn, offeringDocument) in changes {
                guard let offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(offeringDocument.utf8)),
                    let session = offering.sessions.first(where: { $0.sessionId == sessionId })
                else { continue }
                var registrations: [(UUID, String)] = []
                for try await row in try await connection.query(
                    """
                    SELECT r.id, p.first_name FROM registrations r JOIN participants p ON p.id = r.participant_id
                    WHERE r.session_id = \(sessionId) AND r.status = 'confirmed' ORDER BY p.first_name, r.id
                    """, logger: logger
                ).decode((UUID, String).self) {
                    registrations.append(row)
                }
                // One mail per address, naming each of its participants in the session.
                var byAddress: [String: (name: String, language: String, participants: [String])] = [:]
                for (registration, participant) in registrations {
                    for (email, recipient) in try await Self.family(ofRegistrations: [registration], on: connection, logger: logger) {
                        byAddress[email, default: (recipient.name, recipient.language, [])].participants.append(participant)
                    }
                }
                for (email, recipient) in byAddress.sorted(by: { $0.key < $1.key }) {
                    let english = recipient.language == "en"
                    let values: [String: Any] = [
                        "name": recipient.name, "participants": Self.names(recipient.participants, and: english ? "and" : "et"),
                        "code": offering.code, "title": offering.title.fr, "titleEn": offering.title.en,
                        "session": session.name.fr, "sessionEn": session.name.en,
                    ].merging(
                        Self.days(["startsOnBefore": startsOnBefore, "endsOnBefore": endsOnBefore, "startsOn": startsOn, "endsOn": endsOn])
                    ) { $1 }
                    let message = mails.sessionDatesChanged.message(
                        language: english ? .en : .fr, from: from, to: .init(email: email, name: recipient.name), values: values, date: now)
                    try await MailQueue.enqueue(message, at: now, sealedWith: mailKey, on: connection, logger: logger)
                }
            }
            if !changes.isEmpty {
                try await connection.query(
                    "UPDATE session_date_changes SET mailed_at = \(now) WHERE id = ANY(\(changes.map(\.0)))", logger: logger)
            }
            return changes.count
        }
    }

    /// Who is told about these registrations, by lower-cased address: the participants' guardians, or the guest
    /// who paid, each with their first name and language.
    static func family(
        ofRegistrations ids: [UUID], on connection: PostgresConnection, logger: Logger
    ) async throws -> [String: (name: String, language: String)] {
        var recipients: [String: (name: String, language: String)] = [:]
        for try await (email, name, language) in try await connection.query(
            """
            SELECT c.email, c.first_name, c.language FROM registrations r JOIN participant_guardians g ON g.participant_id = r.participant_id
            JOIN account_contacts c ON c.account_id = g.account_id WHERE r.id = ANY(\(ids))
            UNION
            SELECT k.document->'payer'->>'email', coalesce(k.document->'payer'->>'name', ''), coalesce(k.document->'payer'->>'language', 'fr')
            FROM registrations r JOIN checkouts k ON k.id = r.checkout_id WHERE r.id = ANY(\(ids)) AND k.account_id IS NULL
            """, logger: logger
        ).decode((String, String, String).self) {
            recipients[email.lowercased()] = (name, language)
        }
        return recipients
    }

    /// "Mia", "Mia et Léo", "Mia, Léo et Zoé".
    static func names(_ names: [String], and word: String) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " \(word) " + names.last!
    }

    /// Each ISO date in words, in French under its name and in English under its name + `En` (the mails' two texts).
    static func days(_ dates: [String: String]) -> [String: Any] {
        var values: [String: Any] = [:]
        for (name, date) in dates {
            values[name] = DateText.day(iso: date, .fr)
            values[name + "En"] = DateText.day(iso: date, .en)
        }
        return values
    }
}
