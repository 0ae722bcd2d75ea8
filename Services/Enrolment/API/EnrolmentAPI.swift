import Foundation
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct EnrolmentAPI: APIProtocol {
    let participants: any ParticipantRepository
    let offerings: OfferingProjection
    let cart: CartRepository
    let checkouts: CheckoutStore
    let clock: any WallClock

    func getEnrolmentOffering(_ input: Operations.GetEnrolmentOffering.Input) async throws -> Operations.GetEnrolmentOffering.Output {
        guard let id = UUID(uuidString: input.path.offeringId), let offering = try await offerings.find(id: id) else {
            throw Problem.notFound
        }
        return .ok(.init(body: .json(.init(
            id: offering.id.uuidString.lowercased(), version: offering.version, status: offering.status,
            sellingOrganisationId: offering.sellingOrganisationId.uuidString.lowercased(), code: offering.code,
            title: .init(fr: offering.title.fr, en: offering.title.en), basePriceCents: offering.basePriceCents,
            sessions: offering.sessions.map {
                .init(id: $0.id.uuidString.lowercased(), startsOn: $0.startsOn, endsOn: $0.endsOn, capacity: $0.capacity)
            }))))
    }

    func listParticipants(_ input: Operations.ListParticipants.Input) async throws -> Operations.ListParticipants.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        if let key = page.after, key.count != 3 || UUID(uuidString: key[2]) == nil { throw Problem.invalidCursor }
        let rows = try await participants.list(guardian: guardian, after: page.after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [$0.lastName, $0.firstName, $0.id.uuidString] }
        return .ok(.init(body: .json(.init(items: items.map(Self.representation), nextCursor: nextCursor))))
    }

    func createParticipant(_ input: Operations.CreateParticipant.Input) async throws -> Operations.CreateParticipant.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let now = clock.now()
        let participant = try NewParticipant.validated(
            firstName: body.firstName, lastName: body.lastName, birthDate: body.birthDate, today: now)
        let created = try await participants.create(participant, guardian: guardian, id: UUID(), at: now)
        RequestScope.setResponseHeader(.location, "/v1/participants/\(created.id.uuidString.lowercased())")
        return .created(.init(body: .json(Self.representation(created))))
    }

    func getParticipant(_ input: Operations.GetParticipant.Input) async throws -> Operations.GetParticipant.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.participantId),
            let participant = try await participants.find(id: id, guardian: guardian)
        else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(participant))))
    }

    static func representation(_ participant: Participant) -> Components.Schemas.Participant {
        .init(
            id: participant.id.uuidString.lowercased(), firstName: participant.firstName,
            lastName: participant.lastName, birthDate: participant.birthDate, createdAt: participant.createdAt)
    }
}
