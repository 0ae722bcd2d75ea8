import Contracts
import Foundation
import DomainKit

/// Something people register for: a course, an activity, an outing, a fund-raiser.
struct Offering: Sendable, Equatable {
    enum Status: String, Sendable {
        case draft, published, closed, cancelled
    }

    struct Session: Sendable, Equatable {
        var id: UUID
        var name: LocalizedText
        var startsOn: String
        var endsOn: String
        var capacity: Int
        var waitlistSize: Int
        /// Enrolment's counts, when it has reported them.
        var held = 0
        var confirmed = 0
        var details = SessionDetails()

        var seatsLeft: Int { max(0, capacity - held - confirmed) }
    }

    var id: UUID
    var sellingOrganisationId: UUID
    var code: String
    var categoryId: UUID?
    var subjectId: UUID?
    var levels: [String] = []
    var programmeId: UUID?
    var schoolYear: String?
    var term: String?
    var title: LocalizedText
    var basePriceCents: Int64
    var registrationOpensAt: Date?
    var registrationClosesAt: Date?
    var status: Status
    var version: Int64
    var sessions: [Session]
    var terms = Terms()

    /// Prices, items and policies: what a registration costs and what it commits to; and how it is described.
    struct Terms: Codable, Sendable, Equatable {
        /// What the offering is, in both languages (shown on its page, never in events: no consumer needs it).
        var description: LocalizedText?
        var prices: [OfferingPrice] = []
        var items: [OfferingItem] = []
        var contract: ContractTerms?
        var refundPolicy: RefundPolicy?
        var paymentPlan: PaymentPlanTerms?
        var documents: DocumentRequirements?
        var eligibility: OfferingEligibility?
        var requirements: [LocalizedName] = []
        var participantFields: [String] = []
        var childcareReceipt = false
        var taxes: [OfferingTax] = []

        init(
            prices: [OfferingPrice] = [], items: [OfferingItem] = [], contract: ContractTerms? = nil, refundPolicy: RefundPolicy? = nil,
            paymentPlan: PaymentPlanTerms? = nil, documents: DocumentRequirements? = nil, eligibility: OfferingEligibility? = nil,
            requirements: [LocalizedName] = [],
            participantFields: [String] = [], childcareReceipt: Bool = false, taxes: [OfferingTax] = [], description: LocalizedText? = nil
        ) {
            self.description = description
            self.prices = prices
            self.items = items
            self.contract = contract
            self.refundPolicy = refundPolicy
            self.paymentPlan = paymentPlan
            self.documents = documents
            self.eligibility = eligibility
            self.requirements = requirements
            self.participantFields = participantFields
            self.childcareReceipt = childcareReceipt
            self.taxes = taxes
        }

