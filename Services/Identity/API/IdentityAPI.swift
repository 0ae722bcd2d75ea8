import Foundation
import Mail
import ServiceKit

/// Implements the operations generated from `openapi.yaml`; one file per tag (accounts, sessions, password
/// resets, staff).
struct IdentityAPI: APIProtocol {
    let consentTexts: any ConsentTextRepository
    let consents: ConsentLedger
    let accounts: AccountStore
    let sessions: SessionStore
    let secondFactors: SecondFactorStore
    let staff: StaffStore
    let throttles: ThrottleStore
    let hasher: PasswordHasher
    let signer: AccessTokenSigner
    let codec: SecretCodec
    let mails: IdentityMails
    let settings: IdentitySettings
    let clock: any WallClock

    func getCurrentConsentText(
        _ input: Operations.GetCurrentConsentText.Input
    ) async throws -> Operations.GetCurrentConsentText.Output {
        let purpose = input.query.purpose
        guard let consent = try await consentTexts.current(purpose: purpose.rawValue, now: clock.now()) else {
            throw Problem.notFound
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        purpose: purpose, version: consent.version, text: .init(fr: consent.text.fr, en: consent.text.en),
                        publishedAt: consent.publishedAt))))
    }

    func getPasswordRules(_ input: Operations.GetPasswordRules.Input) async throws -> Operations.GetPasswordRules.Output {
        let policy = settings.passwordPolicy
        return .ok(
            .init(
                body: .json(
                    .init(
                        minimumLength: policy.minimumLength, maximumLength: PasswordPolicy.maximumLength,
                        rules: policy.rules.map { .init(code: $0.code, text: .init(fr: $0.text.fr, en: $0.text.en)) }))))
    }

    // MARK: Shared by the handlers

    /// A mail from identity to an account holder, in their language.
    func mail(_ template: MailTemplate, to account: Account, address: String? = nil, values: [String: Any]) -> MailMessage {
        var values = values
        values["firstName"] = account.firstName
        return template.message(
            language: account.language == .fr ? .fr : .en, from: settings.mailFrom,
            to: .init(email: address ?? account.email, name: "\(account.firstName) \(account.lastName)"), values: values,
            date: clock.now())
    }

    /// A new code (and for sign-up a link token) with the challenge that stores their hashes.
    func newChallenge(
        _ purpose: ChallengePurpose, lifetime: TimeInterval, withLink: Bool = false, newEmail: String? = nil
    )
        -> (challenge: NewChallenge, code: String, linkToken: String?)
    {
        let id = UUID()
        let code = SecretCodec.newCode()
        let link = withLink ? SecretCodec.newToken() : nil
        let challenge = NewChallenge(
            id: id, purpose: purpose, codeHash: codec.codeHash(code, challenge: id), linkHash: link.map(SecretCodec.tokenHash),
            newEmail: newEmail, expiresAt: clock.now().addingTimeInterval(lifetime))
        return (challenge, code, link)
    }

    /// The sign-up mail: the code and the link, either of which verifies.
    func signUpMail(to account: Account, code: String, linkToken: String) -> MailMessage {
        // The portal's page, whose button verifies (mail scanners open links; they do not click).
        let link = "\(settings.publicBaseURL)/compte/confirmer?token=\(linkToken)"
        return mail(
            mails.signUp, to: account,
            values: ["code": code, "link": link, "hours": String(Int(settings.signUpCodeLifetime / 3600))])
    }

    /// The same "check your mail" for every address: whether it has an account is not for the caller to learn.
    static let checkYourMail = Components.Schemas.AcceptedMessage(
        message: .init(
            fr: "Si cette adresse peut recevoir un code, un courriel vient de lui être envoyé. Vérifiez aussi vos courriels indésirables.",
            en: "If this address can receive a code, a mail was just sent to it. Check your spam folder too."))

    var client: ClientInfo { .current }

    static func emailField(_ email: String) -> String? {
        let normalized = EmailAddress.normalized(email)
        return EmailAddress.isPlausible(normalized) ? normalized : nil
    }

    static func invalidEmail(field: String = "email") -> Problem {
        .validation([
            FieldError(
                field: field, code: "invalid",
                message: .init(fr: "Cette adresse courriel n'est pas valide.", en: "This email address is not valid."))
        ])
    }

    /// Throws 422 listing every unmet password rule, by name.
    func checkPassword(_ password: String, email: String, field: String = "password") throws {
        let violations = settings.passwordPolicy.violations(of: password, email: email).map {
            FieldError(field: field, code: $0.code, message: $0.message)
        }
        if !violations.isEmpty { throw Problem.validation(violations) }
    }

    /// The account's public form.
    func representation(_ account: Account) async throws -> Components.Schemas.Account {
        let grants = try await staff.grants(account: account.id)
        return .init(
            id: account.id.uuidString.lowercased(), email: account.email, firstName: account.firstName, lastName: account.lastName,
            birthDate: account.birthDate, phone: account.phone, language: account.language == .fr ? .fr : .en, status: .active,
            createdAt: account.createdAt, verifiedAt: account.verifiedAt,
            pendingEmail: try await accounts.pendingEmail(account: account.id, at: clock.now()),
            staffRoles: grants.map { .init(organisationId: $0.organisation.uuidString.lowercased(), role: $0.role == .admin ? .admin : .staff) },
            admin: settings.adminEmails.contains(account.email),
            secondFactor: .init(
                enabled: try await secondFactors.isOn(account: account.id),
                recoveryCodesLeft: try await secondFactors.recoveryCodesLeft(account: account.id)))
    }
}
