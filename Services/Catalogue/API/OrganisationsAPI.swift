import Contracts
import Foundation
import ServiceKit

extension CatalogueAPI {
    func listOrganisations(_ input: Operations.ListOrganisations.Input) async throws -> Operations.ListOrganisations.Output {
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        var after: (String, UUID)?
        if let key = page.after {
            guard key.count == 2, let id = UUID(uuidString: key[1]) else { throw Problem.invalidCursor }
            after = (key[0], id)
        }
        var parent: UUID?
        if let parentId = input.query.parentId {
            guard let id = UUID(uuidString: parentId) else { throw Problem.malformedRequest("parentId is not a UUID.") }
            parent = id
        }
        let rows = try await organisations.list(
            kind: input.query.kind?.rawValue, parentId: parent, after: after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [$0.shortCode, $0.id.uuidString] }
        return .ok(.init(body: .json(.init(items: items.map(Self.representation), nextCursor: nextCursor))))
    }

    func createOrganisation(_ input: Operations.CreateOrganisation.Input) async throws -> Operations.CreateOrganisation.Output {
        let principal = try RequestScope.requirePrincipal()
        guard principal.isAdmin, principal.secondFactorAt != nil else { throw Problem.forbidden }
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var parent: UUID?
        if let parentId = body.parentId {
            guard let id = UUID(uuidString: parentId) else { throw Problem.unknownParent }
            parent = id
        }
        let name = LocalizedText(
            fr: body.name.fr.trimmingCharacters(in: .whitespacesAndNewlines), en: body.name.en.trimmingCharacters(in: .whitespacesAndNewlines))
        let shortCode = body.shortCode.trimmingCharacters(in: .whitespaces)
        try OrganisationRules.validate(shortCode: shortCode, name: name)
        let organisation = Organisation(
            id: UUID(), kind: Organisation.Kind(rawValue: body.kind.rawValue) ?? .school, shortCode: shortCode, name: name,
            parentId: parent, version: 1)
        try await organisations.create(organisation, at: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/organisations/\(organisation.id.uuidString.lowercased())")
        return .created(.init(body: .json(Self.representation(organisation))))
    }

    func getOrganisation(_ input: Operations.GetOrganisation.Input) async throws -> Operations.GetOrganisation.Output {
        guard let id = UUID(uuidString: input.path.organisationId), let organisation = try await organisations.find(id: id) else {
            throw Problem.notFound
        }
        return .ok(.init(body: .json(Self.representation(organisation))))
    }

    func updateOrganisation(_ input: Operations.UpdateOrganisation.Input) async throws -> Operations.UpdateOrganisation.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        let name = body.name.map {
            LocalizedText(fr: $0.fr.trimmingCharacters(in: .whitespacesAndNewlines), en: $0.en.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let errors = OrganisationRules.nameErrors(name)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let address = body.address.map {
            PostalAddress(street: $0.street, city: $0.city, province: $0.province.rawValue, postalCode: $0.postalCode)
        }
        let touchesDetails = address != nil || body.gstNumber != nil || body.qstNumber != nil || body.enterpriseNumber != nil
        let updated = try await organisations.update(id: id, at: clock.now()) { organisation in
            // Identity lists the organisations below a staff member's own in the token, so this covers the parent's staff.
            guard principal.isStaff(of: organisation.id) else { throw Problem.forbidden }
            // The numbers printed on receipts and slips are the organisation's administrators' to set.
            if touchesDetails, !principal.isOrganisationAdmin(of: organisation.id) { throw Problem.forbidden }
            if let name { organisation.name = name }
            do {
                organisation.details = try OrganisationDetailsRules.apply(
                    address: address, gstNumber: body.gstNumber, qstNumber: body.qstNumber, enterpriseNumber: body.enterpriseNumber,
                    to: organisation.details)
            } catch let invalid as FieldErrors {
                throw Problem.validation(invalid.errors)
            }
        }
        guard let updated else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(updated))))
    }

    func listProgrammes(_ input: Operations.ListProgrammes.Input) async throws -> Operations.ListProgrammes.Output {
        guard let id = UUID(uuidString: input.path.organisationId), try await organisations.find(id: id) != nil else { throw Problem.notFound }
        let items = try await organisations.programmes(of: id).map {
            Components.Schemas.Programme(
                id: $0.id.uuidString.lowercased(), organisationId: $0.organisationId.uuidString.lowercased(), code: $0.code,
                name: .init(fr: $0.name.fr, en: $0.name.en))
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createProgramme(_ input: Operations.CreateProgramme.Input) async throws -> Operations.CreateProgramme.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.organisationId), try await organisations.find(id: id) != nil else { throw Problem.notFound }
        guard principal.isStaff(of: id) else { throw Problem.forbidden }
        let code = body.code.trimmingCharacters(in: .whitespaces)
        var errors = OrganisationRules.nameErrors(.init(fr: body.name.fr, en: body.name.en))
        if code.isEmpty || code.unicodeScalars.count > 20 {
            errors.append(
                .init(field: "code", code: "invalid", message: .init(fr: "Le code compte 1 à 20 caractères.", en: "The code has 1 to 20 characters."))
            )
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let programme = Programme(id: UUID(), organisationId: id, code: code, name: .init(fr: body.name.fr, en: body.name.en))
        try await organisations.create(programme)
        return .created(
            .init(
                body: .json(
                    .init(
                        id: programme.id.uuidString.lowercased(), organisationId: id.uuidString.lowercased(), code: code,
                        name: .init(fr: programme.name.fr, en: programme.name.en)))))
    }

    static func representation(_ organisation: Organisation) -> Components.Schemas.Organisation {
        .init(
            id: organisation.id.uuidString.lowercased(), kind: .init(rawValue: organisation.kind.rawValue)!,
            shortCode: organisation.shortCode, name: .init(fr: organisation.name.fr, en: organisation.name.en),
            parentId: organisation.parentId?.uuidString.lowercased(),
            address: organisation.details.address.map {
                .init(street: $0.street, city: $0.city, province: .init(rawValue: $0.province) ?? .qc, postalCode: $0.postalCode)
            },
            gstNumber: organisation.details.gstNumber, qstNumber: organisation.details.qstNumber,
            enterpriseNumber: organisation.details.enterpriseNumber, version: organisation.version)
    }
}