        /// Rows written before a field existed read as its empty value.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            description = try container.decodeIfPresent(LocalizedText.self, forKey: .description)
            prices = try container.decodeIfPresent([OfferingPrice].self, forKey: .prices) ?? []
            items = try container.decodeIfPresent([OfferingItem].self, forKey: .items) ?? []
            contract = try container.decodeIfPresent(ContractTerms.self, forKey: .contract)
            refundPolicy = try container.decodeIfPresent(RefundPolicy.self, forKey: .refundPolicy)
            paymentPlan = try container.decodeIfPresent(PaymentPlanTerms.self, forKey: .paymentPlan)
            documents = try container.decodeIfPresent(DocumentRequirements.self, forKey: .documents)
            eligibility = try container.decodeIfPresent(OfferingEligibility.self, forKey: .eligibility)
            requirements = try container.decodeIfPresent([LocalizedName].self, forKey: .requirements) ?? []
            participantFields = try container.decodeIfPresent([String].self, forKey: .participantFields) ?? []
            childcareReceipt = try container.decodeIfPresent(Bool.self, forKey: .childcareReceipt) ?? false
            taxes = try container.decodeIfPresent([OfferingTax].self, forKey: .taxes) ?? []
        }
    }

    /// The event payload consumers keep a copy of.
    var event: OfferingEvent {
        OfferingEvent(
            offeringId: id, version: version, status: status.rawValue, sellingOrganisationId: sellingOrganisationId,
            code: code, title: .init(fr: title.fr, en: title.en), basePrice: .init(amountCents: basePriceCents),
            registrationOpensAt: registrationOpensAt, registrationClosesAt: registrationClosesAt,
            sessions: sessions.map {
                .init(
                    sessionId: $0.id, name: .init(fr: $0.name.fr, en: $0.name.en), startsOn: $0.startsOn, endsOn: $0.endsOn,
                    capacity: $0.capacity, waitlistSize: $0.waitlistSize, details: $0.details)
            },
            categoryId: categoryId, subjectId: subjectId, levels: levels, programmeId: programmeId, schoolYear: schoolYear, term: term,
            prices: terms.prices, items: terms.items, contract: terms.contract,
            refundPolicy: terms.refundPolicy, documents: terms.documents, eligibility: terms.eligibility,
            requirements: terms.requirements, participantFields: terms.participantFields, childcareReceipt: terms.childcareReceipt,
            taxes: terms.taxes, paymentPlan: terms.paymentPlan)
    }

    /// What publishing asks beyond what creation checked: a parent must find it (category), know when to
    /// register (window) and, when a plan is required, how to send it.
    var missingForPublication: [FieldError] {
        var errors: [FieldError] = []
        if categoryId == nil {
            errors.append(.init(field: "categoryId", code: "required", message: .init(fr: "Choisissez une catégorie.", en: "Choose a category.")))
        }
        if registrationOpensAt == nil || registrationClosesAt == nil {
            errors.append(
                .init(
                    field: "registrationOpensAt", code: "required",
                    message: .init(fr: "Indiquez la période d'inscription.", en: "Set the registration period.")))
        }
        if terms.refundPolicy == nil {
            errors.append(
                .init(
                    field: "refundPolicy", code: "required",
                    message: .init(fr: "Indiquez la politique de remboursement.", en: "Set the refund policy.")))
        }
        // Coherence: a seat to sell, and the dates (below).
        if !sessions.contains(where: { $0.capacity > 0 }) {
            errors.append(.init(field: "sessions", code: "noSeats", message: .init(fr: "Aucune session n'a de places.", en: "No session has seats.")))
        }
        return errors + incoherentDates
    }

    /// What a published offering must keep through every change of its terms or groups: a window that closes
    /// while a group can still be attended, items dated within the groups. (Its seats may go to none: that is how
    /// a clerk stops selling a group.)
    var incoherentDates: [FieldError] {
        var errors: [FieldError] = []
        let starts = sessions.compactMap { CalendarDate($0.startsOn) }
        let ends = sessions.compactMap { CalendarDate($0.endsOn) }
        if let closes = registrationClosesAt, let lastEnd = ends.max(), CalendarDate(closes) > lastEnd {
            errors.append(
                .init(
                    field: "registrationClosesAt", code: "afterLastSession",
                    message: .init(
                        fr: "Les inscriptions fermeraient après la fin du dernier groupe.",
                        en: "Registration would close after the last group ends.")))
        }
        if let firstStart = starts.min(), let lastEnd = ends.max() {
            for (index, item) in terms.items.enumerated() {
                guard let date = item.date.flatMap(CalendarDate.init), date < firstStart || date > lastEnd else { continue }
                errors.append(
                    .init(
                        field: "items[\(index)].date", code: "outsideSessions",
                        message: .init(
                            fr: "La date de l'article \(index + 1) est hors des groupes de l'offre.",
                            en: "Item \(index + 1)'s date is outside the offering's groups.")))
            }
        }
        return errors
    }
}

enum OfferingRules {
    static let maximumPriceCents: Int64 = 10_000_000
    static let maximumCapacity = 100_000
    /// As many as a creation may list (the spec's `maxItems`).
    static let maximumSessions = 50

    /// Every problem of a new offering, with the field it concerns.
    static func errors(
        code: String, title: LocalizedText, basePriceCents: Int64, opensAt: Date?, closesAt: Date?,
        sessions: [Offering.Session]
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let trimmedCode = code.trimmingCharacters(in: .whitespaces)
        if trimmedCode.isEmpty || trimmedCode.unicodeScalars.count > 40 {
            errors.append(
                FieldError(
                    field: "code", code: "invalid",
                    message: .init(fr: "Le code est obligatoire (40 caractères au plus).", en: "The code is required (at most 40 characters).")))
        }
        errors += headerErrors(title: title, basePriceCents: basePriceCents, opensAt: opensAt, closesAt: closesAt)
        errors += sessionErrors(sessions)
        return errors
    }

