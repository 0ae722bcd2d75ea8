import Crypto
import Foundation
import Mail
import OpenAPIRuntime
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct EnrolmentAPI: APIProtocol {
    let participants: any ParticipantRepository
    let offerings: OfferingProjection
    let cart: CartRepository
    let checkouts: CheckoutStore
    let records: RecordRepository
    let waitlists: WaitlistStore
    let staff: StaffRepository
    let mailing: Mailing
    let documents: DocumentStore
    let profiles: ProfileStore
    let recordRequests: RecordRequestStore
    let households: HouseholdStore
    let clock: any WallClock

    func getEnrolmentOffering(_ input: Operations.GetEnrolmentOffering.Input) async throws -> Operations.GetEnrolmentOffering.Output {
        guard let id = UUID(uuidString: input.path.offeringId), let offering = try await offerings.find(id: id) else {
            throw Problem.notFound
        }
        return .ok(
            .init(
                body: .json(
                    .init(
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

    func updateParticipant(_ input: Operations.UpdateParticipant.Input) async throws -> Operations.UpdateParticipant.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.participantId) else { throw Problem.notFound }
        let corrected = try NewParticipant.validated(
            firstName: body.firstName, lastName: body.lastName, birthDate: body.birthDate, today: clock.now())
        switch try await participants.update(id: id, guardian: guardian, to: corrected) {
        case .done(let participant?): return .ok(.init(body: .json(Self.representation(participant))))
        case .done(nil), .notFound: throw Problem.notFound
        case .linked: throw Problem.participantLinked
        case .hasRegistrations: throw Problem.participantHasRegistrations
        }
    }

    func removeParticipant(_ input: Operations.RemoveParticipant.Input) async throws -> Operations.RemoveParticipant.Output {
        let guardian = try RequestScope.requirePrincipal().accountId
        guard let id = UUID(uuidString: input.path.participantId) else { throw Problem.notFound }
        switch try await participants.remove(id: id, guardian: guardian) {
        case .done: return .noContent(.init())
        case .notFound: throw Problem.notFound
        case .linked: throw Problem.participantLinked
        case .hasRegistrations: throw Problem.participantHasRegistrations
        }
    }

    static func representation(_ participant: Participant) -> Components.Schemas.Participant {
        .init(
            id: participant.id.uuidString.lowercased(), firstName: participant.firstName,
            lastName: participant.lastName, birthDate: participant.birthDate, createdAt: participant.createdAt,
            record: participant.record.map {
                .init(
                    organisationId: $0.organisationId.uuidString.lowercased(), fileNumber: $0.fileNumber, school: $0.school, level: $0.level,
                    group: $0.group, residency: $0.residency.flatMap { .init(rawValue: $0) }, programme: $0.programme)
            },
            householdId: participant.householdId?.uuidString.lowercased())
    }
}

/// What the API needs to queue mails itself (staff messages).
struct Mailing: Sendable {
    let mails: EnrolmentMails
    let key: SymmetricKey
    let from: MailMessage.Address
}

extension EnrolmentAPI {
    static let maximumImportBytes = 32 * 1024 * 1024

    func linkParticipant(_ input: Operations.LinkParticipant.Input) async throws -> Operations.LinkParticipant.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        let organisation = Self.uuid(body.organisationId, field: "organisationId", into: &errors)
        let fileNumber = body.fileNumber.trimmingCharacters(in: .whitespaces)
        if fileNumber.isEmpty {
            errors.append(.required("fileNumber"))
        }
        if CalendarDate(body.birthDate) == nil {
            errors.append(
                .init(field: "birthDate", code: "invalidDate", message: .init(fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")))
        }
        guard errors.isEmpty, let organisation else { throw Problem.validation(errors) }
        let nameKey =
            (body.firstName != nil || body.lastName != nil)
            ? PersonRecord.nameKey(first: body.firstName ?? "", last: body.lastName ?? "") : nil
        switch try await records.link(
            account: account, organisation: organisation, fileNumber: fileNumber, birthDate: body.birthDate, nameKey: nameKey, at: clock.now())
        {
        case .linked(let participant):
            return .ok(.init(body: .json(Self.representation(participant))))
        case .awaitingApproval(let request):
            return .accepted(.init(body: .json(Self.representation(request))))
        case .mismatch:
            throw Problem.linkNotFound
        case .throttled(let seconds):
            throw Problem.tooManyRequests(retryAfterSeconds: seconds)
        case .accountNotReady:
            throw Problem.accountNotReady
        }
    }

    func importRecords(_ input: Operations.ImportRecords.Input) async throws -> Operations.ImportRecords.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        guard case .csv(let body) = input.body else { throw Problem.malformedRequest("Expected text/csv.") }
        let text: String
        do {
            text = try await String(collecting: body, upTo: Self.maximumImportBytes)
        } catch {
            throw Problem.payloadTooLarge(maximumBytes: Self.maximumImportBytes)
        }
        let parsed = RecordsCSV.parse(text)
        guard parsed.headerErrors.isEmpty else {
            throw Problem.validation(parsed.headerErrors)
        }
        let report = try await records.importRecords(
            parsed.records, rejected: parsed.rejected, organisation: organisation, by: principal.accountId, at: clock.now())
        return .ok(
            .init(
                body: .json(
                    .init(
                        added: report.added, updated: report.updated, unchanged: report.unchanged, retired: report.retired,
                        rejected: report.rejected.map {
                            .init(
                                line: $0.line,
                                errors: $0.errors.map { .init(field: $0.field, code: $0.code, message: .init(fr: $0.message.fr, en: $0.message.en)) })
                        }))))
    }
}

extension Problem {
    /// One answer for every mismatch, so a guess learns nothing about which field was wrong.
    static let linkNotFound = Problem(
        type: "/problems/link-not-found", status: .unprocessableContent,
        title: .init(
            fr: "Aucun dossier ne correspond à ces renseignements.",
            en: "No record matches this information."),
        detail: .init(
            fr: "Vérifiez le numéro de fiche, la date de naissance et les noms, et utilisez le courriel que vous avez fourni à l'organisme.",
            en: "Check the file number, the birth date and the names, and use the email you gave the organisation."))

    static func payloadTooLarge(maximumBytes: Int) -> Problem {
        Problem(
            type: "/problems/payload-too-large", status: .contentTooLarge,
            title: .init(fr: "Le fichier est trop volumineux.", en: "The file is too large."),
            detail: .init(fr: "Au plus \(maximumBytes / 1_048_576) Mo.", en: "At most \(maximumBytes / 1_048_576) MB."))
    }
}
