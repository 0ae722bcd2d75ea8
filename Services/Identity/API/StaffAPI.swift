import Foundation
import ServiceKit

extension IdentityAPI {
    private func requireAdmin() throws -> Principal {
        let principal = try RequestScope.requirePrincipal()
        // The spec's mark already asks the second factor; checked here too, whatever route reaches this.
        guard principal.isAdmin, principal.secondFactorAt != nil else { throw Problem.forbidden }
        return principal
    }

    private static func uuid(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw Problem.notFound }
        return id
    }

    private static func summary(_ account: Account) -> Components.Schemas.AccountSummary {
        .init(id: account.id.uuidString.lowercased(), email: account.email, firstName: account.firstName, lastName: account.lastName)
    }

    func findAccounts(_ input: Operations.FindAccounts.Input) async throws -> Operations.FindAccounts.Output {
        _ = try requireAdmin()
        let found = try await accounts.find(email: EmailAddress.normalized(input.query.email))
        let items = [found].compactMap { $0 }.filter { $0.status == .active }.map(Self.summary)
        return .ok(.init(body: .json(.init(items: items))))
    }

    func listStaff(_ input: Operations.ListStaff.Input) async throws -> Operations.ListStaff.Output {
        let principal = try RequestScope.requirePrincipal()
        let organisation = try Self.uuid(input.path.organisationId)
        guard principal.isStaff(of: organisation) else { throw Problem.notFound }
        let members = try await staff.staff(of: organisation)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: members.map {
                            .init(
                                id: $0.account.id.uuidString.lowercased(), email: $0.account.email, firstName: $0.account.firstName,
                                lastName: $0.account.lastName, role: $0.role == .admin ? .admin : .staff, grantedAt: $0.grantedAt)
                        }))))
    }

    func listStaffChanges(_ input: Operations.ListStaffChanges.Input) async throws -> Operations.ListStaffChanges.Output {
        let principal = try RequestScope.requirePrincipal()
        let organisation = try Self.uuid(input.path.organisationId)
        guard principal.isOrganisationAdmin(of: organisation) else { throw Problem.notFound }
        let page = try await staff.changes(
            of: organisation, request: try PageRequest(limit: input.query.limit, cursor: input.query.cursor))
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map {
                            .init(
                                id: $0.id.uuidString.lowercased(), accountId: $0.account.uuidString.lowercased(), accountName: $0.accountName,
                                change: .init(rawValue: $0.change) ?? .granted, role: $0.role == "admin" ? .admin : .staff,
                                changedBy: $0.changedBy.uuidString.lowercased(), changedByName: $0.changedByName, changedAt: $0.changedAt)
                        },
                        nextCursor: page.nextCursor))))
    }

    func grantStaffRole(_ input: Operations.GrantStaffRole.Input) async throws -> Operations.GrantStaffRole.Output {
        let admin = try requireAdmin()
        let organisation = try Self.uuid(input.path.organisationId)
        let account = try Self.uuid(input.path.accountId)
        let role: StaffStore.Role = input.query.role == .admin ? .admin : .staff
        guard try await staff.organisationExists(organisation) else { throw Problem.organisationUnknown }
        guard try await accounts.find(id: account) != nil else { throw Problem.notFound }
        try await staff.grant(account: account, organisation: organisation, role: role, by: admin.accountId, at: clock.now())
        return .noContent(.init())
    }

    func revokeStaffRole(_ input: Operations.RevokeStaffRole.Input) async throws -> Operations.RevokeStaffRole.Output {
        let admin = try requireAdmin()
        try await staff.revoke(
            account: try Self.uuid(input.path.accountId), organisation: try Self.uuid(input.path.organisationId), by: admin.accountId,
            at: clock.now())
        return .noContent(.init())
    }
}