    /// What the title, base price and registration window must satisfy, at creation and at every change.
    static func headerErrors(title: LocalizedText, basePriceCents: Int64, opensAt: Date?, closesAt: Date?) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        for (field, text) in [("title.fr", title.fr), ("title.en", title.en)]
        where text.trimmingCharacters(in: .whitespaces).isEmpty || text.unicodeScalars.count > 200 {
            add(field, "invalid", fr: "Le titre est obligatoire (200 caractères au plus).", en: "The title is required (at most 200 characters).")
        }
        if !(0...maximumPriceCents).contains(basePriceCents) {
            add(
                "basePrice.amountCents", "outOfRange", fr: "Le prix doit être entre 0 et 100 000 $.", en: "The price must be between $0 and $100,000."
            )
        }
        if let opensAt, let closesAt, closesAt <= opensAt {
            add(
                "registrationClosesAt", "beforeOpening", fr: "La fin des inscriptions doit suivre leur début.",
                en: "Registration must close after it opens.")
        }
        return errors
    }

    static func sessionErrors(_ sessions: [Offering.Session]) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        if sessions.isEmpty {
            add("sessions", "required", fr: "Au moins une session est requise.", en: "At least one session is required.")
        }
        for (index, session) in sessions.enumerated() {
            let start = CalendarDate(session.startsOn)
            let end = CalendarDate(session.endsOn)
            if start == nil { add("sessions[\(index)].startsOn", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).") }
            if end == nil { add("sessions[\(index)].endsOn", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).") }
            if let start, let end, end < start {
                add("sessions[\(index)].endsOn", "beforeStart", fr: "La fin doit suivre le début.", en: "The end must follow the start.")
            }
            if !(0...maximumCapacity).contains(session.capacity) {
                add("sessions[\(index)].capacity", "outOfRange", fr: "Capacité invalide.", en: "Invalid capacity.")
            }
            if !(0...maximumCapacity).contains(session.waitlistSize) {
                add("sessions[\(index)].waitlistSize", "outOfRange", fr: "Liste d'attente invalide.", en: "Invalid waitlist.")
            }
            for (language, text) in [("fr", session.name.fr), ("en", session.name.en)]
            where text.trimmingCharacters(in: .whitespaces).isEmpty || text.count > 100 {
                add(
                    "sessions[\(index)].name.\(language)", "invalid", fr: "Le nom du groupe est obligatoire (100 caractères au plus).",
                    en: "The group's name is required (at most 100 characters).")
            }
        }
        return errors
    }
}

/// What parents search with; every filter is optional and they combine.
struct OfferingSearch: Sendable {
    var words: [String] = []
    var categoryId: UUID?
    var subjectId: UUID?
    var level: String?
    var programmeId: UUID?
    var term: String?
    var organisationId: UUID?
    var openAt: Date?
    var withSeatsLeft = false
    var from: String?
    var to: String?
    var order: Order = .title
    /// Families see published offerings; the organisation's staff see every status of their own.
    var statuses: [Offering.Status] = [.published]

    /// Result order; each sorts by a text key then id, so every order pages by keyset alike.
    enum Order: String, Sendable {
        case title, startsOn, price, code
    }

    /// The words of a query, each at least 2 characters, at most 8 of them, with LIKE's wildcards made literal.
    static func words(of query: String?) -> [String] {
        guard let query else { return [] }
        return query.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init).filter { $0.count >= 2 }.prefix(8).map {
            $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
        }
    }
}

enum CalendarRules {
    /// School year `2026-2027` (consecutive years) and term `A-2026` (A autumn, H winter, E summer).
    static func errors(schoolYear: String?, term: String?) -> [FieldError] {
        var errors: [FieldError] = []
        if let schoolYear {
            let years = schoolYear.split(separator: "-").compactMap { Int($0) }
            if schoolYear.count != 9 || years.count != 2 || years[1] != years[0] + 1 {
                errors.append(
                    .init(
                        field: "schoolYear", code: "invalid",
                        message: .init(fr: "Année scolaire attendue : 2026-2027.", en: "School year expected: 2026-2027.")))
            }
        }
        if let term, term.wholeMatch(of: /[AHE]-[0-9]{4}/) == nil {
            errors.append(
                .init(
                    field: "term", code: "invalid",
                    message: .init(fr: "Session attendue : A-2026, H-2027 ou E-2027.", en: "Term expected: A-2026, H-2027 or E-2027.")))
        }
        return errors
    }
}

enum TermsRules {
    static let refundKinds: Set = ["none", "full-before-start", "pro-rata", "on-request"]
    static let documentTypes: Set = ["application/pdf", "image/jpeg", "image/png"]

