import Foundation
import OpenAPIRuntime
import ServiceKit

extension EnrolmentAPI {
    func cancelRegistration(_ input: Operations.CancelRegistration.Input) async throws -> Operations.CancelRegistration.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.registrationId) else { throw Problem.notFound }
        let outcome = try await Cancellations.cancel(
            registration: id, by: principal, at: clock.now(), client: checkouts.client, logger: checkouts.logger)
        return .ok(
            .init(
                body: .json(
                    .init(
                        registrationId: outcome.registrationId.uuidString.lowercased(), status: .cancelled, refund: Self.money(outcome.refundCents))))
        )
    }

    func getCancellationQuote(_ input: Operations.GetCancellationQuote.Input) async throws -> Operations.GetCancellationQuote.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.registrationId) else { throw Problem.notFound }
        let quote = try await Cancellations.quote(
            registration: id, by: principal, at: clock.now(), client: checkouts.client, logger: checkouts.logger)
        return .ok(.init(body: .json(.init(registrationId: quote.registrationId.uuidString.lowercased(), refund: Self.money(quote.refundCents)))))
    }

    func searchParticipants(_ input: Operations.SearchParticipants.Input) async throws -> Operations.SearchParticipants.Output {
        let principal = try RequestScope.requirePrincipal()
        var errors: [FieldError] = []
        guard let organisation = Self.uuid(input.query.organisation, field: "organisation", into: &errors) else { throw Problem.validation(errors) }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        let limit = try PageRequest(limit: input.query.limit, cursor: nil).limit
        let found = try await staff.search(organisation: organisation, query: input.query.q, limit: limit)
        return .ok(.init(body: .json(.init(items: found.map(Self.representation)))))
    }

    func getParticipantRecord(_ input: Operations.GetParticipantRecord.Input) async throws -> Operations.GetParticipantRecord.Output {
        let principal = try RequestScope.requirePrincipal()
        var errors: [FieldError] = []
        guard let organisation = Self.uuid(input.query.organisation, field: "organisation", into: &errors) else { throw Problem.validation(errors) }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        guard let id = UUID(uuidString: input.path.participantId), let participant = try await staff.participant(id, organisation: organisation)
        else {
            throw Problem.notFound
        }
        let entries = try await staff.record(participant: id, organisation: organisation)
        var terms: [Operations.GetParticipantRecord.Output.Ok.Body.JsonPayload.TermsPayloadPayload] = []
        for entry in entries {
            let registration = Operations.GetParticipantRecord.Output.Ok.Body.JsonPayload.TermsPayloadPayload.RegistrationsPayloadPayload(
                registrationId: entry.registrationId.uuidString.lowercased(), offeringId: entry.offeringId.uuidString.lowercased(),
                sessionId: entry.sessionId.uuidString.lowercased(), offeringCode: entry.code, title: .init(fr: entry.title, en: entry.titleEn),
                session: entry.session, status: entry.status, fundingSource: entry.fundingSource, createdAt: entry.createdAt)
            if let last = terms.indices.last, terms[last].schoolYear == entry.schoolYear, terms[last].term == entry.term {
                terms[last].registrations.append(registration)
            } else {
                terms.append(.init(schoolYear: entry.schoolYear, term: entry.term, registrations: [registration]))
            }
        }
        return .ok(.init(body: .json(.init(participant: Self.representation(participant), terms: terms))))
    }

    func registerByStaff(_ input: Operations.RegisterByStaff.Input) async throws -> Operations.RegisterByStaff.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        let participant = Self.uuid(body.participantId, field: "participantId", into: &errors)
        let offering = Self.uuid(body.offeringId, field: "offeringId", into: &errors)
        let session = Self.uuid(body.sessionId, field: "sessionId", into: &errors)
        let funding = body.fundingSource.trimmingCharacters(in: .whitespaces)
        if funding.isEmpty {
            errors.append(.init(field: "fundingSource", code: "required", message: .init(fr: "Indiquez qui paie.", en: "Say who pays.")))
        }
        guard errors.isEmpty, let participant, let offering, let session else { throw Problem.validation(errors) }
        let records = self.records
        let row = try await staff.register(
            participant: participant, offeringId: offering, sessionId: session, fundingSource: funding,
            overrideReason: body.overrideReason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 },
            by: principal,
            mayManage: { try await records.mayManage($0, principal: principal) }, at: clock.now())
        return .created(
            .init(
                body: .json(
                    .init(
                        id: row.id.uuidString.lowercased(), fundingSource: funding, participantId: row.participantId.uuidString.lowercased(),
                        offeringId: row.offeringId.uuidString.lowercased(), sessionId: row.sessionId.uuidString.lowercased(), status: .confirmed,
                        amount: Self.money(0), createdAt: row.createdAt))))
    }

    func moveRegistration(_ input: Operations.MoveRegistration.Input) async throws -> Operations.MoveRegistration.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        var errors: [FieldError] = []
        guard let id = UUID(uuidString: input.path.registrationId) else { throw Problem.notFound }
        guard let session = Self.uuid(body.sessionId, field: "sessionId", into: &errors) else { throw Problem.validation(errors) }
        let records = self.records
        let moved = try await staff.move(
            registration: id, to: session, mayManage: { try await records.mayManage($0, principal: principal) }, at: clock.now())
        return .ok(
            .init(
                body: .json(
                    .init(
                        registrationId: id.uuidString.lowercased(), sessionId: moved.session.uuidString.lowercased(),
                        previousSessionId: moved.previous.uuidString.lowercased()))))
    }

    func getItemQuantities(_ input: Operations.GetItemQuantities.Input) async throws -> Operations.GetItemQuantities.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let offering = UUID(uuidString: input.path.offeringId), let seller = try await staff.seller(ofOffering: offering),
            try await records.mayManage(seller, principal: principal)
        else { throw Problem.notFound }
        let quantities = try await staff.itemQuantities(offering: offering)
        if ContentNegotiation.prefers(.csv, over: .json, in: input.headers.accept) {
            var csv = "date,item,school,quantity\n"
            for row in quantities { csv += CSVText.row([row.date ?? "", row.name.fr, row.school, String(row.quantity)]) }
            return .ok(.init(body: .csv(HTTPBody(csv))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: quantities.map {
                            .init(
                                itemId: $0.itemId.uuidString.lowercased(), name: .init(fr: $0.name.fr, en: $0.name.en), date: $0.date,
                                school: $0.school,
                                quantity: $0.quantity)
                        }))))
    }

    func getClassList(_ input: Operations.GetClassList.Input) async throws -> Operations.GetClassList.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let session = UUID(uuidString: input.path.sessionId), let seller = try await staff.seller(ofSession: session) else {
            throw Problem.notFound
        }
        guard try await records.mayManage(seller, principal: principal) else { throw Problem.forbidden }
        let entries = try await staff.classList(session: session)
        // CSV only when asked for over JSON (no Accept header lists both, equally).
        if ContentNegotiation.prefers(.csv, over: .json, in: input.headers.accept) {
            var csv = "lastName,firstName,birthDate,fileNumber,group,fundingSource\n"
            for entry in entries {
                csv += CSVText.row([entry.lastName, entry.firstName, entry.birthDate, entry.fileNumber, entry.group, entry.fundingSource])
            }
            return .ok(.init(body: .csv(HTTPBody(csv))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: entries.map {
                            .init(
                                registrationId: $0.registrationId.uuidString.lowercased(), participantId: $0.participantId.uuidString.lowercased(),
                                firstName: $0.firstName, lastName: $0.lastName, birthDate: $0.birthDate, fileNumber: $0.fileNumber, group: $0.group,
                                fundingSource: $0.fundingSource)
                        }))))
    }

    func messageSession(_ input: Operations.MessageSession.Input) async throws -> Operations.MessageSession.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let session = UUID(uuidString: input.path.sessionId), let seller = try await staff.seller(ofSession: session) else {
            throw Problem.notFound
        }
        guard try await records.mayManage(seller, principal: principal) else { throw Problem.forbidden }
        let subject = body.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = body.body.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [FieldError] = []
        if subject.isEmpty {
            errors.append(.required("subject"))
        } else if subject.contains(where: \.isNewline) {
            errors.append(.init(field: "subject", code: "invalid", message: .init(fr: "Une seule ligne.", en: "One line only.")))
        }
        if text.isEmpty { errors.append(.required("body")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let count = try await staff.message(
            session: session, subject: subject, body: text, mails: mailing.mails, key: mailing.key, from: mailing.from, at: clock.now())
        return .accepted(.init(body: .json(.init(recipients: count))))
    }
}
