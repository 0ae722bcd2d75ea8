import Foundation
import ServiceKit

/// The consents an account holder gives and withdraws in their account (the ledger).
extension IdentityAPI {
    func listMyConsents(_ input: Operations.ListMyConsents.Input) async throws -> Operations.ListMyConsents.Output {
        let account = try RequestScope.requirePrincipal().accountId
        let given = try await consents.given(account: account)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: given.compactMap { consent in
                            Components.Schemas.ConsentPurpose(rawValue: consent.purpose).map {
                                .init(purpose: $0, version: consent.version, givenAt: consent.givenAt)
                            }
                        }))))
    }

    func giveConsent(_ input: Operations.GiveConsent.Input) async throws -> Operations.GiveConsent.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let purpose = input.path.purpose
        guard ConsentLedger.changeable.contains(purpose.rawValue) else { throw Problem.consentNotChangeable }
        let now = clock.now()
        guard let text = try await consentTexts.current(purpose: purpose.rawValue, now: now) else { throw Problem.notFound }
        let given = try await consents.give(purpose: purpose.rawValue, version: body.version, account: account, current: text.version, at: now)
        return .ok(.init(body: .json(.init(purpose: purpose, version: given.version, givenAt: given.givenAt))))
    }

    func withdrawConsent(_ input: Operations.WithdrawConsent.Input) async throws -> Operations.WithdrawConsent.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard ConsentLedger.changeable.contains(input.path.purpose.rawValue) else { throw Problem.consentNotChangeable }
        try await consents.withdraw(purpose: input.path.purpose.rawValue, account: account, at: clock.now())
        return .noContent(.init())
    }
}
