import Foundation
import ServiceKit

extension EnrolmentAPI {
    func getParticipantProfile(_ input: Operations.GetParticipantProfile.Input) async throws -> Operations.GetParticipantProfile.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.participantId),
            let profile = try await profiles.read(participant: id, by: principal, at: clock.now())
        else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(profile))))
    }

    func replaceParticipantProfile(_ input: Operations.ReplaceParticipantProfile.Input) async throws -> Operations.ReplaceParticipantProfile.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.participantId) else { throw Problem.notFound }
        func clean(_ text: String?) -> String? {
            text.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let profile = ParticipantProfile(
            permanentCode: clean(body.permanentCode)?.uppercased(), phone: clean(body.phone), email: clean(body.email), address: clean(body.address), school: clean(body.school),
            level: clean(body.level), group: clean(body.group), teacher: clean(body.teacher), lunchArrangement: clean(body.lunchArrangement),
            allergies: clean(body.allergies), medicalConditions: clean(body.medicalConditions),
            healthInsuranceNumber: clean(body.healthInsuranceNumber)?.uppercased(), healthInsuranceExpiry: clean(body.healthInsuranceExpiry),
            emergencyContact: body.emergencyContact.map { .init(name: $0.name, phone: $0.phone, relationship: clean($0.relationship)) },
            volunteerWishes: clean(body.volunteerWishes), hasInterventionPlan: body.hasInterventionPlan)
        let errors = profile.errors()
        guard errors.isEmpty else { throw Problem.validation(errors) }
        guard let saved = try await profiles.replace(profile, participant: id, by: account, at: clock.now()) else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(saved))))
    }

    static func representation(_ profile: ParticipantProfile) -> Components.Schemas.ParticipantProfile {
        .init(
            permanentCode: profile.permanentCode, phone: profile.phone, email: profile.email, address: profile.address, school: profile.school, level: profile.level,
            group: profile.group, teacher: profile.teacher, lunchArrangement: profile.lunchArrangement, allergies: profile.allergies,
            medicalConditions: profile.medicalConditions, healthInsuranceNumber: profile.healthInsuranceNumber,
            healthInsuranceExpiry: profile.healthInsuranceExpiry,
            emergencyContact: profile.emergencyContact.map { .init(name: $0.name, phone: $0.phone, relationship: $0.relationship) },
            volunteerWishes: profile.volunteerWishes, hasInterventionPlan: profile.hasInterventionPlan)
    }
}
