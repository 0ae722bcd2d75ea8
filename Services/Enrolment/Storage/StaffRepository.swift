import Contracts
import Crypto
import Mail
import Foundation
import Logging
import Messaging
import PostgresNIO
import ServiceKit

/// What an organisation's staff see and do: its participants, direct registrations, class lists.
struct StaffRepository: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// An organisation's participants: linked to its records, or registered to its offerings.
    private static let scope = """
        (p.organisation_id = $1 OR EXISTS (SELECT 1 FROM registrations r JOIN offerings o ON o.id = r.offering_id
            WHERE r.participant_id = p.id AND o.selling_organisation_id = $1))
        """

    /// `*` and `?` as wildcards, everything else literal; compared without case.
    static func likePattern(_ query: String) -> String {
        query.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            .replacingOccurrences(of: "*", with: "%").replacingOccurrences(of: "?", with: "_")
    }

    func search(organisation: UUID, query: String, limit: Int) async throws -> [Participant] {
        var bindings = PostgresBindings()
        bindings.append(organisation)
        bindings.append(Self.likePattern(query))
        bindings.append(limit)
        // A phone number is searched by its digits ("418 555-0101" finds 4185550101).
        let digits = Self.likePattern(query).filter { $0.isNumber || $0 == "%" || $0 == "_" }
        bindings.append(digits.contains(where: \.isNumber) ? digits : "-")
        let sql = """
            SELECT \(PostgresParticipantRepository.columns) FROM participants p
            WHERE \(Self.scope)
              AND (lower(p.last_name) LIKE $2 OR lower(p.first_name || ' ' || p.last_name) LIKE $2 OR lower(p.permanent_code) LIKE $2
                   OR p.phone LIKE $4
                   -- What another organisation's records hold (a school's file number, a programme) is not searched by this one's staff.
                   OR (p.organisation_id = $1 AND (lower(p.file_number) LIKE $2 OR lower(p.programme) LIKE $2)))
            ORDER BY p.last_name, p.first_name, p.id LIMIT $3
            """
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        return try await PostgresParticipantRepository.decode(rows)
    }

    /// The participant when the organisation's staff may see them (its records, or registered with it).
    func participant(_ id: UUID, organisation: UUID) async throws -> Participant? {
        var bindings = PostgresBindings()
        bindings.append(organisation)
        bindings.append(id)
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT \(PostgresParticipantRepository.columns) FROM participants p WHERE p.id = $2 AND \(Self.scope)", binds: bindings),
            logger: logger)
        return try await PostgresParticipantRepository.decode(rows).first
    }

    func isInScope(participant: UUID, organisation: UUID, on connection: PostgresConnection) async throws -> Bool {
        var bindings = PostgresBindings()
        bindings.append(organisation)
        bindings.append(participant)
        return try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT 1 FROM participants p WHERE p.id = $2 AND \(Self.scope)", binds: bindings), logger: logger
        ).collect().count == 1
    }

    /// Registers without online payment (Clara), confirmed at once when a seat is free; with `invoice`, billed to a
    /// guardian who pays it by card by its due date (Baie-Comeau's desk).
    func register(
        participant: UUID, offeringId: UUID, sessionId: UUID, fundingSource: String, overrideReason: String?, invoice: InvoiceBilling.Request?,
        by principal: Principal, mayManage: @Sendable (UUID) async throws -> Bool, at now: Date
    ) async throws -> CheckoutStore.RegistrationRow {
        do {
            return try await client.transaction(logger: logger) { connection in
                guard let offering = try await CheckoutStore.offerings([offeringId], on: connection, logger: logger)[offeringId],
                    offering.sessions.contains(where: { $0.sessionId == sessionId })
                else {
                    throw Problem.validation([
                        .init(field: "sessionId", code: "unknown", message: .init(fr: "Session inconnue.", en: "Unknown session."))
                    ])
                }
                guard try await mayManage(offering.sellingOrganisationId) else { throw Problem.forbidden }
                guard offering.status != "cancelled" else { throw Problem.offeringCancelled }
                guard try await isInScope(participant: participant, organisation: offering.sellingOrganisationId, on: connection),
                    let facts = try await CheckoutStore.participants([participant], guardian: nil, anyGuardian: true, on: connection, logger: logger)[
                        participant]
                else {
                    throw Problem.validation([.unknownParticipant("participantId")])
                }
                // The offering's rules bind staff too, unless they say why not (kept on the registration and logged).
                let refusals =
                    Eligibility.membershipErrors(offering: offering, requestedOrigin: nil, participant: facts)
                    + Eligibility.fieldErrors(offering: offering, participant: facts)
                if !refusals.isEmpty {
                    guard let overrideReason else {
                        throw Problem.validation(
                            refusals + [
                                .init(
                                    field: "overrideReason", code: "required",
                                    message: .init(
                                        fr: "Pour inscrire malgré ces règles, indiquez pourquoi.", en: "To register despite these rules, say why."))
                            ])
                    }
                    logger.notice(
                        "staff override of an offering's rules",
                        metadata: [
                            "participant": "\(participant)", "offering": "\(offeringId)", "staff": "\(principal.accountId)",
                            "rules": "\(refusals.map(\.code).joined(separator: ","))", "reason": "\(overrideReason)",
                        ])
                }
                let id = UUID()
                try await connection.query(
                    """
                    INSERT INTO registrations (id, version, participant_id, offering_id, session_id, status, amount_cents, funding_source,
                        registered_by, override_reason, created_at, updated_at)
                    VALUES (\(id), 1, \(participant), \(offeringId), \(sessionId), 'confirmed', 0, \(fundingSource), \(principal.accountId),
                        \(refusals.isEmpty ? nil : overrideReason), \(now), \(now))
                    """, logger: logger)
                var billed: Int64 = 0
                if let invoice {
                    billed = try await InvoiceBilling.bill(
                        invoice, registration: id, participant: participant, facts: facts, offering: offering, sessionId: sessionId, at: now,
                        on: connection, logger: logger)
                    try await connection.query("UPDATE registrations SET amount_cents = \(billed) WHERE id = \(id)", logger: logger)
                }
                try await CheckoutStore.recordRegistrations(EventName.registrationConfirmed, [id], at: now, on: connection, logger: logger)
                guard try await SeatLedger.hold([sessionId: 1], confirmed: true, at: now, on: connection, logger: logger) != nil else {
                    throw Problem.sessionFull(["sessionId"])
                }
                return .init(
                    id: id, checkoutId: nil, participantId: participant, offeringId: offeringId, sessionId: sessionId, status: "confirmed",
                    amountCents: billed, createdAt: now, createdMicros: 0)
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.validation([.alreadyRegistered("participantId")])
        }
    }

    /// Moves a confirmed registration to another session of its offering: the new seat taken (or 409, nothing
    /// moved) and the old one freed, in one transaction. Anyone but the seller's staff gets 404.
    func move(
        registration id: UUID, to session: UUID, mayManage: @Sendable (UUID) async throws -> Bool, at now: Date
    ) async throws -> (previous: UUID, session: UUID) {
        do {
            return try await client.transaction(logger: logger) { connection in
                var found: (status: String, session: UUID, offering: UUID, seller: UUID)?
                for try await row in try await connection.query(
                    """
                    SELECT r.status, r.session_id, r.offering_id, o.selling_organisation_id
                    FROM registrations r JOIN offerings o ON o.id = r.offering_id WHERE r.id = \(id) FOR UPDATE OF r
                    """, logger: logger
                ).decode((String, UUID, UUID, UUID).self) {
                    found = row
                }
                guard let found, try await mayManage(found.seller) else { throw Problem.notFound }
                guard found.status == "confirmed" else { throw Problem.notMovable }
                guard found.session != session else {
                    throw Problem.validation([
                        .init(
                            field: "sessionId", code: "same",
                            message: .init(fr: "L'inscription est déjà dans ce groupe.", en: "The registration is already in this group."))
                    ])
                }
                guard let offering = try await CheckoutStore.offerings([found.offering], on: connection, logger: logger)[found.offering],
                    offering.sessions.contains(where: { $0.sessionId == session })
                else {
                    throw Problem.validation([
                        .init(
                            field: "sessionId", code: "unknown",
                            message: .init(fr: "Ce groupe n'appartient pas à cette offre.", en: "This group is not one of this offering's."))
                    ])
                }
                guard offering.status != "cancelled" else { throw Problem.offeringCancelled }
                // Both sessions' seat rows locked in id order, as every seat change takes them: no deadlock with a checkout.
                _ = try await connection.query(
                    "SELECT 1 FROM session_seats WHERE session_id = ANY(\([found.session, session])) ORDER BY session_id FOR UPDATE", logger: logger
                ).collect()
                try await connection.query(
                    "UPDATE registrations SET session_id = \(session), version = version + 1, updated_at = \(now) WHERE id = \(id)", logger: logger)
                guard
                    try await SeatLedger.hold(
                        [session: 1], confirmed: true,
                        recording: try await CheckoutStore.registrationEvents(
                            EventName.registrationMoved, [id], at: now, on: connection, logger: logger),
                        at: now, on: connection, logger: logger) != nil
                else { throw Problem.sessionFull(["sessionId"]) }
                try await SeatLedger.releaseConfirmed([found.session: 1], at: now, on: connection, logger: logger)
                return (found.session, session)
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.validation([.alreadyRegistered("sessionId")])
        }
    }

    struct ItemQuantity: Sendable, Equatable {
        var itemId: UUID
        var name: LocalizedText
        var date: String?
        var school: String
        var quantity: Int
    }

    /// The offering's seller, when enrolment knows the offering.
    func seller(ofOffering offering: UUID) async throws -> UUID? {
        for try await seller in try await client.query(
            "SELECT selling_organisation_id FROM offerings WHERE id = \(offering)", logger: logger
        ).decode(UUID.self) {
            return seller
        }
        return nil
    }

    /// The items the offering's confirmed registrations bought (from their checkouts), summed by item, date and
    /// the participant's school; ordered by date, then item, then school.
    func itemQuantities(offering: UUID) async throws -> [ItemQuantity] {
        struct Key: Hashable {
            var item: UUID
            var school: String
        }
        var sums: [Key: Int] = [:]
        var items: [UUID: (name: LocalizedText, date: String?)] = [:]
        for try await (registration, document, school) in try await client.query(
            """
            SELECT r.id, c.document::text, coalesce(p.school, '')
            FROM registrations r JOIN checkouts c ON c.id = r.checkout_id JOIN participants p ON p.id = r.participant_id
            WHERE r.offering_id = \(offering) AND r.status = 'confirmed'
            """, logger: logger
        ).decode((UUID, String, String).self) {
            guard let checkout = try? EventJSON.decoder.decode(CheckoutEvent.self, from: Data(document.utf8)),
                let line = checkout.lines.first(where: { $0.registrationId == registration })
            else { continue }
            for item in line.items where item.quantity > 0 {
                items[item.itemId] = (.init(fr: item.name.fr, en: item.name.en), item.date)
                sums[Key(item: item.itemId, school: school), default: 0] += item.quantity
            }
        }
        return sums.map { key, quantity in
            ItemQuantity(itemId: key.item, name: items[key.item]!.name, date: items[key.item]!.date, school: key.school, quantity: quantity)
        }.sorted { ($0.date ?? "", $0.name.fr, $0.itemId.uuidString, $0.school) < ($1.date ?? "", $1.name.fr, $1.itemId.uuidString, $1.school) }
    }

    struct ClassListEntry: Sendable {
        var registrationId: UUID
        var participantId: UUID
        var firstName: String
        var lastName: String
        var birthDate: String
        var fileNumber: String?
        var group: String?
        var fundingSource: String?
    }

    /// The session's selling organisation and its first and last dates (`YYYY-MM-DD`), when enrolment knows it.
    func session(_ id: UUID) async throws -> (seller: UUID, startsOn: String, endsOn: String)? {
        for try await found in try await client.query(
            """
            SELECT o.selling_organisation_id, to_char(s.starts_on, 'YYYY-MM-DD'), to_char(s.ends_on, 'YYYY-MM-DD')
            FROM offering_sessions s JOIN offerings o ON o.id = s.offering_id WHERE s.id = \(id)
            """, logger: logger
        ).decode((UUID, String, String).self) {
            return found
        }
        return nil
    }

    func classList(session: UUID) async throws -> [ClassListEntry] {
        var entries: [ClassListEntry] = []
        for try await row in try await client.query(
            """
            SELECT r.id, p.id, p.first_name, p.last_name, to_char(p.birth_date, 'YYYY-MM-DD'),
                   -- The record's file number and group only when the record is the selling organisation's own.
                   CASE WHEN p.organisation_id = o.selling_organisation_id THEN p.file_number END,
                   CASE WHEN p.organisation_id = o.selling_organisation_id THEN p.group_name END, r.funding_source
            FROM registrations r JOIN participants p ON p.id = r.participant_id JOIN offerings o ON o.id = r.offering_id
            WHERE r.session_id = \(session) AND r.status = 'confirmed'
            ORDER BY p.last_name, p.first_name, p.id
            """, logger: logger
        ).decode((UUID, UUID, String, String, String, String?, String?, String?).self) {
            entries.append(
                .init(
                    registrationId: row.0, participantId: row.1, firstName: row.2, lastName: row.3, birthDate: row.4, fileNumber: row.5, group: row.6,
                    fundingSource: row.7))
        }
        return entries
    }

    struct RecordEntry: Sendable {
        var registrationId: UUID
        var offeringId: UUID
        var sessionId: UUID
        var code: String
        var title: String
        var titleEn: String
        var session: String
        var term: String?
        var schoolYear: String?
        var status: String
        var fundingSource: String?
        var createdAt: Date
        /// Billed to a guardian: `open`, `paid` or `cancelled`, with its due date and amount.
        var invoiceStatus: String? = nil
        var invoiceDueOn: String? = nil
        var amountCents: Int64 = 0
    }

    struct Guardian: Sendable {
        var accountId: UUID
        var name: String
        var email: String
    }

    /// Who staff may bill for the participant: their guardians with an account.
    func guardians(of participant: UUID) async throws -> [Guardian] {
        var found: [Guardian] = []
        for try await (id, first, last, email) in try await client.query(
            """
            SELECT a.account_id, a.first_name, a.last_name, a.email FROM participant_guardians g
            JOIN account_contacts a ON a.account_id = g.account_id WHERE g.participant_id = \(participant)
            ORDER BY a.last_name, a.first_name, a.account_id
            """, logger: logger
        ).decode((UUID, String, String, String).self) {
            found.append(.init(accountId: id, name: "\(first) \(last)", email: email))
        }
        return found
    }

    /// A participant's registrations with the organisation (Clara's record per term), newest term first.
    func record(participant: UUID, organisation: UUID) async throws -> [RecordEntry] {
        var entries: [RecordEntry] = []
        for try await row in try await client.query(
            """
            SELECT r.id, r.offering_id, r.session_id, o.code, o.title_fr, o.title_en, s.name_fr, o.document->>'term', o.document->>'schoolYear',
                   r.status, r.funding_source, r.created_at, i.status, i.due_on::text, r.amount_cents
            FROM registrations r JOIN offerings o ON o.id = r.offering_id JOIN offering_sessions s ON s.id = r.session_id
            LEFT JOIN invoices i ON i.registration_id = r.id
            WHERE r.participant_id = \(participant) AND o.selling_organisation_id = \(organisation)
            ORDER BY o.document->>'schoolYear' DESC NULLS LAST, o.document->>'term' DESC NULLS LAST, o.code, r.created_at
            """, logger: logger
        ).decode((UUID, UUID, UUID, String, String, String, String, String?, String?, String, String?, Date, String?, String?, Int64).self) {
            entries.append(
                .init(
                    registrationId: row.0, offeringId: row.1, sessionId: row.2, code: row.3, title: row.4, titleEn: row.5, session: row.6,
                    term: row.7,
                    schoolYear: row.8, status: row.9, fundingSource: row.10, createdAt: row.11, invoiceStatus: row.12, invoiceDueOn: row.13,
                    amountCents: row.14))
        }
        return entries
    }

    /// Queues one mail per recipient of the session's confirmed registrations: each participant's guardians,
    /// or the guest who paid. Returns how many.
    func message(
        session: UUID, subject: String, body: String, mails: EnrolmentMails, key: SymmetricKey, from: MailMessage.Address, at now: Date
    ) async throws -> Int {
        return try await client.transaction(logger: logger) { connection in
            var offering: OfferingEvent?
            for try await document in try await connection.query(
                "SELECT o.document::text FROM offering_sessions s JOIN offerings o ON o.id = s.offering_id WHERE s.id = \(session)", logger: logger
            ).decode(String.self) {
                offering = try? EventJSON.decoder.decode(OfferingEvent.self, from: Data(document.utf8))
            }
            guard let offering, let details = offering.sessions.first(where: { $0.sessionId == session }) else { throw Problem.notFound }
            var recipients: [String: (name: String?, language: String)] = [:]
            for try await (email, name, language) in try await connection.query(
                """
                SELECT c.email, c.first_name || ' ' || c.last_name, c.language
                FROM registrations r JOIN participant_guardians g ON g.participant_id = r.participant_id
                JOIN account_contacts c ON c.account_id = g.account_id
                WHERE r.session_id = \(session) AND r.status = 'confirmed'
                UNION
                SELECT k.document->'payer'->>'email', k.document->'payer'->>'name', coalesce(k.document->'payer'->>'language', 'fr')
                FROM registrations r JOIN checkouts k ON k.id = r.checkout_id
                WHERE r.session_id = \(session) AND r.status = 'confirmed' AND k.account_id IS NULL
                """, logger: logger
            ).decode((String, String?, String).self) {
                recipients[email.lowercased()] = (name, language)
            }
            let values: [String: Any] = [
                "code": offering.code, "title": offering.title.fr, "titleEn": offering.title.en, "session": details.name.fr,
                "sessionEn": details.name.en, "subject": subject, "body": body,
            ]
            for (email, recipient) in recipients.sorted(by: { $0.key < $1.key }) {
                let mail = mails.sessionMessage.message(
                    language: recipient.language == "en" ? .en : .fr, from: from, to: .init(email: email, name: recipient.name), values: values,
                    date: now)
                try await MailQueue.enqueue(mail, at: now, sealedWith: key, on: connection, logger: logger)
            }
            return recipients.count
        }
    }
}
