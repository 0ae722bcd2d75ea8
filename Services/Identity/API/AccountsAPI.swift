import Foundation
import OpenAPIRuntime
import ServiceKit

extension IdentityAPI {
    func signUp(_ input: Operations.SignUp.Input) async throws -> Operations.SignUp.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        try await throttles.claim([(.mailByAddress, client.address)], at: now)
        let email = EmailAddress.normalized(body.email)
        var errors: [FieldError] = []
        func invalid(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        let firstName = body.firstName.trimmingCharacters(in: .whitespacesAndNewlines)
        let lastName = body.lastName.trimmingCharacters(in: .whitespacesAndNewlines)
        if firstName.isEmpty { invalid("firstName", "required", fr: "Le prénom est requis.", en: "The first name is required.") }
        if lastName.isEmpty { invalid("lastName", "required", fr: "Le nom est requis.", en: "The last name is required.") }
        if !EmailAddress.isPlausible(email) {
            invalid("email", "invalid", fr: "Cette adresse courriel n'est pas valide.", en: "This email address is not valid.")
        }
        errors += settings.passwordPolicy.violations(of: body.password, email: email)
        if let birth = CalendarDate(body.birthDate) {
            let today = CalendarDate(now)
            if birth > today {
                invalid("birthDate", "inFuture", fr: "La date de naissance est dans le futur.", en: "The birth date is in the future.")
            } else if birth.years(until: today) < settings.minimumAge {
                invalid(
                    "birthDate", "tooYoung",
                    fr: "Le titulaire d'un compte doit avoir au moins \(settings.minimumAge) ans. Un parent crée le compte et y ajoute l'enfant.",
                    en: "An account holder must be at least \(settings.minimumAge). A parent creates the account and adds the child to it.")
            }
        } else {
            invalid("birthDate", "invalid", fr: "Date attendue au format AAAA-MM-JJ.", en: "A date in the YYYY-MM-DD format is expected.")
        }
        let phone = body.phone?.trimmingCharacters(in: .whitespaces)
        if let phone, !phone.isEmpty, !Self.isPhone(phone) {
            invalid("phone", "invalid", fr: "Ce numéro de téléphone n'est pas valide.", en: "This phone number is not valid.")
        }
        let consent = try await consentTexts.current(purpose: "personal-information", now: now)
        if body.consentVersion == nil {
            invalid(
                "consentVersion", "required",
                fr: "Cochez la case pour consentir ; sans consentement, le compte ne peut pas être créé.",
                en: "Tick the box to consent; without consent the account cannot be created.")
        } else if consent?.version != body.consentVersion {
            invalid(
                "consentVersion", "notCurrent",
                fr: "Le consentement accepté n'est pas le texte en vigueur; relisez-le et acceptez-le.",
                en: "The consent accepted is not the text in force; read it again and accept it.")
        }
        guard errors.isEmpty, let consentVersion = body.consentVersion else {
            // Refused before anything is hashed or mailed: it does not count against the address (a school's
            // shared address on registration day sees many parents correct a password rule).
            try await throttles.release(.mailByAddress, client.address)
            throw Problem.validation(errors)
        }

        // Hashed whether or not the address has an account, so both take the same time.
        let passwordHash = try await hasher.hash(body.password)
        let account = Account(
            id: UUID(), status: .pending, email: email, firstName: firstName, lastName: lastName, birthDate: body.birthDate,
            phone: phone?.isEmpty == false ? phone : nil, language: body.language == .en ? .en : .fr, passwordHash: passwordHash,
            version: 1, createdAt: now, verifiedAt: nil)
        let (challenge, code, link) = newChallenge(.signUp, lifetime: settings.signUpCodeLifetime, withLink: true)
        let mails = self.mails
        let api = self
        try await accounts.signUp(
            account, consentVersion: consentVersion, challenge: challenge,
            mail: signUpMail(to: account, code: code, linkToken: link!),
            mailToHolder: { holder in api.mail(mails.alreadyRegistered, to: holder, values: [:]) }, at: now, client: client)
        return .accepted(.init(body: .json(Self.checkYourMail)))
    }

