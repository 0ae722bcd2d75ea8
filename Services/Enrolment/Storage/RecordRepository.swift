import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// Organisations' records and the links guardians make to them.
struct RecordRepository: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    static let maximumFailures = 5
    static let failureWindow: TimeInterval = 15 * 60

    struct ImportReport: Sendable, Equatable {
        var added = 0
        var updated = 0
        var unchanged = 0
        var retired = 0
        var rejected: [RecordsCSV.Rejected] = []
    }

    /// Staff of the organisation, or of the organisation above it (a school service centre for its schools).
    func mayManage(_ organisation: UUID, principal: Principal) async throws -> Bool {
        if principal.isStaff(of: organisation) { return true }
        for try await parent in try await client.query(
            "SELECT parent_id FROM organisations WHERE id = \(organisation) AND parent_id IS NOT NULL", logger: logger
        ).decode(UUID.self) {
            return principal.isStaff(of: parent)
        }
        return false
    }

    /// Applies tonight's full export: new records are added, changed ones updated, absent ones retired (a
    /// retired record can no longer be linked). Re-importing the same file changes nothing.
    func importRecords(
        _ records: [PersonRecord], rejected: [RecordsCSV.Rejected], organisation: UUID, by account: UUID, at now: Date
    ) async throws -> ImportReport {
        return try await client.transaction(logger: logger) { connection in
            var report = ImportReport(rejected: rejected)
            for start in stride(from: 0, to: records.count, by: 5_000) {
                let batch = records[start..<min(start + 5_000, records.count)]
                for try await inserted in try await connection.query(
                    """
                    INSERT INTO person_records (organisation_id, file_number, first_name, last_name, name_key, birth_date, school, level,
                        group_name, address, guardian_emails, residency, household, phone, programme, imported_at)
                    SELECT \(organisation), f, fn, ln, nk, bd::date, nullif(s, ''), nullif(l, ''), nullif(g, ''), nullif(a, ''),
                        coalesce(string_to_array(nullif(e, ''), ';'), '{}'), nullif(r, ''), nullif(h, ''), nullif(ph, ''), nullif(pr, ''), \(now)
                    FROM unnest(\(batch.map(\.fileNumber)), \(batch.map(\.firstName)), \(batch.map(\.lastName)), \(batch.map(\.nameKey)),
                        \(batch.map(\.birthDate)), \(batch.map { $0.school ?? "" }), \(batch.map { $0.level ?? "" }), \(batch.map { $0.group ?? "" }),
                        \(batch.map { $0.address ?? "" }), \(batch.map { $0.guardianEmails.joined(separator: ";") }), \(batch.map { $0.residency ?? "" }),
                        \(batch.map { $0.household ?? "" }), \(batch.map { $0.phone ?? "" }), \(batch.map { $0.programme ?? "" }))
                        AS t(f, fn, ln, nk, bd, s, l, g, a, e, r, h, ph, pr)
                    ON CONFLICT (organisation_id, file_number) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                        name_key = EXCLUDED.name_key, birth_date = EXCLUDED.birth_date, school = EXCLUDED.school, level = EXCLUDED.level,
                        group_name = EXCLUDED.group_name, address = EXCLUDED.address, guardian_emails = EXCLUDED.guardian_emails,
                        residency = EXCLUDED.residency, household = EXCLUDED.household, phone = EXCLUDED.phone,
                        programme = EXCLUDED.programme, imported_at = EXCLUDED.imported_at, retired_at = NULL
                    WHERE (person_records.first_name, person_records.last_name, person_records.birth_date, person_records.school,
                           person_records.level, person_records.group_name, person_records.address, person_records.guardian_emails,
                           person_records.residency, person_records.household, person_records.phone, person_records.programme,
                           person_records.retired_at IS NULL)
                        IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.birth_date, EXCLUDED.school, EXCLUDED.level,
                           EXCLUDED.group_name, EXCLUDED.address, EXCLUDED.guardian_emails, EXCLUDED.residency, EXCLUDED.household,
                           EXCLUDED.phone, EXCLUDED.programme, true)
                    RETURNING (xmax = 0)
                    """, logger: logger
                ).decode(Bool.self) {
                    if inserted { report.added += 1 } else { report.updated += 1 }
                }
            }
            report.unchanged = records.count - report.added - report.updated
            report.retired = try await connection.query(
                """
                UPDATE person_records SET retired_at = \(now)
                WHERE organisation_id = \(organisation) AND retired_at IS NULL AND NOT (file_number = ANY(\(records.map(\.fileNumber))))
                RETURNING 1
                """, logger: logger
            ).collect().count
            try await Self.syncParticipants(organisation: organisation, importedAt: now, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO record_imports (id, organisation_id, imported_by, imported_at, added, updated, retired, rejected)
                VALUES (\(UUID()), \(organisation), \(account), \(now), \(report.added), \(report.updated), \(report.retired), \(report.rejected.count))
                """, logger: logger)
            return report
        }
    }

    enum LinkOutcome: Sendable {
        case linked(Participant)
        /// The record lists no guardian's email: the organisation's staff decide (a pending record request).
        case awaitingApproval(RecordRequest)
        case mismatch
        case throttled(retryAfter: Int)
        case accountNotReady
    }

    /// Links the guardian to the child (or household member) of a record: file number and birth date exact,
    /// names (when given) regardless of accents, case, spaces and hyphens, and the guardian's verified email
    /// among the guardians' emails the organisation holds for the record (its own and, for a household's
    /// record, the household's). A record with none needs the names and staff approval. A mismatch is
    /// counted for throttling and says nothing of which field failed. Linking gives the record proven and,
    /// when the records put it in a household, that household: never anyone else's children.
    func link(
        account: UUID, organisation: UUID, fileNumber: String, birthDate: String, nameKey: String?, at now: Date
    ) async throws -> LinkOutcome {
        let outcome: LinkOutcome = try await client.transaction(logger: logger) { connection in
            // Counting this attempt first, in the same statement as the check, makes a parallel burst of guesses
            // wait for each other on the account's lock: the sixth is refused whatever the timing.
            guard try await Self.claimAttempt(account: account, at: now, on: connection, logger: logger) else {
                return .throttled(retryAfter: Int(Self.failureWindow))
            }
            var contact: String?
            for try await email in try await connection.query(
                "SELECT lower(email) FROM account_contacts WHERE account_id = \(account)", logger: logger
            ).decode(String.self) {
                contact = email
            }
            guard let contact else { return .accountNotReady }
            var record: (key: String, emails: [String], address: String?)?
            for try await row in try await connection.query(
                """
                SELECT r.name_key,
                    r.guardian_emails || coalesce((SELECT array_agg(e) FROM person_records m, unnest(m.guardian_emails) e
                        WHERE r.household IS NOT NULL AND m.organisation_id = r.organisation_id AND m.household = r.household
                          AND m.retired_at IS NULL), '{}'),
                    r.address
                FROM person_records r
                WHERE r.organisation_id = \(organisation) AND r.file_number = \(fileNumber) AND r.birth_date = \(birthDate)::date
                  AND r.retired_at IS NULL
                """, logger: logger
            ).decode((String, [String], String?).self) {
                record = row
            }
            guard let record, nameKey.map({ $0 == record.key }) ?? true else { return .mismatch }
            let emails = Set(record.emails.map { $0.lowercased() })
            if emails.isEmpty && nameKey == nil { return .mismatch }
            if !emails.isEmpty && !emails.contains(contact) { return .mismatch }
            // The attempt proved what it had to: it does not count against the account.
            try await connection.query(
                "DELETE FROM link_failures WHERE account_id = \(account) AND failed_at = \(now)", logger: logger)
            // Every record is a participant (imports and approved requests make them); the other guardian may
            // have linked the same child already: both then see that one participant.
            var participantId: UUID?
            for try await id in try await connection.query(
                "SELECT id FROM participants WHERE organisation_id = \(organisation) AND file_number = \(fileNumber)", logger: logger
            ).decode(UUID.self) {
                participantId = id
            }
            guard let participantId else {
                logger.error("a record without its participant", metadata: ["organisation": "\(organisation)", "fileNumber": "\(fileNumber)"])
                return .mismatch
            }
            if emails.isEmpty {
                return .awaitingApproval(
                    try await RecordRequestStore.requestLink(
                        account: account, participant: participantId, address: record.address ?? "", at: now, on: connection, logger: logger))
            }
            try await Self.grant(participant: participantId, to: account, at: now, on: connection, logger: logger)
            let rows = try await connection.query(
                "SELECT \(unescaped: PostgresParticipantRepository.columns) FROM participants p WHERE p.id = \(participantId)", logger: logger)
            return .linked(try await PostgresParticipantRepository.decode(rows)[0])
        }
        return outcome
    }

    /// Records this attempt as a failure unless fewer than `maximumFailures` are already in the window, in one
    /// step under the account's lock (a success removes it again); false when the account must wait.
    static func claimAttempt(account: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(account.uuidString), 29))", logger: logger)
        return try await connection.query(
            """
            INSERT INTO link_failures (account_id, failed_at)
            SELECT \(account), \(now)
            WHERE (SELECT count(*) FROM link_failures WHERE account_id = \(account) AND failed_at > \(now - failureWindow)) < \(maximumFailures)
            RETURNING 1
            """, logger: logger
        ).collect().count == 1
    }

    /// The guardian becomes a guardian of the participant and, when the records put the participant in a
    /// household, of that household and everyone in it.
    static func grant(participant: UUID, to account: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO participant_guardians (participant_id, account_id, since) VALUES (\(participant), \(account), \(now))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        for try await household in try await connection.query(
            """
            SELECT h.id FROM participants p JOIN households h ON h.id = p.household_id
            WHERE p.id = \(participant) AND h.household_key IS NOT NULL
            """, logger: logger
        ).decode(UUID.self) {
            try await HouseholdStore.join(household: household, account: account, at: now, on: connection, logger: logger)
        }
    }

    /// Each record imported at `importedAt` is a participant staff can find and register (guardians who link it
    /// share that participant); existing ones follow their record (a new school year moves them up a level).
    static func syncParticipants(organisation: UUID, importedAt: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO participants (id, first_name, last_name, birth_date, created_at, organisation_id, file_number, school, level,
                group_name, residency, phone, programme)
            SELECT gen_random_uuid(), r.first_name, r.last_name, r.birth_date, \(importedAt), r.organisation_id, r.file_number, r.school, r.level,
                r.group_name, r.residency, r.phone, r.programme
            FROM person_records r WHERE r.organisation_id = \(organisation) AND r.imported_at = \(importedAt)
            ON CONFLICT (organisation_id, file_number) WHERE file_number IS NOT NULL DO UPDATE SET first_name = EXCLUDED.first_name,
                last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date, school = EXCLUDED.school, level = EXCLUDED.level,
                group_name = EXCLUDED.group_name, residency = coalesce(EXCLUDED.residency, participants.residency),
                phone = coalesce(EXCLUDED.phone, participants.phone), programme = EXCLUDED.programme
            """, logger: logger)
        try await HouseholdStore.syncFromRecords(organisation: organisation, importedAt: importedAt, on: connection, logger: logger)
    }
}
