import CatalogueClient
import DomainKit
import Foundation
import Hummingbird
import ServiceKit

/// Editing an offering's terms after its creation (the catalogue's `PUT /v1/offerings/{id}/terms`, which replaces
/// them whole): titles and description, category, subject and levels, price and the non-resident's price, registration window, refund
/// policy and its fee, contract clauses (a new contract version when they change), the intervention plan asked,
/// the participant fields asked, and the childcare-receipt flag. What this form does not show (items, prices by
/// organisation of origin, eligibility, requirements and taxes, which `OfferingDetailsPages` edits; programme and
/// term) is sent back as the catalogue holds it, so saving never drops it.
extension OfferingDeskPages {
    typealias TermsUpdate = CatalogueClient.Components.Schemas.OfferingTermsUpdate
    typealias ParticipantField = CatalogueClient.Components.Schemas.ParticipantField
    typealias PlanAsked = CatalogueClient.Components.Schemas.DocumentRequirements.InterventionPlanPayload

    /// The participant fields a family can be asked, in the order the form lists them, with their labels.
    static let askableFields: [(field: ParticipantField, label: Text)] = ProfileForm.fieldLabels.compactMap { name, label in
        ParticipantField(rawValue: name).map { ($0, label) }
    }

    struct TermsDraft {
        var titleFr = "", titleEn = "", category = "", descriptionFr = "", descriptionEn = "", price = "", nonResidentPrice = ""
        var opensOn = "", closesOn = "", refundPolicy = "full-before-start", fee = "", contractFr = "", contractEn = "", plan = "not-asked"
        /// A payment plan: its deposit, and its instalments' dates separated by spaces; both empty for none.
        var deposit = "", instalmentDates = ""
        var fields: Set<String> = []
        var childcareReceipt = false
        var subject = ""
        var levels: Set<String> = []
        /// The offering's version the page showed: a save over a newer one is said, not done.
        var version = ""

        init() {}

        /// What the catalogue holds, as the form shows it.
        init(_ offering: Offering, _ language: Language) {
            titleFr = offering.title.fr
            titleEn = offering.title.en
            category = offering.categoryId ?? ""
            descriptionFr = offering.description?.fr ?? ""
            descriptionEn = offering.description?.en ?? ""
            price = Formatting.typedAmount(cents: offering.basePrice.amountCents, language)
            if let rule = (offering.prices ?? []).first(where: OfferingDeskPages.isNonResidentsPrice) {
                nonResidentPrice = Formatting.typedAmount(cents: rule.amount.amountCents, language)
            }
            opensOn = offering.registrationOpensAt.map { CalendarDate($0).description } ?? ""
            closesOn = offering.registrationClosesAt.map { CalendarDate($0).description } ?? ""
            refundPolicy = offering.refundPolicy?.kind.rawValue ?? "full-before-start"
            fee = offering.refundPolicy?.administrationFee.map { Formatting.typedAmount(cents: $0.amountCents, language) } ?? ""
            let clauses = offering.contract?.clauses ?? []
            contractFr = clauses.map(\.fr).joined(separator: "\n\n")
            contractEn = clauses.map(\.en).joined(separator: "\n\n")
            plan = offering.documents?.interventionPlan.rawValue ?? "not-asked"
            deposit = offering.paymentPlan.map { Formatting.typedAmount(cents: $0.deposit.amountCents, language) } ?? ""
            instalmentDates = offering.paymentPlan?.instalmentDates.joined(separator: " ") ?? ""
            fields = Set((offering.participantFields ?? []).map(\.rawValue))
            childcareReceipt = offering.childcareReceipt ?? false
            subject = offering.subjectId ?? ""
            levels = Set(offering.levels ?? [])
            version = String(offering.version)
        }
    }

