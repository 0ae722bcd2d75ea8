import Foundation
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct IdentityAPI: APIProtocol {
    let consentTexts: any ConsentTextRepository
    let clock: any WallClock

    func getCurrentConsentText(
        _ input: Operations.GetCurrentConsentText.Input
    ) async throws -> Operations.GetCurrentConsentText.Output {
        let purpose = input.query.purpose
        guard let consent = try await consentTexts.current(purpose: purpose.rawValue, now: clock.now()) else {
            throw Problem.notFound
        }
        return .ok(.init(body: .json(.init(
            purpose: purpose, version: consent.version, text: .init(fr: consent.text.fr, en: consent.text.en),
            publishedAt: consent.publishedAt))))
    }
}
