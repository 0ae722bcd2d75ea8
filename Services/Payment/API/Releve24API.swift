import Contracts
import DomainKit
import Foundation
import Projections
import ServiceKit

/// Relevé 24: the payer's social insurance number and slips; staff's settings, generation, review, issuing and file.
extension PaymentAPI {
    func getMyTaxNumber(_ input: Operations.GetMyTaxNumber.Input) async throws -> Operations.GetMyTaxNumber.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        guard let (masked, updated) = try await taxNumbers.masked(account: payer) else { throw Problem.notFound }
        return .ok(.init(body: .json(.init(masked: masked, updatedAt: updated))))
    }

    func setMyTaxNumber(_ input: Operations.SetMyTaxNumber.Input) async throws -> Operations.SetMyTaxNumber.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let number = TaxNumber(body.taxNumber) else {
            throw Problem.validation([
                FieldError(
                    field: "taxNumber", code: "invalid",
                    message: .init(
                        fr: "Ce n'est pas un numéro d'assurance sociale\u{00A0}: 9 chiffres, comme sur votre carte ou votre lettre de confirmation.",
                        en: "This is not a social insurance number: 9 digits, as on your card or confirmation letter."))
            ])
        }
        let now = clock.now()
        try await taxNumbers.save(number, account: payer, at: now)
        return .ok(.init(body: .json(.init(masked: number.masked, updatedAt: now))))
    }

    func deleteMyTaxNumber(_ input: Operations.DeleteMyTaxNumber.Input) async throws -> Operations.DeleteMyTaxNumber.Output {
        try await taxNumbers.remove(account: try RequestScope.requirePrincipal().accountId)
        return .noContent(.init())
    }

    func listMyReleve24(_ input: Operations.ListMyReleve24.Input) async throws -> Operations.ListMyReleve24.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        var providers: [UUID: Provider] = [:]
        var items: [Components.Schemas.Releve24Slip] = []
        for slip in try await releve24.slips(payer: payer) {
            items.append(try await representation(slip, providers: &providers))
        }
        var waiting: [Operations.ListMyReleve24.Output.Ok.Body.JsonPayload.WaitingForTaxNumberPayloadPayload] = []
        for entry in try await releve24.waitingForTaxNumber(payer: payer) {
            let provider = try await provider(entry.organisation, cache: &providers).organisation
            waiting.append(
                .init(
                    organisationId: entry.organisation.uuidString.lowercased(),
                    organisationName: provider.map { .init(fr: $0.name.fr, en: $0.name.en) },
                    year: entry.year, participantName: entry.participantName))
        }
        return .ok(.init(body: .json(.init(items: items, waitingForTaxNumber: waiting))))
    }

    func getReleve24(_ input: Operations.GetReleve24.Input) async throws -> Operations.GetReleve24.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.slipId), let slip = try await releve24.slip(id: id),
            (slip.payerAccountId == principal.accountId && slip.status != .draft) || principal.isStaff(of: slip.organisationId)
        else { throw Problem.notFound }
        var providers: [UUID: Provider] = [:]
        return .ok(.init(body: .json(try await representation(slip, providers: &providers))))
    }

    func getReleve24Preparer(_ input: Operations.GetReleve24Preparer.Input) async throws -> Operations.GetReleve24Preparer.Output {
        // An identifier in the path that cannot be one names nothing: not found.
        guard UUID(uuidString: input.path.organisationId) != nil else { throw Problem.notFound }
        let organisation = try Self.staffOrganisation(input.path.organisationId)
        guard let preparer = try await releve24.preparer(organisation: organisation) else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(preparer))))
    }

    func setReleve24Preparer(_ input: Operations.SetReleve24Preparer.Input) async throws -> Operations.SetReleve24Preparer.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard principal.isOrganisationAdmin(of: organisation) else { throw Problem.forbidden }
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        let number = body.preparerNumber.filter { !$0.isWhitespace }.uppercased()
        if !Releve24.isPreparerNumber(number) {
            errors.append(
                FieldError(
                    field: "preparerNumber", code: "invalid",
                    message: .init(
                        fr: "Le numéro de préparateur s'écrit NP suivi de 6 chiffres.", en: "A preparer number is NP followed by 6 digits.")))
        }
        for (field, value) in [("firstSequence", body.firstSequence), ("lastSequence", body.lastSequence)] where !Releve24.isSequence(value) {
            errors.append(
                FieldError(
                    field: field, code: "invalid",
                    message: .init(
                        fr: "Un numéro de la plage a 8 chiffres (sans le chiffre de contrôle).",
                        en: "A number of the range has 8 digits (without the check digit).")))
        }
        if errors.isEmpty, body.lastSequence < body.firstSequence {
            errors.append(
                FieldError(
                    field: "lastSequence", code: "beforeFirst",
                    message: .init(fr: "Le dernier numéro vient après le premier.", en: "The last number comes after the first.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let preparer = try await releve24.setPreparer(
            organisation: organisation, number: number, firstSequence: body.firstSequence, lastSequence: body.lastSequence, by: principal.accountId,
            at: clock.now())
        return .ok(.init(body: .json(Self.representation(preparer))))
    }

    func listOrganisationReleve24(_ input: Operations.ListOrganisationReleve24.Input) async throws -> Operations.ListOrganisationReleve24.Output {
        let organisation = try Self.staffOrganisation(input.query.organisation, field: "organisation")
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        var after: UUID?
        if let key = page.after {
            guard key.count == 1, let id = UUID(uuidString: key[0]) else { throw Problem.invalidCursor }
            after = id
        }
        let rows = try await releve24.slips(
            organisation: organisation, year: input.query.year, status: input.query.status.flatMap { Releve24.Status(rawValue: $0.rawValue) },
            after: after, limit: page.fetchLimit)
        let (slips, next) = page.page(rows) { [$0.id.uuidString] }
        var providers: [UUID: Provider] = [:]
        var items: [Components.Schemas.Releve24Slip] = []
        for slip in slips { items.append(try await representation(slip, providers: &providers)) }
        let summary = try await releve24.summary(organisation: organisation, year: input.query.year)
        func figures(_ code: Releve24.Code) -> Components.Schemas.Releve24Figures? {
            summary.byCode[code].map {
                .init(
                    slips: $0.slips, feesPaid: Self.money($0.feesPaidCents), notEligible: Self.money($0.notEligibleCents),
                    eligible: Self.money($0.eligibleCents))
            }
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: items, nextCursor: next,
                        summary: .init(
                            drafts: summary.drafts, original: figures(.original), amended: figures(.amended), cancelled: figures(.cancelled))))))
    }

    func generateReleve24(_ input: Operations.GenerateReleve24.Input) async throws -> Operations.GenerateReleve24.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let organisation = try Self.staffOrganisation(body.organisationId, field: "organisationId")
        let now = clock.now()
        guard body.year <= CalendarDate(now).year else {
            throw Problem.validation([
                FieldError(
                    field: "year", code: "future", message: .init(fr: "Cette année n'est pas encore commencée.", en: "This year has not begun."))
            ])
        }
        let generation = try await releve24.generate(organisation: organisation, year: body.year, at: now)
        return .ok(
            .init(
                body: .json(
                    .init(
                        originals: generation.originals, amendments: generation.amendments, cancellations: generation.cancellations,
                        waitingForTaxNumber: generation.waitingForTaxNumber))))
    }

    func issueReleve24(_ input: Operations.IssueReleve24.Input) async throws -> Operations.IssueReleve24.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let organisation = try Self.staffOrganisation(body.organisationId, field: "organisationId")
        let principal = try RequestScope.requirePrincipal()
        let issuing = try await releve24.issue(organisation: organisation, year: body.year, by: principal.accountId, at: clock.now())
        return .ok(.init(body: .json(.init(issued: issuing.issued, waitingForTaxNumber: issuing.waitingForTaxNumber))))
    }

    func getReleve24Transmission(_ input: Operations.GetReleve24Transmission.Input) async throws -> Operations.GetReleve24Transmission.Output {
        let organisation = try Self.staffOrganisation(input.query.organisation, field: "organisation")
        let principal = try RequestScope.requirePrincipal()
        // It holds every payer's number in full: the organisation's administrators only.
        guard principal.isOrganisationAdmin(of: organisation) else { throw Problem.forbidden }
        guard let preparer = try await releve24.preparer(organisation: organisation) else { throw Problem.releve24NoPreparer }
        let provider = try await releve24.provider(organisation: organisation)
        let xml = try await releve24.transmission(
            organisation: organisation, year: input.query.year, preparer: preparer, providerName: provider?.name.fr ?? "",
            providerDetails: provider?.details ?? .init(), by: principal.accountId, at: clock.now())
        return .ok(.init(body: .xml(.init(xml))))
    }

    // MARK: Helpers

    /// What a slip names of its organisation: the provider as the catalogue announced it, and its preparer number.
    typealias Provider = (organisation: Releve24Store.Provider?, preparerNumber: String?)

    /// The organisation a staff request names, refused to anyone not on its staff.
    static func staffOrganisation(_ text: String, field: String = "organisationId") throws -> UUID {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: text) else { throw Problem.validation([.invalidIdentifier(field)]) }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        return organisation
    }

    /// Read once per organisation for a list of slips.
    private func provider(_ organisation: UUID, cache: inout [UUID: Provider]) async throws -> Provider {
        if let known = cache[organisation] { return known }
        let found = (try await releve24.provider(organisation: organisation), try await releve24.preparer(organisation: organisation)?.preparerNumber)
        cache[organisation] = found
        return found
    }

    func representation(_ slip: Releve24Store.Slip, providers: inout [UUID: Provider]) async throws -> Components.Schemas.Releve24Slip {
        let (provider, preparerNumber) = try await provider(slip.organisationId, cache: &providers)
        let address = slip.payerAddress
        return .init(
            id: slip.id.uuidString.lowercased(),
            organisation: .init(
                id: slip.organisationId.uuidString.lowercased(), name: .init(fr: provider?.name.fr ?? "", en: provider?.name.en ?? ""),
                address: provider?.details.address.map { "\($0.street), \($0.city) (\($0.province)) \($0.postalCode)" },
                enterpriseNumber: provider?.details.enterpriseNumber, preparerNumber: preparerNumber),
            year: slip.year, code: .init(rawValue: slip.code.rawValue)!, status: .init(rawValue: slip.status.rawValue)!,
            number: slip.number.map { String($0) }, replacesNumber: slip.replacesNumber.map { String($0) }, careDays: slip.boxes.careDays,
            feesPaid: Self.money(slip.boxes.feesPaidCents), notEligible: Self.money(slip.boxes.notEligibleCents),
            eligible: Self.money(slip.boxes.eligibleCents),
            payer: .init(
                accountId: slip.payerAccountId.uuidString.lowercased(), name: slip.payerName,
                address: .init(
                    name: address.name, line1: address.line1, line2: address.line2, city: address.city, province: address.province,
                    postalCode: address.postalCode, country: address.country),
                taxNumber: slip.taxNumberLastDigits.map(TaxNumber.masked(lastDigits:))),
            participant: .init(id: slip.participantId.uuidString.lowercased(), name: slip.participantName, birthDate: slip.participantBirthDate),
            issuedAt: slip.issuedAt, delivery: slip.delivery.flatMap { .init(rawValue: $0) })
    }

    static func representation(_ preparer: Releve24Store.Preparer) -> Components.Schemas.Releve24Preparer {
        .init(
            preparerNumber: preparer.preparerNumber, firstSequence: preparer.firstSequence, lastSequence: preparer.lastSequence,
            nextSequence: preparer.nextSequence)
    }
}
