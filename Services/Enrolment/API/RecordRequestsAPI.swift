import Foundation
import ServiceKit

extension EnrolmentAPI {
    func requestRecord(_ input: Operations.RequestRecord.Input) async throws -> Operations.RequestRecord.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        let organisation = Self.uuid(body.organisationId, field: "organisationId", into: &errors)
        var person: NewParticipant?
        do {
            person = try NewParticipant.validated(firstName: body.firstName, lastName: body.lastName, birthDate: body.birthDate, today: clock.now())
        } catch {
            errors += error.errors
        }
        let address = body.address.trimmingCharacters(in: .whitespacesAndNewlines)
        if address.isEmpty { errors.append(.required("address")) }
        guard errors.isEmpty, let organisation, let person else { throw Problem.validation(errors) }
        let request = try await recordRequests.create(account: account, organisation: organisation, person: person, address: address, at: clock.now())
        return .created(.init(body: .json(Self.representation(request))))
    }

    func listMyRecordRequests(_ input: Operations.ListMyRecordRequests.Input) async throws -> Operations.ListMyRecordRequests.Output {
        let account = try RequestScope.requirePrincipal().accountId
        return .ok(.init(body: .json(.init(items: try await recordRequests.made(by: account).map(Self.representation)))))
    }

    func listRecordRequests(_ input: Operations.ListRecordRequests.Input) async throws -> Operations.ListRecordRequests.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        return .ok(.init(body: .json(.init(items: try await recordRequests.pending(organisation: organisation).map(Self.representation)))))
    }

    func decideRecordRequest(_ input: Operations.DecideRecordRequest.Input) async throws -> Operations.DecideRecordRequest.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.requestId), let organisation = try await recordRequests.organisation(of: id) else {
            throw Problem.notFound
        }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        let decided: RecordRequest?
        if body.approve {
            let fileNumber = body.fileNumber?.trimmingCharacters(in: .whitespaces) ?? ""
            let isLink = try await recordRequests.kind(of: id) == .link
            guard !fileNumber.isEmpty || isLink else {
                throw Problem.validation([.required("fileNumber")])
            }
            decided = try await recordRequests.approve(id, fileNumber: fileNumber, by: principal.accountId, at: clock.now(), mailing: mailing)
        } else {
            decided = try await recordRequests.reject(id, by: principal.accountId, at: clock.now(), mailing: mailing)
        }
        guard let decided else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(decided))))
    }

    static func representation(_ request: RecordRequest) -> Components.Schemas.RecordRequest {
        .init(
            id: request.id.uuidString.lowercased(), kind: .init(rawValue: request.kind.rawValue) ?? .newRecord,
            organisationId: request.organisationId.uuidString.lowercased(), firstName: request.firstName,
            lastName: request.lastName, birthDate: request.birthDate, address: request.address,
            status: .init(rawValue: request.status.rawValue) ?? .pending,
            fileNumber: request.fileNumber, createdAt: request.createdAt)
    }
}
