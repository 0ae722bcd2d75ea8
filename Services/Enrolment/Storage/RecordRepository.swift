import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// Organisations' records and the links guardians make to them.
struct RecordRepository: Sendable {
    let client: PostgresClient
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
            "SELECT parent_id FROM organisations WHERE id = \(organisation) AND parent_id IS NOT NULL", logger: RequestScope.logger
        ).decode(UUID.self) {
            return principal.isStaff(of: parent)
        }
        return false
    }

    /// Applies tonight's full export: new records are added, changed ones updated, absent ones retired (a
    /// retired record can no longer be linked). Re-importing the same file changes nothing.
    func importRecords(_ records: [PersonRecord], rejected: [RecordsCSV.Rejected], organisation: UUID, by account: UUID, at now: Date) async throws -> ImportReport {
        let logger = RequestScope.logger
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
        case mismatch
        case throttled(retryAfter: Int)
        case accountNotReady
    }

    /// Links the guardian to the child (or household member) of a record: file number and birth date exact,
    /// names (when given) regardless of accents, case, spaces and hyphens, and — when the record lists
    /// guardians' emails — the guardian's verified email among them. A mismatch is recorded for throttling
    /// and says nothing of which field failed.
    func link(
        account: UUID, organisation: UUID, fileNumber: String, birthDate: String, nameKey: String?, at now: Date
    ) async throws -> LinkOutcome {
        let logger = RequestScope.logger
        let outcome: LinkOutcome = try await client.transaction(logger: logger) { connection in
            let failures = try await connection.query(
                "SELECT count(*) FROM link_failures WHERE account_id = \(account) AND failed_at > \(now - Self.failureWindow)", logger: logger
            ).collect().first!.decode(Int.self)
            guard failures < Self.maximumFailures else { return .throttled(retryAfter: Int(Self.failureWindow)) }
            var contact: String?
            for try await email in try await connection.query(
                "SELECT lower(email) FROM account_contacts WHERE account_id = \(account)", logger: logger
            ).decode(String.self) {
                contact = email
            }
            guard let contact else { return .accountNotReady }
            var found = false
            for try await (key, emails) in try await connection.query(
                """
                SELECT name_key, guardian_emails FROM person_records
                WHERE organisation_id = \(organisation) AND file_number = \(fileNumber) AND birth_date = \(birthDate)::date AND retired_at IS NULL
                """, logger: logger
            ).decode((String, [String]).self) {
                found = (nameKey.map { $0 == key } ?? true) && (emails.isEmpty || emails.contains(contact))
            }
            guard found else { return .mismatch }
            // Every record is a participant (imports and approved requests make them); the other guardian may
            // have linked the same child already: both then see that one participant.
            var participantId: UUID?
            var household: UUID?
            for try await (id, householdId) in try await connection.query(
                "SELECT id, household_id FROM participants WHERE organisation_id = \(organisation) AND file_number = \(fileNumber)", logger: logger
            ).decode((UUID, UUID?).self) {
                (participantId, household) = (id, householdId)
            }
            guard let participantId else {
                logger.error("a record without its participant", metadata: ["organisation": "\(organisation)", "fileNumber": "\(fileNumber)"])
                return .mismatch
            }
            try await connection.query(
                """
                INSERT INTO participant_guardians (participant_id, account_id, since) VALUES (\(participantId), \(account), \(now))
                ON CONFLICT DO NOTHING
                """, logger: logger)
            if let household {
                try await HouseholdStore.join(household: household, account: account, at: now, on: connection, logger: logger)
            } else {
                // A pupil's record without a household: the child joins the household of the guardian who links first.
                let own = try await HouseholdStore.ownHousehold(of: account, at: now, on: connection, logger: logger)
                try await connection.query("UPDATE participants SET household_id = \(own) WHERE id = \(participantId)", logger: logger)
            }
            let rows = try await connection.query(
                "SELECT \(unescaped: PostgresParticipantRepository.columns) FROM participants p WHERE p.id = \(participantId)", logger: logger)
            return .linked(try await PostgresParticipantRepository.decode(rows)[0])
        }
        if case .mismatch = outcome {
            try await client.query("INSERT INTO link_failures (account_id, failed_at) VALUES (\(account), \(now))", logger: logger)
        }
        return outcome
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
