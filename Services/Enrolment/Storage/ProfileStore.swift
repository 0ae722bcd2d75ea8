import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// Participants' profiles: written by their guardians, read by them and by the staff of an organisation where
/// the participant is registered (each such read logged); sealed at rest.
struct ProfileStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let key: SymmetricKey

    /// The profile sealed for its participant (the participant id is authenticated with it).
    static func seal(_ profile: ParticipantProfile, participant: UUID, key: SymmetricKey) throws -> Data {
        try ChaChaPoly.seal(try JSONEncoder().encode(profile), using: key, authenticating: Array(participant.uuidString.utf8)).combined
    }

    enum ReplaceOutcome: Sendable {
        case saved(ParticipantProfile, version: Int)
        case notFound
        /// A profile exists and the request did not say which version it replaces.
        case versionRequired
        /// Another guardian saved since the version the request replaces.
        case versionChanged
    }

    /// Replaces the profile if `account` is a guardian of the participant and `expectedVersion` is the version
    /// in place (nil is accepted only while no profile was ever saved).
    func replace(
        _ profile: ParticipantProfile, participant: UUID, expectedVersion: Int?, by account: UUID, at now: Date
    ) async throws -> ReplaceOutcome {
        let sealed = try Self.seal(profile, participant: participant, key: key)
        for try await version in try await client.query(
            """
            UPDATE participants p SET profile_sealed = \(ByteBuffer(data: sealed)), permanent_code = \(profile.permanentCode?.uppercased()),
                phone = \(profile.phone?.filter(\.isNumber)), email = \(profile.email?.lowercased()), profile_updated_at = \(now),
                profile_version = p.profile_version + 1, profile_fields = \(profile.filledFields)
            WHERE p.id = \(participant) AND p.profile_version = \(expectedVersion ?? 0)
              AND EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(account))
            RETURNING p.profile_version
            """, logger: logger
        ).decode(Int.self) {
            return .saved(profile, version: version)
        }
        for try await current in try await client.query(
            """
            SELECT p.profile_version FROM participants p
            WHERE p.id = \(participant)
              AND EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(account))
            """, logger: logger
        ).decode(Int.self) {
            return expectedVersion == nil && current > 0 ? .versionRequired : .versionChanged
        }
        return .notFound
    }

    /// The profile and its version for its guardians; for staff of an organisation where the participant holds
    /// a confirmed registration, only the fields that organisation's offerings asked (each such read logged);
    /// nil for anyone else.
    func read(participant: UUID, by principal: Principal, at now: Date) async throws -> (profile: ParticipantProfile, version: Int)? {
        return try await client.transaction(logger: logger) { connection in
            var found: (sealed: ByteBuffer?, version: Int, isGuardian: Bool)?
            for try await row in try await connection.query(
                """
                SELECT p.profile_sealed, p.profile_version,
                    EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(principal.accountId))
                FROM participants p WHERE p.id = \(participant)
                """, logger: logger
            ).decode((ByteBuffer?, Int, Bool).self) {
                found = row
            }
            guard let found else { return nil }
            var asked: Set<String>?
            if !found.isGuardian {
                var reader: UUID?
                var fields = Set<String>()
                for try await (organisation, offeringFields) in try await connection.query(
                    """
                    SELECT DISTINCT o.selling_organisation_id,
                        coalesce(ARRAY(SELECT jsonb_array_elements_text(o.document->'participantFields')), '{}')
                    FROM registrations r JOIN offerings o ON o.id = r.offering_id
                    WHERE r.participant_id = \(participant) AND r.status = 'confirmed'
                    """, logger: logger
                ).decode((UUID, [String]).self) where principal.isStaff(of: organisation) {
                    reader = reader ?? organisation
                    fields.formUnion(offeringFields)
                }
                guard let reader else { return nil }
                asked = fields
                try await connection.query(
                    """
                    INSERT INTO profile_reads (participant_id, account_id, organisation_id, read_at)
                    VALUES (\(participant), \(principal.accountId), \(reader), \(now))
                    """, logger: logger)
            }
            guard let sealed = found.sealed else { return (ParticipantProfile(), found.version) }
            let profile = try unsealed(sealed, participant: participant)
            return (asked.map(profile.limited(to:)) ?? profile, found.version)
        }
    }

    private func unsealed(_ sealed: ByteBuffer, participant: UUID) throws -> ParticipantProfile {
        let box = try ChaChaPoly.SealedBox(combined: Data(sealed.readableBytesView))
        let json = try ChaChaPoly.open(box, using: key, authenticating: Array(participant.uuidString.utf8))
        return try JSONDecoder().decode(ParticipantProfile.self, from: json)
    }

    /// The participant fields a class list shows, in its columns' order (the health insurance number stays on the
    /// person's profile).
    static let classListFields = [
        "permanent-code", "school", "level", "group", "teacher", "lunch-arrangement", "allergies", "medical-conditions", "emergency-contact",
    ]

    /// For a session's class list: the fields its offering asks that a class list shows, and each confirmed
    /// participant's answers, every profile opened logged as a read by `organisation`'s staff member.
    func classListFields(
        session: UUID, organisation: UUID, by principal: Principal, at now: Date
    ) async throws -> (asked: [String], answers: [UUID: [String]]) {
        try await client.transaction(logger: logger) { connection in
            var offeringFields: [String] = []
            for try await fields in try await connection.query(
                """
                SELECT coalesce(ARRAY(SELECT jsonb_array_elements_text(o.document->'participantFields')), '{}')
                FROM offering_sessions s JOIN offerings o ON o.id = s.offering_id WHERE s.id = \(session)
                """, logger: logger
            ).decode([String].self) {
                offeringFields = fields
            }
            let asked = Self.classListFields.filter(offeringFields.contains)
            guard !asked.isEmpty else { return ([], [:]) }
            var answers: [UUID: [String]] = [:]
            for try await (participant, sealed) in try await connection.query(
                """
                SELECT DISTINCT p.id, p.profile_sealed FROM registrations r JOIN participants p ON p.id = r.participant_id
                WHERE r.session_id = \(session) AND r.status = 'confirmed'
                """, logger: logger
            ).decode((UUID, ByteBuffer?).self) {
                let profile = try sealed.map { try unsealed($0, participant: participant) } ?? ParticipantProfile()
                answers[participant] = asked.map { profile.answer(to: $0) ?? "" }
            }
            try await connection.query(
                """
                INSERT INTO profile_reads (participant_id, account_id, organisation_id, read_at)
                SELECT participant, \(principal.accountId), \(organisation), \(now) FROM unnest(\(Array(answers.keys))) AS participant
                """, logger: logger)
            return (asked, answers)
        }
    }
}
