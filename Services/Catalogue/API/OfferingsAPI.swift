import Contracts
import Foundation
import OpenAPIRuntime
import ServiceKit

extension CatalogueAPI {
    func createOffering(_ input: Operations.CreateOffering.Input) async throws -> Operations.CreateOffering.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let organisation = UUID(uuidString: body.sellingOrganisationId) else {
            throw Problem.validation([.invalidIdentifier("sellingOrganisationId")])
        }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        var offering = Offering(
            id: UUID(), sellingOrganisationId: organisation, code: body.code.trimmingCharacters(in: .whitespaces),
            categoryId: try Self.reference(body.categoryId, or: .unknownCategory),
            subjectId: try Self.reference(body.subjectId, or: .unknownSubject),
            levels: body.levels ?? [],
            programmeId: try Self.reference(body.programmeId, or: .unknownProgramme),
            schoolYear: body.schoolYear, term: body.term,
            title: .init(fr: body.title.fr, en: body.title.en), basePriceCents: body.basePrice.amountCents,
            registrationOpensAt: body.registrationOpensAt, registrationClosesAt: body.registrationClosesAt,
            status: .draft, version: 1,
            sessions: body.sessions.map(Self.session))
        offering.terms = try Self.terms(of: body)
        // One answer listing the fields' and the terms' problems together.
        let errors =
            OfferingRules.errors(
                code: offering.code, title: offering.title, basePriceCents: offering.basePriceCents,
                opensAt: offering.registrationOpensAt, closesAt: offering.registrationClosesAt, sessions: offering.sessions)
            + TermsRules.errors(offering.terms) + CalendarRules.errors(schoolYear: offering.schoolYear, term: offering.term)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        try await offerings.create(offering, at: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/offerings/\(offering.id.uuidString.lowercased())")
        return .created(.init(body: .json(Self.representation(offering))))
    }

