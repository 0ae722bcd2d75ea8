import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// A household: address, phone, residency and the people living there, shared by its guardians' accounts.
struct Household: Sendable, Equatable {
    var id: UUID
    /// Set when the household comes from an organisation's records (Baie-Comeau's "dossier"): its address,
    /// phone and residency then follow the records and only the organisation changes them.
    var organisationId: UUID?
    var address: String?
    var phone: String?
    var residency: String?
    var members: [Member]
    /// Whether the signed-in guardian is the first guardian, who receives the household's mails.
    var isFirstGuardian: Bool

    struct Member: Sendable, Equatable {
        var participantId: UUID
        var firstName: String
        var lastName: String
    }
}

struct HouseholdStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// The household the guardian made by adding children (one per account, created on first use).
    static func ownHousehold(of account: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        // Two children added at the same moment by one account must land in one household.
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(account.uuidString), 13))", logger: logger)
        for try await id in try await connection.query(
            """
            SELECT h.id FROM households h JOIN household_guardians g ON g.household_id = h.id
            WHERE g.account_id = \(account) AND h.household_key IS NULL ORDER BY g.since, h.id LIMIT 1
            """, logger: logger
        ).decode(UUID.self) {
            return id
        }
        let id = UUID()
        try await connection.query(
            "INSERT INTO households (id, created_at, updated_at) VALUES (\(id), \(now), \(now))", logger: logger)
        try await connection.query(
            "INSERT INTO household_guardians (household_id, account_id, since) VALUES (\(id), \(account), \(now))", logger: logger)
        return id
    }

    /// Makes the guardian a guardian of the household and of everyone in it (linking one member's file links
    /// the family, as Baie-Comeau's "Lier mon dossier" does).
    static func join(household: UUID, account: UUID, at now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO household_guardians (household_id, account_id, since) VALUES (\(household), \(account), \(now))
            ON CONFLICT DO NOTHING
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO participant_guardians (participant_id, account_id, since)
            SELECT id, \(account), \(now) FROM participants WHERE household_id = \(household)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// After an import: households from the records' household keys (address, phone and residency follow the
    /// records), each participant in theirs, and the households' guardians guardians of new members too.
    static func syncFromRecords(organisation: UUID, importedAt: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO households (id, organisation_id, household_key, address, phone, residency, created_at, updated_at)
            SELECT gen_random_uuid(), \(organisation), household, max(address), max(phone), max(residency), \(importedAt), \(importedAt)
            FROM person_records WHERE organisation_id = \(organisation) AND imported_at = \(importedAt) AND household IS NOT NULL
            GROUP BY household
            ON CONFLICT (organisation_id, household_key) WHERE household_key IS NOT NULL DO UPDATE SET address = EXCLUDED.address,
                phone = EXCLUDED.phone, residency = EXCLUDED.residency, updated_at = EXCLUDED.updated_at
            WHERE (households.address, households.phone, households.residency)
                IS DISTINCT FROM (EXCLUDED.address, EXCLUDED.phone, EXCLUDED.residency)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE participants p SET household_id = h.id
            FROM person_records r JOIN households h ON h.organisation_id = r.organisation_id AND h.household_key = r.household
            WHERE r.organisation_id = \(organisation) AND r.imported_at = \(importedAt)
              AND p.organisation_id = r.organisation_id AND p.file_number = r.file_number AND p.household_id IS DISTINCT FROM h.id
            """, logger: logger)
        try await connection.query(
            """
            INSERT INTO participant_guardians (participant_id, account_id, since)
            SELECT p.id, g.account_id, \(importedAt) FROM participants p JOIN household_guardians g ON g.household_id = p.household_id
            WHERE p.organisation_id = \(organisation)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func list(guardian: UUID) async throws -> [Household] {
        var households: [Household] = []
        for try await (id, organisation, address, phone, residency, first) in try await client.query(
            """
            SELECT h.id, h.organisation_id, h.address, h.phone, h.residency,
                   (SELECT f.account_id FROM household_guardians f WHERE f.household_id = h.id ORDER BY f.since, f.account_id LIMIT 1)
            FROM households h JOIN household_guardians g ON g.household_id = h.id
            WHERE g.account_id = \(guardian) ORDER BY g.since, h.id
            """, logger: logger
        ).decode((UUID, UUID?, String?, String?, String?, UUID).self) {
            households.append(
                .init(
                    id: id, organisationId: organisation, address: address, phone: phone, residency: residency, members: [],
                    isFirstGuardian: first == guardian))
        }
        guard !households.isEmpty else { return [] }
        var members: [UUID: [Household.Member]] = [:]
        for try await (household, id, first, last) in try await client.query(
            """
            SELECT p.household_id, p.id, p.first_name, p.last_name FROM participants p
            JOIN participant_guardians g ON g.participant_id = p.id AND g.account_id = \(guardian)
            WHERE p.household_id = ANY(\(households.map(\.id))) ORDER BY p.last_name, p.first_name, p.id
            """, logger: logger
        ).decode((UUID, UUID, String, String).self) {
            members[household, default: []].append(.init(participantId: id, firstName: first, lastName: last))
        }
        return households.map { household in
            var household = household
            household.members = members[household.id] ?? []
            return household
        }
    }

    enum UpdateOutcome: Sendable {
        case updated(Household)
        case notFound
        /// The organisation's records own this household's address and phone.
        case managedByOrganisation
    }

    func update(id: UUID, guardian: UUID, address: String??, phone: String??, at now: Date) async throws -> UpdateOutcome {
        var fromRecords: Bool?
        for try await key in try await client.query(
            """
            SELECT h.household_key FROM households h JOIN household_guardians g ON g.household_id = h.id
            WHERE h.id = \(id) AND g.account_id = \(guardian)
            """, logger: logger
        ).decode(String?.self) {
            fromRecords = key != nil
        }
        guard let fromRecords else { return .notFound }
        guard !fromRecords else { return .managedByOrganisation }
        try await client.query(
            """
            UPDATE households SET
                address = CASE WHEN \(address != nil) THEN \(address ?? nil) ELSE address END,
                phone = CASE WHEN \(phone != nil) THEN \(phone ?? nil) ELSE phone END,
                updated_at = \(now)
            WHERE id = \(id)
            """, logger: logger)
        guard let household = try await list(guardian: guardian).first(where: { $0.id == id }) else { return .notFound }
        return .updated(household)
    }
}
