import Foundation
import ServiceKit

extension EnrolmentAPI {
    func listHouseholds(_ input: Operations.ListHouseholds.Input) async throws -> Operations.ListHouseholds.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        return .ok(.init(body: .json(.init(items: try await households.list(guardian: guardian).map(Self.representation)))))
    }

    func updateHousehold(_ input: Operations.UpdateHousehold.Input) async throws -> Operations.UpdateHousehold.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.householdId) else { throw Problem.notFound }
        var errors: [FieldError] = []
        // An empty string clears the field; absent leaves it.
        func cleaned(_ value: String?, field: String, limit: Int) -> String?? {
            guard let value else { return .none }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.unicodeScalars.count > limit {
                errors.append(
                    .init(
                        field: field, code: "tooLong", message: .init(fr: "Au plus \(limit) caractères.", en: "At most \(limit) characters.")))
            }
            return .some(trimmed.isEmpty ? nil : trimmed)
        }
        let address = cleaned(body.address, field: "address", limit: 300)
        let phone = cleaned(body.phone, field: "phone", limit: 30)
        if case .some(.some(let phone)) = phone, phone.filter(\.isNumber).count < 10 {
            errors.append(
                .init(
                    field: "phone", code: "invalidPhone",
                    message: .init(fr: "Un numéro de téléphone à 10 chiffres.", en: "A 10-digit phone number.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        switch try await households.update(id: id, guardian: guardian, address: address, phone: phone, at: clock.now()) {
        case .updated(let household): return .ok(.init(body: .json(Self.representation(household))))
        case .notFound: throw Problem.notFound
        case .managedByOrganisation: throw Problem.householdManagedByOrganisation
        }
    }

    static func representation(_ household: Household) -> Components.Schemas.Household {
        .init(
            id: household.id.uuidString.lowercased(), organisationId: household.organisationId?.uuidString.lowercased(),
            address: household.address, phone: household.phone, residency: household.residency.flatMap { .init(rawValue: $0) },
            isFirstGuardian: household.isFirstGuardian,
            members: household.members.map {
                .init(participantId: $0.participantId.uuidString.lowercased(), firstName: $0.firstName, lastName: $0.lastName)
            })
    }
}

extension Problem {
    static let householdManagedByOrganisation = Problem(
        type: "/problems/household-managed-by-organisation", status: .conflict,
        title: .init(
            fr: "Ce dossier est tenu par l'organisme.",
            en: "This household's file is kept by the organisation."),
        detail: .init(
            fr: "Pour changer l'adresse ou le téléphone, écrivez à l'organisme qui tient votre dossier.",
            en: "To change the address or phone, write to the organisation that keeps your file."))
}
