import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// A session's attendance (Baie-Comeau's day camps, a college group): one mark per confirmed registration and date.
extension StaffRepository {
    enum AttendanceStatus: String, Sendable, CaseIterable {
        case present, absent, late
    }

    struct AttendanceLine: Sendable {
        var registrationId: UUID
        var participantId: UUID
        var firstName: String
        var lastName: String
        var status: AttendanceStatus?
        var recordedAt: Date?
    }

    struct AttendanceMark: Sendable {
        var date: String
        var registrationId: UUID
        var firstName: String
        var lastName: String
        var status: AttendanceStatus
        var recordedAt: Date
    }

    /// The day's sheet: every confirmed registration of the session with its mark on `date`, if any, by name.
    func attendanceSheet(session: UUID, date: String) async throws -> [AttendanceLine] {
        var lines: [AttendanceLine] = []
        for try await row in try await client.query(
            """
            SELECT r.id, p.id, p.first_name, p.last_name, a.status, a.recorded_at
            FROM registrations r JOIN participants p ON p.id = r.participant_id
            LEFT JOIN attendance a ON a.session_id = r.session_id AND a.registration_id = r.id AND a.attended_on = \(date)::date
            WHERE r.session_id = \(session) AND r.status = 'confirmed'
            ORDER BY p.last_name, p.first_name, p.id
            """, logger: logger
        ).decode((UUID, UUID, String, String, String?, Date?).self) {
            lines.append(
                .init(
                    registrationId: row.0, participantId: row.1, firstName: row.2, lastName: row.3,
                    status: row.4.flatMap(AttendanceStatus.init(rawValue:)), recordedAt: row.5))
        }
        return lines
    }

    /// Keeps the marks (each replacing the registration's earlier mark that day) if every one names a confirmed
    /// registration of the session; otherwise keeps nothing and returns the positions of those that do not.
    func recordAttendance(
        session: UUID, date: String, marks: [(registration: UUID, status: AttendanceStatus)], by account: UUID, at now: Date
    ) async throws -> [Int] {
        try await client.transaction(logger: logger) { connection in
            var confirmed = Set<UUID>()
            for try await id in try await connection.query(
                "SELECT id FROM registrations WHERE session_id = \(session) AND status = 'confirmed' AND id = ANY(\(marks.map(\.registration))) FOR SHARE",
                logger: logger
            ).decode(UUID.self) {
                confirmed.insert(id)
            }
            let unknown = marks.indices.filter { !confirmed.contains(marks[$0].registration) }
            guard unknown.isEmpty else { return unknown }
            try await connection.query(
                """
                INSERT INTO attendance (session_id, registration_id, attended_on, status, recorded_by, recorded_at)
                SELECT \(session), mark.registration, \(date)::date, mark.status, \(account), \(now)
                FROM unnest(\(marks.map(\.registration)), \(marks.map(\.status.rawValue))) AS mark (registration, status)
                ON CONFLICT (session_id, attended_on, registration_id)
                DO UPDATE SET status = excluded.status, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                """, logger: logger)
            return []
        }
    }

    /// Every mark kept for the session, by date then name (the sheet staff export).
    func attendanceMarks(session: UUID) async throws -> [AttendanceMark] {
        var marks: [AttendanceMark] = []
        for try await row in try await client.query(
            """
            SELECT to_char(a.attended_on, 'YYYY-MM-DD'), r.id, p.first_name, p.last_name, a.status, a.recorded_at
            FROM attendance a JOIN registrations r ON r.id = a.registration_id JOIN participants p ON p.id = r.participant_id
            WHERE a.session_id = \(session)
            ORDER BY a.attended_on, p.last_name, p.first_name, p.id
            """, logger: logger
        ).decode((String, UUID, String, String, String, Date).self) {
            guard let status = AttendanceStatus(rawValue: row.4) else { continue }
            marks.append(.init(date: row.0, registrationId: row.1, firstName: row.2, lastName: row.3, status: status, recordedAt: row.5))
        }
        return marks
    }
}
