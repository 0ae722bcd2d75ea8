import Foundation
import ServiceKit

extension CatalogueAPI {
    func createOffering(_ input: Operations.CreateOffering.Input) async throws -> Operations.CreateOffering.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let organisation = UUID(uuidString: body.sellingOrganisationId) else {
            throw Problem.validation([.init(field: "sellingOrganisationId", code: "invalid", message: .init(fr: "Identifiant invalide.", en: "Invalid identifier."))])
        }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        let offering = Offering(
            id: UUID(), sellingOrganisationId: organisation, code: body.code.trimmingCharacters(in: .whitespaces),
            title: .init(fr: body.title.fr, en: body.title.en), basePriceCents: body.basePrice.amountCents,
            registrationOpensAt: body.registrationOpensAt, registrationClosesAt: body.registrationClosesAt,
            status: .draft, version: 1,
            sessions: body.sessions.map {
                .init(
                    id: UUID(), name: .init(fr: $0.name.fr, en: $0.name.en), startsOn: $0.startsOn, endsOn: $0.endsOn,
                    capacity: $0.capacity, waitlistSize: $0.waitlistSize ?? 0)
            })
        try OfferingRules.validate(
            code: offering.code, title: offering.title, basePriceCents: offering.basePriceCents,
            opensAt: offering.registrationOpensAt, closesAt: offering.registrationClosesAt, sessions: offering.sessions)
        try await offerings.create(offering, at: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/offerings/\(offering.id.uuidString.lowercased())")
        return .created(.init(body: .json(Self.representation(offering))))
    }

    func getOffering(_ input: Operations.GetOffering.Input) async throws -> Operations.GetOffering.Output {
        guard let id = UUID(uuidString: input.path.offeringId), let offering = try await offerings.find(id: id) else {
            throw Problem.notFound
        }
        if offering.status == .draft {
            // A draft exists only for its organisation's staff.
            guard let principal = RequestScope.current?.principal, principal.isStaff(of: offering.sellingOrganisationId) else {
                throw Problem.notFound
            }
        }
        return .ok(.init(body: .json(Self.representation(offering))))
    }

    func publishOffering(_ input: Operations.PublishOffering.Input) async throws -> Operations.PublishOffering.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.offeringId) else { throw Problem.notFound }
        let published = try await offerings.publish(id: id, at: clock.now()) { offering in
            guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
        }
        guard let published else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(published))))
    }

    static func representation(_ offering: Offering) -> Components.Schemas.Offering {
        .init(
            id: offering.id.uuidString.lowercased(), sellingOrganisationId: offering.sellingOrganisationId.uuidString.lowercased(),
            code: offering.code, title: .init(fr: offering.title.fr, en: offering.title.en),
            basePrice: .init(amountCents: offering.basePriceCents, currency: .cad),
            registrationOpensAt: offering.registrationOpensAt, registrationClosesAt: offering.registrationClosesAt,
            status: .init(rawValue: offering.status.rawValue)!, version: offering.version,
            sessions: offering.sessions.map {
                .init(
                    id: $0.id.uuidString.lowercased(), name: .init(fr: $0.name.fr, en: $0.name.en), startsOn: $0.startsOn,
                    endsOn: $0.endsOn, capacity: $0.capacity, waitlistSize: $0.waitlistSize)
            })
    }
}
