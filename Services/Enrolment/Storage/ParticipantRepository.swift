import Foundation
import Logging
import PostgresNIO
import ServiceKit

protocol ParticipantRepository: Sendable {
    func create(_ participant: NewParticipant, guardian: UUID, id: UUID, at: Date) async throws -> Participant
    /// Only participants `guardian` is a guardian of: another family's participant is never returned.
    func find(id: UUID, guardian: UUID) async throws -> Participant?
    /// Ordered by (last name, first name, id), after the given key.
    func list(guardian: UUID, after: [String]?, limit: Int) async throws -> [Participant]
    /// Corrects a participant added by hand; one linked to an organisation's record is the organisation's to correct.
    func update(id: UUID, guardian: UUID, to corrected: NewParticipant) async throws -> ParticipantChange
    /// Removes a participant added by hand who was never registered nor put on a waiting list.
    func remove(id: UUID, guardian: UUID) async throws -> ParticipantChange
}

/// What a correction or removal came to.
enum ParticipantChange: Sendable, Equatable {
    case done(Participant?)
    /// Not one of this guardian's participants.
    case notFound
    /// Linked to an organisation's record: the organisation keeps the names and birth date.
    case linked
    /// Registered (or held, or on a waiting list) at least once: the registrations keep naming them.
    case hasRegistrations
}

struct PostgresParticipantRepository: ParticipantRepository {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// The participant fields (the catalogue's names) a participant `p` fills: their profile's, and the file
    /// number of a linked record. What a cart line shows and a checkout checks alike.
    static let filledFields = "p.profile_fields || CASE WHEN p.file_number IS NULL THEN '{}'::text[] ELSE '{file-number}'::text[] END"

    static let columns = """
        p.id, p.first_name, p.last_name, to_char(p.birth_date, 'YYYY-MM-DD'), p.created_at, p.organisation_id, p.file_number, p.school,
        p.level, p.group_name, p.residency, p.programme, p.household_id
        """

    func create(_ participant: NewParticipant, guardian: UUID, id: UUID, at: Date) async throws -> Participant {
        let household = try await client.withTransaction(logger: logger) { connection in
            let household = try await HouseholdStore.ownHousehold(of: guardian, at: at, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO participants (id, first_name, last_name, birth_date, created_at, household_id)
                VALUES (\(id), \(participant.firstName), \(participant.lastName), \(participant.birthDate)::date, \(at), \(household))
                """, logger: logger)
            try await connection.query(
                "INSERT INTO participant_guardians (participant_id, account_id, since) VALUES (\(id), \(guardian), \(at))",
                logger: logger)
            return household
        }
        return Participant(
            id: id, firstName: participant.firstName, lastName: participant.lastName, birthDate: participant.birthDate,
            createdAt: at, householdId: household)
    }

    func find(id: UUID, guardian: UUID) async throws -> Participant? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM participants p
            JOIN participant_guardians g ON g.participant_id = p.id
            WHERE p.id = \(id) AND g.account_id = \(guardian)
            """, logger: logger)
        return try await Self.decode(rows).first
    }

    func list(guardian: UUID, after: [String]?, limit: Int) async throws -> [Participant] {
        let (last, first, id) = (
            after?[0] ?? "", after?[1] ?? "",
            after.flatMap { UUID(uuidString: $0[2]) } ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        )
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM participants p
            JOIN participant_guardians g ON g.participant_id = p.id
            WHERE g.account_id = \(guardian)
              AND (p.last_name, p.first_name, p.id) > (\(last), \(first), \(id))
            ORDER BY p.last_name, p.first_name, p.id
            LIMIT \(limit)
            """, logger: logger)
        return try await Self.decode(rows)
    }

    func update(id: UUID, guardian: UUID, to corrected: NewParticipant) async throws -> ParticipantChange {
        try await client.transaction(logger: logger) { connection in
            switch try await Self.lockedForChange(id: id, guardian: guardian, on: connection, logger: logger) {
            case .done: break
            case let refused: return refused
            }
            try await connection.query(
                """
                UPDATE participants SET first_name = \(corrected.firstName), last_name = \(corrected.lastName),
                    birth_date = \(corrected.birthDate)::date WHERE id = \(id)
                """, logger: logger)
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM participants p WHERE p.id = \(id)", logger: logger)
            return .done(try await Self.decode(rows).first)
        }
    }

    func remove(id: UUID, guardian: UUID) async throws -> ParticipantChange {
        try await client.transaction(logger: logger) { connection in
            switch try await Self.lockedForChange(id: id, guardian: guardian, on: connection, logger: logger) {
            case .done: break
            case let refused: return refused
            }
            let history = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM registrations WHERE participant_id = \(id))
                    OR EXISTS (SELECT 1 FROM waitlist_entries WHERE participant_id = \(id))
                    OR EXISTS (SELECT 1 FROM documents WHERE participant_id = \(id) AND registration_id IS NOT NULL)
                """, logger: logger
            ).decode(Bool.self)
            for try await registered in history where registered { return .hasRegistrations }
            // Plans attached to cart lines go with the lines; guardians and lines cascade.
            try await connection.query("DELETE FROM documents WHERE participant_id = \(id)", logger: logger)
            try await connection.query("DELETE FROM participants WHERE id = \(id)", logger: logger)
            return .done(nil)
        }
    }

    /// Locks the participant if it is this guardian's and was added by hand; otherwise says why not.
    static func lockedForChange(id: UUID, guardian: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ParticipantChange {
        let rows = try await connection.query(
            """
            SELECT p.organisation_id IS NOT NULL FROM participants p
            JOIN participant_guardians g ON g.participant_id = p.id AND g.account_id = \(guardian)
            WHERE p.id = \(id) FOR UPDATE OF p
            """, logger: logger
        ).decode(Bool.self)
        for try await linked in rows { return linked ? .linked : .done(nil) }
        return .notFound
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Participant] {
        var participants: [Participant] = []
        for try await (id, first, last, birth, created, organisation, fileNumber, school, level, group, residency, programme, household)
            in rows.decode((UUID, String, String, String, Date, UUID?, String?, String?, String?, String?, String?, String?, UUID?).self)
        {
            participants.append(
                Participant(
                    id: id, firstName: first, lastName: last, birthDate: birth, createdAt: created,
                    record: organisation.flatMap { organisation in
                        fileNumber.map {
                            .init(
                                organisationId: organisation, fileNumber: $0, school: school, level: level, group: group, residency: residency,
                                programme: programme)
                        }
                    },
                    householdId: household))
        }
        return participants
    }
}