    static func isPhone(_ phone: String) -> Bool {
        let digits = phone.filter(\.isNumber).count
        return (7...15).contains(digits) && phone.allSatisfy { $0.isASCII && ($0.isNumber || " +-().".contains($0)) || $0 == "x" }
    }

    func verifyAccount(_ input: Operations.VerifyAccount.Input) async throws -> Operations.VerifyAccount.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        let result: CodeCheck<Account>
        var claimed: [(ThrottleRule, String?)] = [(.codeByAddress, client.address)]
        if let token = body.token, body.code == nil {
            try await throttles.claim(claimed, at: now)
            result = try await accounts.verifySignUp(linkToken: token, at: now, client: client)
        } else if let code = body.code, let rawEmail = body.email {
            guard let email = Self.emailField(rawEmail) else { throw Self.invalidEmail() }
            claimed.append((.codeByEmail, email))
            try await throttles.claim(claimed, at: now)
            result = try await accounts.verifySignUp(email: email, code: code, at: now, client: client)
        } else {
            throw Problem.validation([
                FieldError(
                    field: "code", code: "required",
                    message: .init(fr: "Donnez le courriel et le code, ou le jeton du lien.", en: "Give the email and the code, or the link's token.")
                )
            ])
        }
        guard case .accepted(let account) = result else { throw Problem.verificationFailed }
        for (rule, value) in claimed { try await throttles.release(rule, value) }
        return .ok(.init(body: .json(try await representation(account))))
    }

    func resendVerification(_ input: Operations.ResendVerification.Input) async throws -> Operations.ResendVerification.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let now = clock.now()
        try await throttles.claim([(.mailByAddress, client.address)], at: now)
        guard let email = Self.emailField(body.email) else { throw Self.invalidEmail() }
        let (challenge, code, link) = newChallenge(.signUp, lifetime: settings.signUpCodeLifetime, withLink: true)
        let api = self
        try await accounts.resendSignUp(
            email: email, challenge: challenge, mail: { api.signUpMail(to: $0, code: code, linkToken: link!) }, at: now)
        return .accepted(.init(body: .json(Self.checkYourMail)))
    }

    var language: Language { RequestScope.current?.language ?? .fr }

    // MARK: One's own account

    /// The signed-in account; a token of a deleted account gets 401 like an expired one.
    func signedInAccount() async throws -> (Principal, Account) {
        let principal = try RequestScope.requirePrincipal()
        guard let account = try await accounts.find(id: principal.accountId) else { throw Problem.invalidToken }
        return (principal, account)
    }

    /// Checks the current password, with the per-account throttle that sign-in has.
    func confirmPassword(_ password: String, of account: Account) async throws {
        let now = clock.now()
        let key = account.id.uuidString
        try await throttles.claim([(.passwordCheckByAccount, key)], at: now)
        guard try await hasher.verify(password, hash: account.passwordHash) else { throw Problem.passwordIncorrect }
        try await throttles.release(.passwordCheckByAccount, key)
    }

    func getMyAccount(_ input: Operations.GetMyAccount.Input) async throws -> Operations.GetMyAccount.Output {
        let (_, account) = try await signedInAccount()
        return .ok(.init(body: .json(try await representation(account))))
    }

    func updateMyAccount(_ input: Operations.UpdateMyAccount.Input) async throws -> Operations.UpdateMyAccount.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (principal, _) = try await signedInAccount()
        var errors: [FieldError] = []
        let firstName = body.firstName?.trimmingCharacters(in: .whitespacesAndNewlines)
        let lastName = body.lastName?.trimmingCharacters(in: .whitespacesAndNewlines)
        if firstName?.isEmpty == true {
            errors.append(.init(field: "firstName", code: "required", message: .init(fr: "Le prénom est requis.", en: "The first name is required.")))
        }
        if lastName?.isEmpty == true {
            errors.append(.init(field: "lastName", code: "required", message: .init(fr: "Le nom est requis.", en: "The last name is required.")))
        }
        let phone = body.phone?.trimmingCharacters(in: .whitespaces)
        if let phone, !phone.isEmpty, !Self.isPhone(phone) {
            errors.append(
                .init(
                    field: "phone", code: "invalid",
                    message: .init(fr: "Ce numéro de téléphone n'est pas valide.", en: "This phone number is not valid.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let change = AccountStore.ProfileChange(
            firstName: firstName, lastName: lastName, phone: phone.map { $0.isEmpty ? nil : $0 },
            language: body.language.map { $0 == .en ? .en : .fr })
        guard let updated = try await accounts.updateProfile(account: principal.accountId, change: change, at: clock.now(), client: client) else {
            throw Problem.invalidToken
        }
        return .ok(.init(body: .json(try await representation(updated))))
    }

    func deleteMyAccount(_ input: Operations.DeleteMyAccount.Input) async throws -> Operations.DeleteMyAccount.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (_, account) = try await signedInAccount()
        try await confirmPassword(body.password, of: account)
        guard try await accounts.delete(account: account.id, expectedHash: account.passwordHash, at: clock.now()) else {
            throw Problem.passwordIncorrect
        }
        return .noContent(.init())
    }

    func requestEmailChange(_ input: Operations.RequestEmailChange.Input) async throws -> Operations.RequestEmailChange.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (_, account) = try await signedInAccount()
        guard let newEmail = Self.emailField(body.newEmail) else { throw Self.invalidEmail(field: "newEmail") }
        try await confirmPassword(body.password, of: account)
        guard newEmail != account.email else { return .accepted(.init(body: .json(Self.checkYourMail))) }
        let (challenge, code, _) = newChallenge(.emailChange, lifetime: IdentitySettings.emailChangeCodeLifetime, newEmail: newEmail)
        let (api, mails) = (self, self.mails)
        let minutes = String(Int(IdentitySettings.emailChangeCodeLifetime / 60))
        try await accounts.requestEmailChange(
            account: account.id, newEmail: newEmail, challenge: challenge,
            codeMail: { api.mail(mails.emailChange, to: $0, address: newEmail, values: ["code": code, "minutes": minutes]) },
            takenMail: { api.mail(mails.alreadyRegistered, to: $0, values: [:]) }, at: clock.now(), client: client)
        return .accepted(.init(body: .json(Self.checkYourMail)))
    }

    func confirmEmailChange(_ input: Operations.ConfirmEmailChange.Input) async throws -> Operations.ConfirmEmailChange.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (_, account) = try await signedInAccount()
        let now = clock.now()
        let key = account.id.uuidString
        try await throttles.claim([(.codeByEmail, key)], at: now)
        let (api, mails) = (self, self.mails)
        let result = try await accounts.confirmEmailChange(
            account: account.id, code: body.code,
            noticeToOldAddress: { old, newEmail in api.mail(mails.emailChanged, to: old, values: ["newEmail": newEmail]) }, at: now,
            client: client)
        guard case .accepted(let updated) = result else { throw Problem.verificationFailed }
        try await throttles.release(.codeByEmail, key)
        return .ok(.init(body: .json(try await representation(updated))))
    }

    func changeMyPassword(_ input: Operations.ChangeMyPassword.Input) async throws -> Operations.ChangeMyPassword.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("JSON body expected.") }
        let (principal, account) = try await signedInAccount()
        try checkPassword(body.newPassword, email: account.email, field: "newPassword")
        try await confirmPassword(body.currentPassword, of: account)
        let newHash = try await hasher.hash(body.newPassword)
        let (api, mails) = (self, self.mails)
        guard
            try await accounts.changePassword(
                account: account.id, expectedHash: account.passwordHash, newHash: newHash, keepingSession: principal.sessionId,
                mail: { api.mail(mails.passwordChanged, to: $0, values: [:]) }, at: clock.now(), client: client)
        else { throw Problem.passwordIncorrect }
        return .noContent(.init())
    }

    func listMySecurityEvents(_ input: Operations.ListMySecurityEvents.Input) async throws -> Operations.ListMySecurityEvents.Output {
        let (principal, _) = try await signedInAccount()
        let request = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let page = try await SecurityEventLog.page(account: principal.accountId, request: request, client: accounts.client, logger: accounts.logger)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map {
                            .init(
                                id: $0.id.uuidString.lowercased(), kind: .init(rawValue: $0.kind) ?? .signedIn, occurredAt: $0.occurredAt,
                                clientAddress: $0.clientAddress, userAgent: $0.userAgent)
                        },
                        nextCursor: page.nextCursor))))
    }
}