    func listOfferings(_ input: Operations.ListOfferings.Input) async throws -> Operations.ListOfferings.Output {
        let query = input.query
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        let order = query.sort.flatMap { OfferingSearch.Order(rawValue: $0.rawValue) } ?? .title
        var after: (String, UUID)?
        if let key = page.after {
            // A cursor belongs to one order: another order's key would skip or repeat offerings.
            guard key.count == 3, key[0] == order.rawValue, let id = UUID(uuidString: key[2]) else { throw Problem.invalidCursor }
            after = (key[1], id)
        }
        var errors: [FieldError] = []
        func uuid(_ text: String?, field: String) -> UUID? {
            guard let text else { return nil }
            if let id = UUID(uuidString: text) { return id }
            errors.append(.invalidIdentifier(field))
            return nil
        }
        func date(_ text: String?, field: String) -> String? {
            guard let text else { return nil }
            if CalendarDate(text) != nil { return text }
            errors.append(
                .init(field: field, code: "invalidDate", message: .init(fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")))
            return nil
        }
        let search = OfferingSearch(
            words: OfferingSearch.words(of: query.q), categoryId: uuid(query.category, field: "category"),
            subjectId: uuid(query.subject, field: "subject"), level: query.level,
            programmeId: uuid(query.programme, field: "programme"), term: query.term,
            organisationId: uuid(query.organisation, field: "organisation"), openAt: query.openNow == true ? clock.now() : nil,
            withSeatsLeft: query.hasSeats == true, from: date(query.from, field: "from"), to: date(query.to, field: "to"),
            order: order)
        guard errors.isEmpty else {
            var problem = Problem.malformedRequest("Invalid filters.")
            problem.errors = errors
            throw problem
        }
        let rows = try await offerings.search(search, after: after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [order.rawValue, $0.sortKey, $0.offering.id.uuidString] }
        return .ok(.init(body: .json(.init(items: items.map { Self.representation($0.offering) }, nextCursor: nextCursor))))
    }

    func listStaffOfferings(_ input: Operations.ListStaffOfferings.Input) async throws -> Operations.ListStaffOfferings.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        var after: (String, UUID)?
        if let key = page.after {
            guard key.count == 2, let id = UUID(uuidString: key[1]) else { throw Problem.invalidCursor }
            after = (key[0], id)
        }
        let statuses: [Offering.Status] =
            input.query.status.flatMap { Offering.Status(rawValue: $0.rawValue) }.map { [$0] } ?? [.draft, .published, .closed, .cancelled]
        let search = OfferingSearch(organisationId: organisation, order: .code, statuses: statuses)
        let rows = try await offerings.search(search, after: after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { [$0.sortKey, $0.offering.id.uuidString] }
        return .ok(.init(body: .json(.init(items: items.map { Self.representation($0.offering) }, nextCursor: nextCursor))))
    }

    func changeOfferingStatus(_ input: Operations.ChangeOfferingStatus.Input) async throws -> Operations.ChangeOfferingStatus.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.offeringId) else { throw Problem.notFound }
        let target: Offering.Status = body.status == .closed ? .closed : .cancelled
        let updated = try await offerings.update(
            id: id, at: clock.now(), event: { $0.status == .closed ? EventName.offeringClosed : EventName.offeringCancelled }
        ) { offering in
            guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
            // Published → closed → cancelled; a draft is not announced, so it is neither closed nor cancelled.
            let allowed = (offering.status == .published) || (offering.status == .closed && target == .cancelled) || offering.status == target
            guard allowed else { throw Problem.offeringStatus(offering.status) }
            offering.status = target
        }
        guard let updated else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(updated))))
    }

    func replaceOfferingTerms(_ input: Operations.ReplaceOfferingTerms.Input) async throws -> Operations.ReplaceOfferingTerms.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.offeringId) else { throw Problem.notFound }
        // The new terms in the creation form, so one set of rules checks both.
        let asNew = Components.Schemas.NewOffering(
            sellingOrganisationId: UUID().uuidString, code: "-", categoryId: body.categoryId, programmeId: body.programmeId,
            schoolYear: body.schoolYear, term: body.term, subjectId: body.subjectId,
            levels: body.levels, title: body.title, description: body.description, basePrice: body.basePrice,
            registrationOpensAt: body.registrationOpensAt, registrationClosesAt: body.registrationClosesAt, sessions: [],
            prices: body.prices,
            items: body.items?.map { .init(name: $0.name, unitPrice: $0.unitPrice, date: $0.date, maximumQuantity: $0.maximumQuantity) },
            contractClauses: body.contractClauses, refundPolicy: body.refundPolicy, paymentPlan: body.paymentPlan, documents: body.documents,
            eligibility: body.eligibility, requirements: body.requirements, participantFields: body.participantFields,
            childcareReceipt: body.childcareReceipt, taxes: body.taxes)
        var newTerms = try Self.terms(of: asNew)
        // Items that keep their id keep it: carts and registrations refer to it.
        for (index, item) in (body.items ?? []).enumerated() {
            if let text = item.id, let kept = UUID(uuidString: text) { newTerms.items[index].itemId = kept }
        }
        let title = LocalizedText(fr: body.title.fr, en: body.title.en)
        let errors =
            OfferingRules.headerErrors(
                title: title, basePriceCents: body.basePrice.amountCents, opensAt: body.registrationOpensAt, closesAt: body.registrationClosesAt)
            + TermsRules.errors(newTerms) + CalendarRules.errors(schoolYear: body.schoolYear, term: body.term)
        let categoryId = try Self.reference(body.categoryId, or: .unknownCategory)
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let subjectId = try Self.reference(body.subjectId, or: .unknownSubject)
        let programmeId = try Self.reference(body.programmeId, or: .unknownProgramme)
        let (terms, clauses, levels, schoolYear, term) = (newTerms, body.contractClauses, body.levels ?? [], body.schoolYear, body.term)
        let updated = try await offerings.update(id: id, at: clock.now(), event: { $0.status == .draft ? nil : EventName.offeringUpdated }) {
            offering in
            guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
            guard offering.status != .cancelled else { throw Problem.offeringStatus(offering.status) }
            let previousContract = offering.terms.contract
            offering.title = title
            offering.categoryId = categoryId
            offering.subjectId = subjectId
            offering.levels = levels
            offering.programmeId = programmeId
            offering.schoolYear = schoolYear
            offering.term = term
            offering.basePriceCents = body.basePrice.amountCents
            offering.registrationOpensAt = body.registrationOpensAt
            offering.registrationClosesAt = body.registrationClosesAt
            offering.terms = terms
            // Same clauses: same version; new clauses: the next version.
            let newClauses = (clauses ?? []).map { LocalizedName(fr: $0.fr, en: $0.en) }
            if let previousContract, previousContract.clauses == newClauses {
                offering.terms.contract = previousContract
            } else if !newClauses.isEmpty {
                offering.terms.contract = ContractTerms(version: (previousContract?.version ?? 0) + 1, clauses: newClauses)
            }
            // Families see a published offering: its dates stay as coherent as publication found them.
            if offering.status != .draft {
                let incoherent = offering.incoherentDates
                guard incoherent.isEmpty else { throw Problem.validation(incoherent) }
            }
        }
        guard let updated else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(updated))))
    }

    func addSession(_ input: Operations.AddSession.Input) async throws -> Operations.AddSession.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.offeringId) else { throw Problem.notFound }
        let updated = try await offerings.addSession(Self.session(body), offering: id, at: clock.now()) { offering in
            guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
        }
        guard let updated else { throw Problem.notFound }
        return .created(.init(body: .json(Self.representation(updated))))
    }

    func updateSession(_ input: Operations.UpdateSession.Input) async throws -> Operations.UpdateSession.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        guard let id = UUID(uuidString: input.path.offeringId), let session = UUID(uuidString: input.path.sessionId) else {
            throw Problem.notFound
        }
        // An empty text takes an optional text away; the rules then judge the session as it would be.
        @Sendable func optional(_ text: Components.Schemas.LocalizedText?, _ current: LocalizedName?) -> LocalizedName? {
            guard let text else { return current }
            return text.fr.isEmpty && text.en.isEmpty ? nil : LocalizedName(fr: text.fr, en: text.en)
        }
        let updated = try await offerings.changeSession(
            offering: id, session: session, at: clock.now(),
            authorize: { offering in
                guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
            },
            change: { changed in
                if let name = body.name { changed.name = .init(fr: name.fr, en: name.en) }
                if let startsOn = body.startsOn { changed.startsOn = startsOn }
                if let endsOn = body.endsOn { changed.endsOn = endsOn }
                if let capacity = body.capacity { changed.capacity = capacity }
                if let waitlistSize = body.waitlistSize { changed.waitlistSize = waitlistSize }
                changed.details.schedule = optional(body.schedule, changed.details.schedule)
                changed.details.location = optional(body.location, changed.details.location)
                changed.details.accessInstructions = optional(body.accessInstructions, changed.details.accessInstructions)
                if let online = body.online { changed.details.online = online }
            })
        guard let updated else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(updated))))
    }

    /// A new session as the catalogue keeps it (an id of its own, no seats counted yet).
    static func session(_ new: Components.Schemas.NewSession) -> Offering.Session {
        .init(
            id: UUID(), name: .init(fr: new.name.fr, en: new.name.en), startsOn: new.startsOn, endsOn: new.endsOn,
            capacity: new.capacity, waitlistSize: new.waitlistSize ?? 0,
            details: SessionDetails(
                schedule: new.schedule.map { LocalizedName(fr: $0.fr, en: $0.en) },
                location: new.location.map { LocalizedName(fr: $0.fr, en: $0.en) },
                online: new.online ?? false, accessInstructions: new.accessInstructions.map { LocalizedName(fr: $0.fr, en: $0.en) }))
    }

    func getOffering(_ input: Operations.GetOffering.Input) async throws -> Operations.GetOffering.Output {
        let offering = try await visibleOffering(input.path.offeringId)
        return .ok(.init(body: .json(Self.representation(offering, letter: try await letters.info(offering: offering.id)))))
    }

    func getParentLetter(_ input: Operations.GetParentLetter.Input) async throws -> Operations.GetParentLetter.Output {
        // Whoever may see the offering may read its letter.
        let offering = try await visibleOffering(input.path.offeringId)
        guard let bytes = try await letters.bytes(offering: offering.id) else { throw Problem.notFound }
        return .ok(.init(body: .pdf(HTTPBody(bytes))))
    }

    func replaceParentLetter(_ input: Operations.ReplaceParentLetter.Input) async throws -> Operations.ReplaceParentLetter.Output {
        let principal = try RequestScope.requirePrincipal()
        let offering = try await staffOffering(input.path.offeringId, principal: principal)
        guard case .pdf(let body) = input.body else { throw Problem.malformedRequest("Expected application/pdf.") }
        let bytes: [UInt8]
        do {
            bytes = try await [UInt8](collecting: body, upTo: ParentLetterStore.maximumBytes)
        } catch {
            throw Problem.bodyTooLarge(maximumBytes: ParentLetterStore.maximumBytes)
        }
        // The content decides, not the header: a PDF starts with its signature.
        guard bytes.starts(with: Array("%PDF-".utf8)) else { throw Problem.notAPDF }
        let letter = try await letters.replace(offering: offering.id, with: bytes, by: principal.accountId, at: clock.now())
        return .ok(.init(body: .json(Self.representation(offering, letter: letter))))
    }

    func removeParentLetter(_ input: Operations.RemoveParentLetter.Input) async throws -> Operations.RemoveParentLetter.Output {
        let principal = try RequestScope.requirePrincipal()
        try await letters.remove(offering: try await staffOffering(input.path.offeringId, principal: principal).id)
        return .noContent(.init())
    }

    /// The offering if the caller may see it: a draft exists only for its organisation's staff (404 for anyone else).
    func visibleOffering(_ idText: String) async throws -> Offering {
        guard let id = UUID(uuidString: idText), let offering = try await offerings.find(id: id) else { throw Problem.notFound }
        if offering.status == .draft {
            guard let principal = RequestScope.current?.principal, principal.isStaff(of: offering.sellingOrganisationId) else {
                throw Problem.notFound
            }
        }
        return offering
    }

    /// The offering if `principal` is staff of its organisation (404 otherwise, so that existence does not leak).
    func staffOffering(_ idText: String, principal: Principal) async throws -> Offering {
        guard let id = UUID(uuidString: idText), let offering = try await offerings.find(id: id),
            principal.isStaff(of: offering.sellingOrganisationId)
        else { throw Problem.notFound }
        return offering
    }

    func publishOffering(_ input: Operations.PublishOffering.Input) async throws -> Operations.PublishOffering.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.offeringId) else { throw Problem.notFound }
        let published = try await offerings.publish(id: id, at: clock.now()) { offering in
            guard principal.isStaff(of: offering.sellingOrganisationId) else { throw Problem.notFound }
        }
        guard let published else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(published))))
    }

    /// An optional id naming a category, subject or programme; text that is no UUID names nothing known.
    static func reference(_ text: String?, or unknown: Problem) throws(Problem) -> UUID? {
        guard let text else { return nil }
        guard let id = UUID(uuidString: text) else { throw unknown }
        return id
    }

    /// The request's prices, items and policies in the catalogue's terms; item ids are given here.
    static func terms(of body: Components.Schemas.NewOffering) throws(Problem) -> Offering.Terms {
        var errors: [FieldError] = []
        let prices = (body.prices ?? []).enumerated().map { index, rule -> OfferingPrice in
            var origin: UUID?
            if let text = rule.organisationOfOriginId {
                origin = UUID(uuidString: text)
                if origin == nil {
                    errors.append(.invalidIdentifier("prices[\(index)].organisationOfOriginId"))
                }
            }
            return OfferingPrice(
                amount: .init(amountCents: rule.amount.amountCents), organisationOfOriginId: origin, residency: rule.residency?.rawValue)
        }
        guard errors.isEmpty else { throw .validation(errors) }
        return Offering.Terms(
            prices: prices,
            items: (body.items ?? []).map {
                OfferingItem(
                    itemId: UUID(), name: .init(fr: $0.name.fr, en: $0.name.en), unitPrice: .init(amountCents: $0.unitPrice.amountCents),
                    date: $0.date, maximumQuantity: $0.maximumQuantity)
            },
            contract: body.contractClauses.flatMap { $0.isEmpty ? nil : ContractTerms(version: 1, clauses: $0.map { .init(fr: $0.fr, en: $0.en) }) },
            refundPolicy: body.refundPolicy.map {
                RefundPolicy(kind: $0.kind.rawValue, administrationFee: $0.administrationFee.map { .init(amountCents: $0.amountCents) })
            },
            paymentPlan: body.paymentPlan.map {
                PaymentPlanTerms(deposit: .init(amountCents: $0.deposit.amountCents), instalmentDates: $0.instalmentDates)
            },
            documents: body.documents.map {
                DocumentRequirements(
                    interventionPlan: $0.interventionPlan.rawValue, acceptedTypes: $0.acceptedTypes.map(\.rawValue), maximumBytes: $0.maximumBytes)
            },
            eligibility: try body.eligibility.map { rule throws(Problem) in
                var schools: [UUID]?
                if let texts = rule.eligibleOrganisationIds {
                    schools = texts.compactMap(UUID.init(uuidString:))
                    if schools?.count != texts.count {
                        throw .validation([.invalidIdentifier("eligibility.eligibleOrganisationIds")])
                    }
                }
                return OfferingEligibility(
                    minimumAge: rule.minimumAge, maximumAge: rule.maximumAge, eligibleOrganisationIds: schools,
                    prerequisiteCodes: rule.prerequisiteCodes?.map { $0.trimmingCharacters(in: .whitespaces) })
            },
            requirements: (body.requirements ?? []).map { LocalizedName(fr: $0.fr, en: $0.en) },
            participantFields: (body.participantFields ?? []).map(\.rawValue),
            childcareReceipt: body.childcareReceipt ?? false,
            taxes: (body.taxes ?? []).map { OfferingTax(code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en), percent: $0.percent) },
            description: body.description.map {
                LocalizedText(fr: $0.fr.trimmingCharacters(in: .whitespacesAndNewlines), en: $0.en.trimmingCharacters(in: .whitespacesAndNewlines))
            })
    }

    /// The offering as the caller may see it: access instructions (meeting links) only for its organisation's staff.
    static func representation(_ offering: Offering, letter: ParentLetterInfo? = nil) -> Components.Schemas.Offering {
        let staff = RequestScope.current?.principal?.isStaff(of: offering.sellingOrganisationId) == true
        return .init(
            id: offering.id.uuidString.lowercased(), sellingOrganisationId: offering.sellingOrganisationId.uuidString.lowercased(),
            code: offering.code, categoryId: offering.categoryId?.uuidString.lowercased(),
            programmeId: offering.programmeId?.uuidString.lowercased(), schoolYear: offering.schoolYear, term: offering.term,
            subjectId: offering.subjectId?.uuidString.lowercased(), levels: offering.levels,
            title: .init(fr: offering.title.fr, en: offering.title.en),
            description: offering.terms.description.map { .init(fr: $0.fr, en: $0.en) },
            parentLetter: letter.map { .init(sizeBytes: $0.sizeBytes, uploadedAt: $0.uploadedAt) },
            basePrice: .init(amountCents: offering.basePriceCents, currency: .cad),
            registrationOpensAt: offering.registrationOpensAt, registrationClosesAt: offering.registrationClosesAt,
            status: .init(rawValue: offering.status.rawValue)!, version: offering.version,
            sessions: offering.sessions.map {
                .init(
                    id: $0.id.uuidString.lowercased(), name: .init(fr: $0.name.fr, en: $0.name.en), startsOn: $0.startsOn,
                    endsOn: $0.endsOn, capacity: $0.capacity, waitlistSize: $0.waitlistSize, seatsLeft: $0.seatsLeft,
                    confirmed: $0.confirmed, schedule: $0.details.schedule.map { .init(fr: $0.fr, en: $0.en) },
                    location: $0.details.location.map { .init(fr: $0.fr, en: $0.en) }, online: $0.details.online,
                    accessInstructions: staff ? $0.details.accessInstructions.map { .init(fr: $0.fr, en: $0.en) } : nil)
            },
            prices: offering.terms.prices.map {
                .init(
                    amount: .init(amountCents: $0.amount.amountCents, currency: .cad),
                    organisationOfOriginId: $0.organisationOfOriginId?.uuidString.lowercased(),
                    residency: $0.residency.flatMap { .init(rawValue: $0) })
            },
            items: offering.terms.items.map {
                .init(
                    id: $0.itemId.uuidString.lowercased(), name: .init(fr: $0.name.fr, en: $0.name.en),
                    unitPrice: .init(amountCents: $0.unitPrice.amountCents, currency: .cad), date: $0.date, maximumQuantity: $0.maximumQuantity)
            },
            contract: offering.terms.contract.map { .init(version: $0.version, clauses: $0.clauses.map { .init(fr: $0.fr, en: $0.en) }) },
            refundPolicy: offering.terms.refundPolicy.map {
                .init(
                    kind: .init(rawValue: $0.kind) ?? .none,
                    administrationFee: $0.administrationFee.map { .init(amountCents: $0.amountCents, currency: .cad) })
            },
            paymentPlan: offering.terms.paymentPlan.map {
                .init(deposit: .init(amountCents: $0.deposit.amountCents, currency: .cad), instalmentDates: $0.instalmentDates)
            },
            documents: offering.terms.documents.map {
                .init(
                    interventionPlan: .init(rawValue: $0.interventionPlan) ?? .notAsked,
                    acceptedTypes: $0.acceptedTypes.compactMap { .init(rawValue: $0) },
                    maximumBytes: $0.maximumBytes)
            },
            eligibility: offering.terms.eligibility.map {
                .init(
                    minimumAge: $0.minimumAge, maximumAge: $0.maximumAge,
                    eligibleOrganisationIds: $0.eligibleOrganisationIds?.map { $0.uuidString.lowercased() }, prerequisiteCodes: $0.prerequisiteCodes)
            },
            requirements: offering.terms.requirements.map { .init(fr: $0.fr, en: $0.en) },
            participantFields: offering.terms.participantFields.compactMap { .init(rawValue: $0) },
            childcareReceipt: offering.terms.childcareReceipt,
            taxes: offering.terms.taxes.map { .init(code: $0.code, name: .init(fr: $0.name.fr, en: $0.name.en), percent: $0.percent) })
    }
}
