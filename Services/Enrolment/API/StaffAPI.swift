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
                        registrationId: outcome.registrationId.uuidString.lowercased(), status: .cancelled, refund: Self.money(outcome.refundCents),
                        refundAwaitsDecision: outcome.awaitsDecision ? true : nil)))
        )
    }

    func getCancellationQuote(_ input: Operations.GetCancellationQuote.Input) async throws -> Operations.GetCancellationQuote.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.registrationId) else { throw Problem.notFound }
        let quote = try await Cancellations.quote(
            registration: id, by: principal, at: clock.now(), client: checkouts.client, logger: checkouts.logger)
        return .ok(
            .init(
                body: .json(
                    .init(
                        registrationId: quote.registrationId.uuidString.lowercased(), refund: Self.money(quote.refundCents),
                        refundAwaitsDecision: quote.awaitsDecision ? true : nil))))
    }

    static func representation(_ request: Cancellations.RefundRequestView) -> Components.Schemas.RefundRequest {
        .init(
            id: request.id.uuidString.lowercased(), registrationId: request.registrationId.uuidString.lowercased(),
            participantName: request.participantName, offeringCode: request.offeringCode,
            offeringTitle: .init(fr: request.offeringTitle.fr, en: request.offeringTitle.en), maximum: money(request.maximumCents),
            granted: request.grantedCents.map(Self.money), status: .init(rawValue: request.status) ?? .awaitingDecision, note: request.note,
            requestedAt: request.requestedAt, decidedAt: request.decidedAt)
    }

    func listRefundRequests(_ input: Operations.ListRefundRequests.Input) async throws -> Operations.ListRefundRequests.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard try await records.mayManage(organisation, principal: principal) else { throw Problem.forbidden }
        let limit = try PageRequest(limit: input.query.limit, cursor: nil).limit
        let found = try await Cancellations.refundRequests(
            organisation: organisation, status: input.query.status?.rawValue ?? "awaiting-decision", limit: limit, client: checkouts.client,
            logger: checkouts.logger)
        return .ok(.init(body: .json(.init(items: found.map(Self.representation)))))
    }

    func decideRefundRequest(_ input: Operations.DecideRefundRequest.Input) async throws -> Operations.DecideRefundRequest.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.requestId) else { throw Problem.notFound }
        let note = body.note?.trimmingCharacters(in: .whitespacesAndNewlines)
        let records = self.records
        let decided = try await Cancellations.decide(
            request: id, body.grant ? .grant(cents: body.amountCents.map(Int64.init)) : .refuse, note: note?.isEmpty == true ? nil : note,
            by: principal, mayDecide: { try await records.mayManage($0, principal: principal) }, at: clock.now(), mailing: mailing,
            client: checkouts.client, logger: checkouts.logger)
        return .ok(.init(body: .json(Self.representation(decided))))
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
                session: entry.session, status: entry.status, fundingSource: entry.fundingSource, createdAt: entry.createdAt,
                invoice: entry.invoiceStatus.map {
                    .init(status: .init(rawValue: $0)!, dueDate: entry.invoiceDueOn ?? "", amount: Self.money(entry.amountCents))
                })
            if let last = terms.indices.last, terms[last].schoolYear == entry.schoolYear, terms[last].term == entry.term {
                terms[last].registrations.append(registration)
            } else {
                terms.append(.init(schoolYear: entry.schoolYear, term: entry.term, registrations: [registration]))
            }
        }
        let guardians = try await staff.guardians(of: id).map {
            Operations.GetParticipantRecord.Output.Ok.Body.JsonPayload.GuardiansPayloadPayload(
                accountId: $0.accountId.uuidString.lowercased(), name: $0.name, email: $0.email)
        }
        return .ok(.init(body: .json(.init(participant: Self.representation(participant), guardians: guardians, terms: terms))))
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
        var invoice: InvoiceBilling.Request?
        if let asked = body.invoice {
            let payer = Self.uuid(asked.payerAccountId, field: "invoice.payerAccountId", into: &errors)
            let today = CalendarDate(clock.now())
            // Due from today to a year ahead: an invoice is paid within the season it bills.
            if let due = CalendarDate(asked.dueDate), due >= today, due <= today.adding(days: 366), let payer {
                invoice = .init(payerAccountId: payer, dueOn: due)
            } else if payer != nil {
                errors.append(
                    .init(
                        field: "invoice.dueDate", code: "outOfRange",
                        message: .init(
                            fr: "Donnez une échéance entre aujourd'hui et dans un an.", en: "Give a due date between today and a year from now.")))
            }
        }
        guard errors.isEmpty, let participant, let offering, let session else { throw Problem.validation(errors) }
        let records = self.records
        let row = try await staff.register(
            participant: participant, offeringId: offering, sessionId: session, fundingSource: funding,
            overrideReason: body.overrideReason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 },
            invoice: invoice, by: principal,
            mayManage: { try await records.mayManage($0, principal: principal) }, at: clock.now())
        return .created(
            .init(
                body: .json(
                    .init(
                        id: row.id.uuidString.lowercased(), fundingSource: funding, participantId: row.participantId.uuidString.lowercased(),
                        offeringId: row.offeringId.uuidString.lowercased(), sessionId: row.sessionId.uuidString.lowercased(), status: .confirmed,
                        amount: Self.money(row.amountCents), createdAt: row.createdAt))))
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
        guard let session = UUID(uuidString: input.path.sessionId), let seller = try await staff.session(session)?.seller else {
            throw Problem.notFound
        }
        guard try await records.mayManage(seller, principal: principal) else { throw Problem.forbidden }
        let entries = try await staff.classList(session: session)
        // Health fields as the profile page shows them: to the seller's own staff (a parent organisation's staff,
        // whom the list admits, read them through their token's roles below or not at all).
        let (asked, answers) =
            principal.isStaff(of: seller)
            ? try await profiles.classListFields(session: session, organisation: seller, by: principal, at: clock.now()) : ([], [:])
        // CSV only when asked for over JSON (no Accept header lists both, equally).
        if ContentNegotiation.prefers(.csv, over: .json, in: input.headers.accept) {
            var csv = CSVText.row((["lastName", "firstName", "birthDate", "fileNumber", "group", "fundingSource"] + asked).map { Optional($0) })
            for entry in entries {
                var cells: [String?] = [entry.lastName, entry.firstName, entry.birthDate, entry.fileNumber, entry.group, entry.fundingSource]
                cells.append(contentsOf: (answers[entry.participantId] ?? asked.map { _ in "" }).map { Optional($0) })
                csv += CSVText.row(cells)
            }
            return .ok(.init(body: .csv(HTTPBody(csv))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        askedFields: asked.compactMap(Components.Schemas.ClassListField.init(rawValue:)),
                        items: entries.map {
                            .init(
                                registrationId: $0.registrationId.uuidString.lowercased(), participantId: $0.participantId.uuidString.lowercased(),
                                firstName: $0.firstName, lastName: $0.lastName, birthDate: $0.birthDate, fileNumber: $0.fileNumber, group: $0.group,
                                fundingSource: $0.fundingSource, fields: asked.isEmpty ? nil : answers[$0.participantId] ?? asked.map { _ in "" })
                        }))))
    }

    /// The session and its dates when the principal manages its organisation; not found otherwise (another
    /// organisation's session is not said to exist).
    private func managedSession(_ id: String, by principal: Principal) async throws -> (id: UUID, startsOn: String, endsOn: String) {
        guard let session = UUID(uuidString: id), let found = try await staff.session(session),
            try await records.mayManage(found.seller, principal: principal)
        else { throw Problem.notFound }
        return (session, found.startsOn, found.endsOn)
    }

    /// The session's date named in the path: a real date within the session, or 422 on `date`.
    private static func sessionDate(_ date: String, of dates: (id: UUID, startsOn: String, endsOn: String)) throws -> String {
        guard CalendarDate(date) != nil else {
            throw Problem.validation([
                .init(field: "date", code: "invalid", message: .init(fr: "Une date réelle, aaaa-mm-jj.", en: "A real date, yyyy-mm-dd."))
            ])
        }
        guard dates.startsOn <= date, date <= dates.endsOn else {
            throw Problem.validation([
                .init(
                    field: "date", code: "outside-session",
                    message: .init(
                        fr: "Une date du groupe, du \(dates.startsOn) au \(dates.endsOn).",
                        en: "A date of the group, \(dates.startsOn) to \(dates.endsOn)."))
            ])
        }
        return date
    }

    private static func sheet(session: UUID, date: String, lines: [StaffRepository.AttendanceLine]) -> Components.Schemas.AttendanceSheet {
        .init(
            sessionId: session.uuidString.lowercased(), date: date,
            entries: lines.map {
                .init(
                    registrationId: $0.registrationId.uuidString.lowercased(), participantId: $0.participantId.uuidString.lowercased(),
                    firstName: $0.firstName, lastName: $0.lastName, status: $0.status.flatMap { .init(rawValue: $0.rawValue) },
                    recordedAt: $0.recordedAt)
            })
    }

    func getAttendanceSheet(_ input: Operations.GetAttendanceSheet.Input) async throws -> Operations.GetAttendanceSheet.Output {
        let principal = try RequestScope.requirePrincipal()
        let session = try await managedSession(input.path.sessionId, by: principal)
        let date = try Self.sessionDate(input.path.date, of: session)
        let lines = try await staff.attendanceSheet(session: session.id, date: date)
        return .ok(.init(body: .json(Self.sheet(session: session.id, date: date, lines: lines))))
    }

    func recordAttendance(_ input: Operations.RecordAttendance.Input) async throws -> Operations.RecordAttendance.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let session = try await managedSession(input.path.sessionId, by: principal)
        let date = try Self.sessionDate(input.path.date, of: session)
        var errors: [FieldError] = []
        var marks: [(registration: UUID, status: StaffRepository.AttendanceStatus)] = []
        for (index, mark) in body.marks.enumerated() {
            guard let registration = UUID(uuidString: mark.registrationId),
                let status = StaffRepository.AttendanceStatus(rawValue: mark.status.rawValue)
            else {
                errors.append(
                    .init(field: "marks[\(index)].registrationId", code: "invalid", message: .init(fr: "Identifiant invalide.", en: "Invalid id.")))
                continue
            }
            if marks.contains(where: { $0.registration == registration }) {
                errors.append(
                    .init(
                        field: "marks[\(index)].registrationId", code: "duplicate",
                        message: .init(fr: "Une seule marque par inscription.", en: "One mark per registration.")))
            }
            marks.append((registration, status))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let unknown = try await staff.recordAttendance(session: session.id, date: date, marks: marks, by: principal.accountId, at: clock.now())
        guard unknown.isEmpty else {
            throw Problem.validation(
                unknown.map {
                    .init(
                        field: "marks[\($0)].registrationId", code: "not-in-session",
                        message: .init(
                            fr: "Cette inscription n'est pas confirmée dans ce groupe.", en: "This registration is not confirmed in this group."))
                })
        }
        let lines = try await staff.attendanceSheet(session: session.id, date: date)
        return .ok(.init(body: .json(Self.sheet(session: session.id, date: date, lines: lines))))
    }

    func listAttendance(_ input: Operations.ListAttendance.Input) async throws -> Operations.ListAttendance.Output {
        let principal = try RequestScope.requirePrincipal()
        let session = try await managedSession(input.path.sessionId, by: principal)
        let marks = try await staff.attendanceMarks(session: session.id)
        if ContentNegotiation.prefers(.csv, over: .json, in: input.headers.accept) {
            var csv = CSVText.row(["date", "lastName", "firstName", "status", "recordedAt"])
            for mark in marks {
                csv += CSVText.row([mark.date, mark.lastName, mark.firstName, mark.status.rawValue, mark.recordedAt.formatted(.iso8601)])
            }
            return .ok(.init(body: .csv(HTTPBody(csv))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: marks.map {
                            .init(
                                date: $0.date, registrationId: $0.registrationId.uuidString.lowercased(), firstName: $0.firstName,
                                lastName: $0.lastName, status: .init(rawValue: $0.status.rawValue) ?? .present, recordedAt: $0.recordedAt)
                        }))))
    }

    func messageSession(_ input: Operations.MessageSession.Input) async throws -> Operations.MessageSession.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let session = UUID(uuidString: input.path.sessionId), let seller = try await staff.session(session)?.seller else {
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
