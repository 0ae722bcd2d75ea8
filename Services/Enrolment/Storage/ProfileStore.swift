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
    let key: SymmetricKey

    /// Replaces the profile; nil when `account` is not a guardian of the participant.
    func replace(_ profile: ParticipantProfile, participant: UUID, by account: UUID, at now: Date) async throws -> ParticipantProfile? {
        let sealed = try ChaChaPoly.seal(try JSONEncoder().encode(profile), using: key, authenticating: Array(participant.uuidString.utf8)).combined
        let updated = try await client.query(
            """
            UPDATE participants p SET profile_sealed = \(ByteBuffer(data: sealed)), permanent_code = \(profile.permanentCode?.uppercased()),
                phone = \(profile.phone?.filter(\.isNumber)), email = \(profile.email?.lowercased()), profile_updated_at = \(now)
            WHERE p.id = \(participant)
              AND EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(account))
            RETURNING 1
            """, logger: RequestScope.logger
        ).collect().count == 1
        return updated ? profile : nil
    }

    /// The profile for its guardians, or for staff of an organisation the participant is registered with (logged);
    /// nil for anyone else.
    func read(participant: UUID, by principal: Principal, at now: Date) async throws -> ParticipantProfile? {
        let logger = RequestScope.logger
        return try await client.transaction(logger: logger) { connection in
            var found: (sealed: ByteBuffer?, isGuardian: Bool, sellers: [UUID])?
            for try await row in try await connection.query(
                """
                SELECT p.profile_sealed,
                    EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = p.id AND g.account_id = \(principal.accountId)),
                    coalesce((SELECT array_agg(DISTINCT o.selling_organisation_id) FROM registrations r JOIN offerings o ON o.id = r.offering_id
                        WHERE r.participant_id = p.id AND r.status IN ('held', 'confirmed')), '{}')
                FROM participants p WHERE p.id = \(participant)
                """, logger: logger
            ).decode((ByteBuffer?, Bool, [UUID]).self) {
                found = row
            }
            guard let found else { return nil }
            if !found.isGuardian {
                guard let organisation = found.sellers.first(where: principal.isStaff(of:)) else { return nil }
                try await connection.query(
                    """
                    INSERT INTO profile_reads (participant_id, account_id, organisation_id, read_at)
                    VALUES (\(participant), \(principal.accountId), \(organisation), \(now))
                    """, logger: logger)
            }
            guard let sealed = found.sealed else { return ParticipantProfile() }
            let box = try ChaChaPoly.SealedBox(combined: Data(sealed.readableBytesView))
            let json = try ChaChaPoly.open(box, using: key, authenticating: Array(participant.uuidString.utf8))
            return try JSONDecoder().decode(ParticipantProfile.self, from: json)
        }
    }
}
