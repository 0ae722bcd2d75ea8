import Foundation
import ServiceKit

extension EnrolmentAPI {
    func joinWaitlist(_ input: Operations.JoinWaitlist.Input) async throws -> Operations.JoinWaitlist.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let session = UUID(uuidString: input.path.sessionId) else { throw Problem.notFound }
        var errors: [FieldError] = []
        guard let participant = Self.uuid(body.participantId, field: "participantId", into: &errors) else { throw Problem.validation(errors) }
        let entry = try await waitlists.join(account: account, participantId: participant, sessionId: session, at: clock.now())
        return .created(.init(body: .json(Self.representation(entry))))
    }

    func listWaitlistEntries(_ input: Operations.ListWaitlistEntries.Input) async throws -> Operations.ListWaitlistEntries.Output {
        let account = try RequestScope.requirePrincipal().accountId
        return .ok(.init(body: .json(.init(items: try await waitlists.list(account: account).map(Self.representation)))))
    }

    func leaveWaitlist(_ input: Operations.LeaveWaitlist.Input) async throws -> Operations.LeaveWaitlist.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.entryId), try await waitlists.withdraw(account: account, id: id, at: clock.now()) else {
            throw Problem.notFound
        }
        return .noContent(.init())
    }

    static func representation(_ entry: WaitlistEntry) -> Components.Schemas.WaitlistEntry {
        .init(
            id: entry.id.uuidString.lowercased(), sessionId: entry.sessionId.uuidString.lowercased(),
            offeringId: entry.offeringId.uuidString.lowercased(), participantId: entry.participantId.uuidString.lowercased(),
            status: .init(rawValue: entry.status.rawValue) ?? .expired, position: entry.position,
            offerExpiresAt: entry.status == .offered ? entry.offerExpiresAt : nil, createdAt: entry.createdAt)
    }
}
