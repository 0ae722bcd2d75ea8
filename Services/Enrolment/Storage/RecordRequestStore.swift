import Foundation
import Logging
import Mail
import PostgresNIO
import ServiceKit

/// A request for a file number (Baie-Comeau's "formulaire de demande"), from a guardian to an organisation.
struct RecordRequest: Sendable, Equatable {
    enum Status: String, Sendable {
        case pending, approved, rejected
    }

    enum Kind: String, Sendable {
        /// A person without a file number asks for one.
        case newRecord = "new-record"
        /// A guardian asks to be linked to an existing record that lists no guardian's email.
        case link
    }

    var id: UUID
    var kind: Kind = .newRecord
    var organisationId: UUID
    var firstName: String
    var lastName: String
    var birthDate: String
    var address: String
    var status: Status
    var fileNumber: String?
    var createdAt: Date
}

/// Guardians ask; the organisation's staff approve with a file number, which makes the record, links the
/// guardian to it (so residency and prices follow), or reject.
struct RecordRequestStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    private static let columns = """
        id, organisation_id, first_name, last_name, to_char(birth_date, 'YYYY-MM-DD'), address, status, file_number, created_at, kind
        """

    func create(account: UUID, organisation: UUID, person: NewParticipant, address: String, at now: Date) async throws -> RecordRequest {
        let id = UUID()
        try await client.query(
            """
            INSERT INTO record_requests (id, organisation_id, account_id, first_name, last_name, birth_date, address, status, created_at)
            VALUES (\(id), \(organisation), \(account), \(person.firstName), \(person.lastName), \(person.birthDate)::date, \(address), 'pending', \(now))
            """, logger: logger)
        return RecordRequest(
            id: id, organisationId: organisation, firstName: person.firstName, lastName: person.lastName, birthDate: person.birthDate,
            address: address, status: .pending, fileNumber: nil, createdAt: now)
    }

    /// The pending request of the guardian to be linked to the participant of a record without guardians'
    /// emails (made once; asking again answers the same request).
    static func requestLink(
        account: UUID, participant: UUID, address: String, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> RecordRequest {
        try await connection.query(
            """
            INSERT INTO record_requests (id, kind, participant_id, organisation_id, account_id, first_name, last_name, birth_date, address,
                status, file_number, created_at)
            SELECT \(UUID()), 'link', p.id, p.organisation_id, \(account), p.first_name, p.last_name, p.birth_date, \(address), 'pending',
                p.file_number, \(now)
            FROM participants p WHERE p.id = \(participant)
            ON CONFLICT (account_id, participant_id) WHERE kind = 'link' AND status = 'pending' DO NOTHING
            """, logger: logger)
        return try await decode(
            try await connection.query(
                """
                SELECT \(unescaped: columns) FROM record_requests
                WHERE account_id = \(account) AND participant_id = \(participant) AND kind = 'link' AND status = 'pending'
                """, logger: logger))[0]
    }

    func pending(organisation: UUID) async throws -> [RecordRequest] {
        try await Self.decode(
            try await client.query(
                "SELECT \(unescaped: Self.columns) FROM record_requests WHERE organisation_id = \(organisation) AND status = 'pending' ORDER BY created_at",
                logger: logger))
    }

    /// The account's own requests, newest first (the latest 100), whatever their status.
    func made(by account: UUID) async throws -> [RecordRequest] {
        try await Self.decode(
            try await client.query(
                """
                SELECT \(unescaped: Self.columns) FROM record_requests WHERE account_id = \(account)
                ORDER BY created_at DESC, id DESC LIMIT 100
                """, logger: logger))
    }

    func kind(of request: UUID) async throws -> RecordRequest.Kind? {
        for try await kind in try await client.query(
            "SELECT kind FROM record_requests WHERE id = \(request)", logger: logger
        ).decode(String.self) {
            return RecordRequest.Kind(rawValue: kind)
        }
        return nil
    }

    func organisation(of request: UUID) async throws -> UUID? {
        for try await organisation in try await client.query(
            "SELECT organisation_id FROM record_requests WHERE id = \(request)", logger: logger
        ).decode(UUID.self) {
            return organisation
        }
        return nil
    }

    /// Approves with `fileNumber` (a resident's record) and links the requesting guardian; nil if not pending.
    func approve(_ id: UUID, fileNumber: String, by staff: UUID, at now: Date, mailing: Mailing) async throws -> RecordRequest? {
        do {
            return try await client.transaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE record_requests SET status = 'approved', file_number = \(fileNumber), decided_by = \(staff), decided_at = \(now)
                    WHERE id = \(id) AND status = 'pending' RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                guard var request = try await Self.decode(rows).first else { return nil }
                if request.kind == .link {
                    // The record exists: the guardian is linked to it; the number staff typed, if any, is not used.
                    for try await (account, participant, number) in try await connection.query(
                        """
                        UPDATE record_requests SET file_number = (SELECT file_number FROM participants WHERE id = participant_id)
                        WHERE id = \(id) RETURNING account_id, participant_id, file_number
                        """, logger: logger
                    ).decode((UUID, UUID, String?).self) {
                        try await RecordRepository.grant(participant: participant, to: account, at: now, on: connection, logger: logger)
                        request.fileNumber = number
                    }
                    try await Self.tellRequester(request, mailing: mailing, at: now, on: connection, logger: logger)
                    return request
                }
                var account: UUID?
                var email: String?
                for try await (requester, contact) in try await connection.query(
                    """
                    SELECT r.account_id, lower(c.email) FROM record_requests r LEFT JOIN account_contacts c ON c.account_id = r.account_id
                    WHERE r.id = \(id)
                    """, logger: logger
                ).decode((UUID, String?).self) {
                    (account, email) = (requester, contact)
                }
                try await connection.query(
                    """
                    INSERT INTO person_records (organisation_id, file_number, first_name, last_name, name_key, birth_date, address, guardian_emails,
                        residency, imported_at)
                    VALUES (\(request.organisationId), \(fileNumber), \(request.firstName), \(request.lastName),
                        \(PersonRecord.nameKey(first: request.firstName, last: request.lastName)), \(request.birthDate)::date, \(request.address),
                        \(email.map { [$0] } ?? []), 'resident', \(now))
                    """, logger: logger)
                try await RecordRepository.syncParticipants(organisation: request.organisationId, importedAt: now, on: connection, logger: logger)
                if let account {
                    try await connection.query(
                        """
                        INSERT INTO participant_guardians (participant_id, account_id, since)
                        SELECT id, \(account), \(now) FROM participants WHERE organisation_id = \(request.organisationId) AND file_number = \(fileNumber)
                        """, logger: logger)
                }
                try await Self.tellRequester(request, mailing: mailing, at: now, on: connection, logger: logger)
                return request
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.validation([
                .init(
                    field: "fileNumber", code: "taken", message: .init(fr: "Ce numéro de fiche existe déjà.", en: "This file number already exists."))
            ])
        }
    }

    func reject(_ id: UUID, by staff: UUID, at now: Date, mailing: Mailing) async throws -> RecordRequest? {
        try await client.transaction(logger: logger) { connection in
            guard
                let request = try await Self.decode(
                    try await connection.query(
                        """
                        UPDATE record_requests SET status = 'rejected', decided_by = \(staff), decided_at = \(now)
                        WHERE id = \(id) AND status = 'pending' RETURNING \(unescaped: Self.columns)
                        """, logger: logger)
                ).first
            else { return nil }
            try await Self.tellRequester(request, mailing: mailing, at: now, on: connection, logger: logger)
            return request
        }
    }

    /// The requester's mail saying the decision, in their language, queued with the decision itself.
    private static func tellRequester(
        _ request: RecordRequest, mailing: Mailing, at now: Date, on connection: PostgresConnection, logger: Logger
    ) async throws {
        for try await (email, name, language, organisation, organisationEn) in try await connection.query(
            """
            SELECT c.email, c.first_name || ' ' || c.last_name, c.language, o.name_fr, o.name_en
            FROM record_requests r JOIN account_contacts c ON c.account_id = r.account_id JOIN organisations o ON o.id = r.organisation_id
            WHERE r.id = \(request.id)
            """, logger: logger
        ).decode((String, String, String, String, String).self) {
            var values: [String: Any] = [
                "name": name, "person": "\(request.firstName) \(request.lastName)", "organisation": organisation, "organisationEn": organisationEn,
                "approved": request.status == .approved,
            ]
            if let number = request.fileNumber { values["fileNumber"] = number }
            let mail = mailing.mails.recordRequestDecided.message(
                language: language == "en" ? .en : .fr, from: mailing.from, to: .init(email: email, name: name), values: values, date: now)
            try await MailQueue.enqueue(mail, at: now, sealedWith: mailing.key, on: connection, logger: logger)
        }
    }

    private static func decode(_ rows: PostgresRowSequence) async throws -> [RecordRequest] {
        var found: [RecordRequest] = []
        for try await (id, organisation, first, last, birth, address, status, fileNumber, created, kind) in rows.decode(
            (UUID, UUID, String, String, String, String, String, String?, Date, String).self)
        {
            found.append(
                .init(
                    id: id, kind: .init(rawValue: kind) ?? .newRecord, organisationId: organisation, firstName: first, lastName: last,
                    birthDate: birth, address: address,
                    status: .init(rawValue: status) ?? .pending, fileNumber: fileNumber, createdAt: created))
        }
        return found
    }
}