    static func clauses(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// What the terms form offers to choose from.
    struct TermsChoices {
        var categories: [CatalogueReference.Category]
        var subjects: [CatalogueReference.Subject]
        var levels: [CatalogueReference.Level]
    }

    func termsChoices() async throws -> TermsChoices {
        let (subjects, levels) = try await registrar.reference.subjectsAndLevels()
        return TermsChoices(categories: try await registrar.reference.categories(), subjects: subjects, levels: levels)
    }

    func termsForm(_ language: Language, ids: IDs, draft: TermsDraft, choices: TermsChoices) -> FormPage {
        let t = { Strings.text($0, language) }
        var fields =
            Self.describingFields(
                language, titleFr: draft.titleFr, titleEn: draft.titleEn, category: draft.category, descriptionFr: draft.descriptionFr,
                descriptionEn: draft.descriptionEn, categories: choices.categories)
        fields.append(
            .init(
                name: "subject", label: t(.subject), kind: .select, value: draft.subject, required: false,
                options: [("", t(.noSubject))] + choices.subjects.map { (value: $0.id, label: $0.name.text(language)) }))
        for level in choices.levels {
            var box = FormPage.Field(name: "level-\(level.code)", label: "\(t(.levelAsked)) \(level.name.text(language))", kind: .checkbox)
            box.checked = draft.levels.contains(level.code)
            box.required = false
            fields.append(box)
        }
        fields += [
            .init(name: "price", label: t(.priceDollars), value: draft.price, inputmode: "decimal", hint: t(.priceHint)),
            .init(
                name: "nonResidentPrice", label: t(.nonResidentPrice), value: draft.nonResidentPrice, inputmode: "decimal",
                hint: t(.nonResidentPriceHint), required: false),
            .init(name: "opensOn", label: t(.registrationOpensOn), value: draft.opensOn, autocomplete: "off", hint: t(.dateHint)),
            .init(name: "closesOn", label: t(.registrationClosesOn), value: draft.closesOn, autocomplete: "off", hint: t(.dateHint)),
            Self.refundPolicyField(language, value: draft.refundPolicy),
            .init(
                name: "fee", label: t(.administrationFee), value: draft.fee, inputmode: "decimal", hint: t(.administrationFeeHint), required: false),
            .init(
                name: "deposit", label: t(.planDeposit), value: draft.deposit, inputmode: "decimal", hint: t(.planDepositHint), required: false),
            .init(
                name: "instalmentDates", label: t(.planDates), value: draft.instalmentDates, autocomplete: "off", hint: t(.planDatesHint),
                required: false),
            .init(name: "contractFr", label: t(.contractFrench), kind: .textarea, value: draft.contractFr, hint: t(.contractHint), required: false),
            .init(name: "contractEn", label: t(.contractEnglish), kind: .textarea, value: draft.contractEn, required: false),
            .init(
                name: "plan", label: t(.planAsked), kind: .select, value: draft.plan,
                options: [("not-asked", t(.planNotAsked)), ("optional", t(.planAskedOptional)), ("required", t(.planAskedRequired))]),
        ]
        for (field, label) in Self.askableFields {
            var box = FormPage.Field(name: "field-\(field.rawValue)", label: "\(t(.askField)) \(t(label).lowercased())", kind: .checkbox)
            box.checked = draft.fields.contains(field.rawValue)
            box.required = false
            fields.append(box)
        }
        var receipt = FormPage.Field(name: "childcareReceipt", label: t(.childcareReceiptAsked), kind: .checkbox)
        receipt.checked = draft.childcareReceipt
        receipt.required = false
        fields.append(receipt)
        return FormPage(
            heading: t(.editOfferingTitle), intro: t(.editOfferingIntro), action: "\(ids.path)/modifier", submit: t(.editOfferingSubmit),
            fields: fields, hidden: [("version", draft.version)], links: [.init(href: ids.path, label: t(.backToOffering))])
    }

    func termsPage(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await changingOffering(request, ids: ids) { session, offering in
            let form = termsForm(language, ids: ids, draft: TermsDraft(offering, language), choices: try await termsChoices())
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func saveTerms(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let back = "\(ids.path)/modifier"
        return try await changingOffering(request, ids: ids, back: back) { session, offering in
            var draft = TermsDraft()
            draft.titleFr = form.text("titleFr", limit: 200)
            draft.titleEn = form.text("titleEn", limit: 200)
            draft.category = form.text("category", limit: 40)
            draft.descriptionFr = form.text("descriptionFr", limit: 5000)
            draft.descriptionEn = form.text("descriptionEn", limit: 5000)
            draft.price = form.text("price", limit: 20)
            draft.nonResidentPrice = form.text("nonResidentPrice", limit: 20)
            draft.opensOn = form.text("opensOn", limit: 10)
            draft.closesOn = form.text("closesOn", limit: 10)
            draft.refundPolicy = form.text("refundPolicy", limit: 20)
            draft.fee = form.text("fee", limit: 20)
            draft.deposit = form.text("deposit", limit: 20)
            draft.instalmentDates = form.text("instalmentDates", limit: 200)
            draft.contractFr = form.text("contractFr", limit: 20_000)
            draft.contractEn = form.text("contractEn", limit: 20_000)
            draft.plan = form.text("plan", limit: 20)
            draft.fields = Set(Self.askableFields.map(\.field.rawValue).filter { form.checked("field-\($0)") })
            draft.childcareReceipt = form.checked("childcareReceipt")
            let choices = try await termsChoices()
            draft.subject = form.text("subject", limit: 40)
            draft.levels = Set(choices.levels.map(\.code).filter { form.checked("level-\($0)") })
            draft.version = String(offering.version)
            var page = termsForm(language, ids: ids, draft: draft, choices: choices)
            // Someone saved the offering since this page was shown: what was typed comes back over what is held now.
            if form.text("version", limit: 20) != String(offering.version) {
                page.formErrors.append(t(.offeringChangedMeanwhile))
                return kit.formResponse(page, request: request, language: language, status: .conflict, signedIn: true)
            }
            // What the form itself can tell (an amount, a date, clauses in pairs); the rest is the catalogue's to say.
            let price = Self.cents(draft.price)
            if price == nil { page.addErrors([t(.priceError)], to: "price") }
            let nonResident = draft.nonResidentPrice.isEmpty ? nil : Self.cents(draft.nonResidentPrice)
            if !draft.nonResidentPrice.isEmpty, nonResident == nil { page.addErrors([t(.priceError)], to: "nonResidentPrice") }
            let fee = draft.fee.isEmpty ? 0 : Self.cents(draft.fee)
            if fee == nil { page.addErrors([t(.priceError)], to: "fee") }
            for (name, value) in [("opensOn", draft.opensOn), ("closesOn", draft.closesOn)] where CalendarDate(value) == nil {
                page.addErrors([t(.dateError)], to: name)
            }
            let policy = CatalogueClient.Components.Schemas.RefundPolicy.KindPayload(rawValue: draft.refundPolicy)
            if policy == nil { page.addErrors([t(.refundPolicyHint)], to: "refundPolicy") }
            // A payment plan: a deposit and its dates together, or neither.
            var paymentPlan: CatalogueClient.Components.Schemas.PaymentPlanTerms?
            let dates = draft.instalmentDates.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).map(String.init)
            if !draft.deposit.isEmpty || !dates.isEmpty {
                let deposit = Self.cents(draft.deposit)
                if deposit == nil || deposit == 0 { page.addErrors([t(.priceError)], to: "deposit") }
                if dates.isEmpty || dates.count > 12 || dates.contains(where: { CalendarDate($0) == nil }) {
                    page.addErrors([t(.planDatesError)], to: "instalmentDates")
                }
                if let deposit, deposit > 0 {
                    paymentPlan = .init(deposit: Self.cad(deposit), instalmentDates: dates.compactMap { CalendarDate($0)?.description })
                }
            }
            let plan = PlanAsked(rawValue: draft.plan)
            if plan == nil { page.addErrors([t(.planAsked)], to: "plan") }
            let (french, english) = (Self.clauses(draft.contractFr), Self.clauses(draft.contractEn))
            if french.count != english.count { page.addErrors([t(.contractPairsError)], to: "contractEn") }
            guard !page.hasErrors, let price, let fee, let policy, let plan else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let body = Self.termsUpdate(
                offering, draft: draft, levels: choices.levels.map(\.code).filter { draft.levels.contains($0) }, price: price,
                nonResident: nonResident, fee: fee, policy: policy, plan: plan, paymentPlan: paymentPlan,
                clauses: zip(french, english).map { .init(fr: $0, en: $1) })
            let answer = try await registrar.acting(session) {
                try await catalogue.replaceOfferingTerms(path: .init(offeringId: offering.id), body: .json(body))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=modifiee"])
            case .badRequest, .unprocessableContent, .conflict:
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: [
                        "title.fr": "titleFr", "title.en": "titleEn", "description.fr": "descriptionFr", "description.en": "descriptionEn",
                        "categoryId": "category", "basePrice.amountCents": "price", "basePrice": "price", "registrationOpensAt": "opensOn",
                        "registrationClosesAt": "closesOn", "refundPolicy": "refundPolicy", "refundPolicy.administrationFee": "fee",
                        "contractClauses": "contractFr", "documents": "plan", "subjectId": "subject", "levels": "subject",
                        "paymentPlan.deposit.amountCents": "deposit", "paymentPlan.instalmentDates": "instalmentDates",
                    ])
            default: return try registrar.staffArea.refusal(answer, request: request, back: back)
            }
        }
    }

    /// The terms as the catalogue holds them, to send back whole with a form's answers in place.
    static func heldTerms(_ offering: Offering) -> TermsUpdate {
        TermsUpdate(
            title: offering.title, description: offering.description, categoryId: offering.categoryId, programmeId: offering.programmeId,
            schoolYear: offering.schoolYear, term: offering.term, subjectId: offering.subjectId, levels: offering.levels,
            basePrice: offering.basePrice, registrationOpensAt: offering.registrationOpensAt,
            registrationClosesAt: offering.registrationClosesAt, prices: offering.prices,
            items: offering.items?.map {
                .init(id: $0.id, name: $0.name, unitPrice: $0.unitPrice, date: $0.date, maximumQuantity: $0.maximumQuantity)
            },
            contractClauses: offering.contract?.clauses, refundPolicy: offering.refundPolicy, paymentPlan: offering.paymentPlan,
            documents: offering.documents, eligibility: offering.eligibility, requirements: offering.requirements,
            participantFields: offering.participantFields,
            childcareReceipt: offering.childcareReceipt, taxes: offering.taxes)
    }

    /// The whole terms the catalogue replaces: the form's answers, and the rest as the catalogue holds it.
    static func termsUpdate(
        _ offering: Offering, draft: TermsDraft, levels: [String], price: Int64, nonResident: Int64?, fee: Int64,
        policy: CatalogueClient.Components.Schemas.RefundPolicy.KindPayload, plan: PlanAsked,
        paymentPlan: CatalogueClient.Components.Schemas.PaymentPlanTerms? = nil, clauses: [CatalogueClient.Components.Schemas.LocalizedText]
    ) -> TermsUpdate {
        // The residents' rule the form shows is replaced; rules by organisation of origin stay.
        var prices = detailRules(offering)
        if let nonResident { prices.append(.init(amount: cad(nonResident), residency: .nonResident)) }
        var terms = heldTerms(offering)
        terms.title = .init(fr: draft.titleFr, en: draft.titleEn)
        terms.description = draft.descriptionFr.isEmpty && draft.descriptionEn.isEmpty ? nil : .init(fr: draft.descriptionFr, en: draft.descriptionEn)
        terms.categoryId = draft.category.isEmpty ? nil : draft.category
        terms.subjectId = draft.subject.isEmpty ? nil : draft.subject
        terms.levels = levels.isEmpty ? nil : levels
        terms.basePrice = cad(price)
        terms.registrationOpensAt = instant(draft.opensOn, hour: 0, minute: 0)
        terms.registrationClosesAt = instant(draft.closesOn, hour: 23, minute: 59)
        terms.prices = prices.isEmpty ? nil : prices
        terms.contractClauses = clauses.isEmpty ? nil : clauses
        terms.refundPolicy = .init(kind: policy, administrationFee: cad(fee))
        terms.paymentPlan = paymentPlan
        terms.documents =
            plan == .notAsked && offering.documents == nil
            ? nil
            : .init(
                interventionPlan: plan, acceptedTypes: offering.documents?.acceptedTypes ?? [.applicationPdf, .imageJpeg, .imagePng],
                maximumBytes: offering.documents?.maximumBytes ?? 10_000_000)
        terms.participantFields = askableFields.map(\.field).filter { draft.fields.contains($0.rawValue) }
        terms.childcareReceipt = draft.childcareReceipt
        return terms
    }

    static func cad(_ cents: Int64) -> CatalogueClient.Components.Schemas.Money { .init(amountCents: cents, currency: .cad) }
}