    /// Every problem with prices, items and policies, with the field it concerns.
    static func errors(_ terms: Offering.Terms) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        if let description = terms.description {
            for (language, text) in [("fr", description.fr), ("en", description.en)]
            where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                add(
                    "description.\(language)", "required", fr: "La description est vide dans cette langue.",
                    en: "The description is empty in this language.")
            }
        }
        var taxCodes: Set<String> = []
        for (index, tax) in terms.taxes.enumerated() {
            if tax.milliPercent == nil {
                add("taxes[\(index)].percent", "invalid", fr: "Pourcentage invalide (ex. 9.975).", en: "Invalid percentage (e.g. 9.975).")
            }
            if !taxCodes.insert(tax.code).inserted {
                add("taxes[\(index)].code", "duplicate", fr: "Cette taxe est déjà indiquée.", en: "This tax is already listed.")
            }
        }
        var seen: Set<String> = []
        for (index, price) in terms.prices.enumerated() {
            if !(0...OfferingRules.maximumPriceCents).contains(price.amount.amountCents) {
                add(
                    "prices[\(index)].amount.amountCents", "outOfRange", fr: "Le prix doit être entre 0 et 100 000 $.",
                    en: "The price must be between $0 and $100,000.")
            }
            if price.organisationOfOriginId == nil && price.residency == nil {
                add(
                    "prices[\(index)]", "noCondition", fr: "Un prix particulier vise un établissement d'origine ou une résidence.",
                    en: "A specific price targets an organisation of origin or a residency.")
            }
            let key = "\(price.organisationOfOriginId?.uuidString ?? "-")/\(price.residency ?? "-")"
            if !seen.insert(key).inserted {
                add("prices[\(index)]", "duplicate", fr: "Ce prix est déjà défini.", en: "This price is already defined.")
            }
        }
        for (index, item) in terms.items.enumerated() {
            if item.name.fr.trimmingCharacters(in: .whitespaces).isEmpty || item.name.en.trimmingCharacters(in: .whitespaces).isEmpty {
                add("items[\(index)].name", "required", fr: "Le nom de l'article est obligatoire.", en: "The item's name is required.")
            }
            if !(0...OfferingRules.maximumPriceCents).contains(item.unitPrice.amountCents) {
                add("items[\(index)].unitPrice.amountCents", "outOfRange", fr: "Prix invalide.", en: "Invalid price.")
            }
            if let date = item.date, CalendarDate(date) == nil {
                add("items[\(index)].date", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")
            }
        }
        for (index, clause) in (terms.contract?.clauses ?? []).enumerated()
        where clause.fr.trimmingCharacters(in: .whitespaces).isEmpty || clause.en.trimmingCharacters(in: .whitespaces).isEmpty {
            add("contractClauses[\(index)]", "required", fr: "La clause est vide.", en: "The clause is empty.")
        }
        if let refund = terms.refundPolicy, let fee = refund.administrationFee, !(0...OfferingRules.maximumPriceCents).contains(fee.amountCents) {
            add("refundPolicy.administrationFee.amountCents", "outOfRange", fr: "Frais invalides.", en: "Invalid fee.")
        }
        if let plan = terms.paymentPlan {
            if !(1...OfferingRules.maximumPriceCents).contains(plan.deposit.amountCents) {
                add("paymentPlan.deposit.amountCents", "outOfRange", fr: "Dépôt invalide.", en: "Invalid deposit.")
            }
            let dates = plan.instalmentDates.map(CalendarDate.init)
            if plan.instalmentDates.isEmpty || plan.instalmentDates.count > 12 {
                add("paymentPlan.instalmentDates", "count", fr: "De 1 à 12 versements.", en: "From 1 to 12 instalments.")
            } else if let index = dates.firstIndex(of: nil) {
                add("paymentPlan.instalmentDates[\(index)]", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")
            } else if zip(dates, dates.dropFirst()).contains(where: { $0! >= $1! }) {
                add("paymentPlan.instalmentDates", "notAscending", fr: "Les dates doivent se suivre.", en: "The dates must be in order.")
            }
        }
        if let eligibility = terms.eligibility, let minimum = eligibility.minimumAge, let maximum = eligibility.maximumAge, minimum > maximum {
            add("eligibility.maximumAge", "belowMinimum", fr: "L'âge maximal précède l'âge minimal.", en: "The maximum age is below the minimum age.")
        }
        for (index, requirement) in terms.requirements.enumerated()
        where requirement.fr.trimmingCharacters(in: .whitespaces).isEmpty || requirement.en.trimmingCharacters(in: .whitespaces).isEmpty {
            add("requirements[\(index)]", "required", fr: "L'exigence est vide.", en: "The requirement is empty.")
        }
        if let documents = terms.documents, documents.interventionPlan != "not-asked", documents.acceptedTypes.isEmpty {
            add("documents.acceptedTypes", "required", fr: "Indiquez les types de fichiers acceptés.", en: "Set the accepted file types.")
        }
        return errors
    }
}
