import Foundation
import ServiceKit

extension EnrolmentAPI {
    func getParticipantProfile(_ input: Operations.GetParticipantProfile.Input) async throws -> Operations.GetParticipantProfile.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.participantId),
            let (profile, version) = try await profiles.read(participant: id, by: principal, at: clock.now())
        else { throw Problem.notFound }
        return .ok(.init(headers: .init(eTag: Self.entityTag(version)), body: .json(Self.representation(profile))))
    }

    func replaceParticipantProfile(_ input: Operations.ReplaceParticipantProfile.Input) async throws -> Operations.ReplaceParticipantProfile.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.participantId) else { throw Problem.notFound }
        let profile = Self.profile(body)
        let errors = profile.errors()
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let expected: Int?
        switch input.headers.ifMatch {
        case nil: expected = nil
        case let tag?:
            guard let version = Self.version(entityTag: tag) else { throw Problem.preconditionFailed }
            expected = version
        }
        switch try await profiles.replace(profile, participant: id, expectedVersion: expected, by: account, at: clock.now()) {
        case .saved(let saved, let version):
            return .ok(.init(headers: .init(eTag: Self.entityTag(version)), body: .json(Self.representation(saved))))
        case .notFound: throw Problem.notFound
        case .versionRequired: throw Problem.preconditionRequired
        case .versionChanged: throw Problem.preconditionFailed
        }
    }

    /// The profile as sent, trimmed, empty texts dropped (a guardian's form or a guest's checkout line).
    static func profile(_ body: Components.Schemas.ParticipantProfile) -> ParticipantProfile {
        func clean(_ text: String?) -> String? {
            text.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        return ParticipantProfile(
            permanentCode: clean(body.permanentCode)?.uppercased(), phone: clean(body.phone), email: clean(body.email), address: clean(body.address),
            school: clean(body.school), level: clean(body.level), group: clean(body.group), teacher: clean(body.teacher),
            lunchArrangement: clean(body.lunchArrangement), allergies: clean(body.allergies), medicalConditions: clean(body.medicalConditions),
            healthInsuranceNumber: clean(body.healthInsuranceNumber)?.uppercased(), healthInsuranceExpiry: clean(body.healthInsuranceExpiry),
            emergencyContact: body.emergencyContact.map { .init(name: $0.name, phone: $0.phone, relationship: clean($0.relationship)) },
            volunteerWishes: clean(body.volunteerWishes), hasInterventionPlan: body.hasInterventionPlan)
    }

    static func entityTag(_ version: Int) -> String { "\"profile-\(version)\"" }

    static func version(entityTag: String) -> Int? {
        let tag = entityTag.trimmingCharacters(in: .whitespaces)
        guard tag.hasPrefix("\"profile-"), tag.hasSuffix("\""), tag.count > 10 else { return nil }
        return Int(tag.dropFirst(9).dropLast())
    }

    static func representation(_ profile: ParticipantProfile) -> Components.Schemas.ParticipantProfile {
        .init(
            permanentCode: profile.permanentCode, phone: profile.phone, email: profile.email, address: profile.address, school: profile.school,
            level: profile.level,
            group: profile.group, teacher: profile.teacher, lunchArrangement: profile.lunchArrangement, allergies: profile.allergies,
            medicalConditions: profile.medicalConditions, healthInsuranceNumber: profile.healthInsuranceNumber,
            healthInsuranceExpiry: profile.healthInsuranceExpiry,
            emergencyContact: profile.emergencyContact.map { .init(name: $0.name, phone: $0.phone, relationship: $0.relationship) },
            volunteerWishes: profile.volunteerWishes, hasInterventionPlan: profile.hasInterventionPlan)
    }
}

extension Problem {
    static let preconditionRequired = Problem(
        type: "/problems/precondition-required", status: .init(code: 428),
        title: .init(fr: "Rechargez le profil avant de l'enregistrer.", en: "Reload the profile before saving it."),
        detail: .init(
            fr: "Ce profil existe déjà : envoyez l'en-tête If-Match avec l'ETag reçu en le lisant.",
            en: "This profile already exists: send If-Match with the ETag you received when reading it."))

    static let preconditionFailed = Problem(
        type: "/problems/precondition-failed", status: .preconditionFailed,
        title: .init(
            fr: "Le profil a été modifié depuis que vous l'avez ouvert.", en: "The profile was changed since you opened it."),
        detail: .init(
            fr: "Un autre tuteur l'a enregistré entre-temps. Rechargez-le, vérifiez ses renseignements, puis enregistrez de nouveau.",
            en: "Another guardian saved it meanwhile. Reload it, check its information, then save again."))
}
