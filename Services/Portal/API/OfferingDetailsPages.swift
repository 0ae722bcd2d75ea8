import CatalogueClient
import DomainKit
import Foundation
import Hummingbird
import ServiceKit

/// The terms the first form leaves alone, on a page of their own ("Articles, prix et conditions"): items bought
/// by quantity (a meal per date), prices by organisation of origin, who may register (ages, schools,
/// prerequisites), what to have before registering, and sales taxes. Saved through the same whole replacement of
/// the terms (`PUT …/terms`), the rest sent back as the catalogue holds it; an item kept keeps its id, which carts
/// and registrations refer to.
extension OfferingDeskPages {
    typealias PriceRule = CatalogueClient.Components.Schemas.PriceRule
    typealias Tax = CatalogueClient.Components.Schemas.Tax

    /// Blank rows offered for new items and new price rules.
    static let newItemRows = 3
    static let newPriceRows = 2

    /// Québec's two sales taxes, the ones a clerk ticks; another code the catalogue holds is kept as it is.
    static let quebecTaxes: [(tax: Tax, label: Text)] = [
        (.init(code: "GST", name: .init(fr: "TPS", en: "GST"), percent: "5"), .taxGST),
        (.init(code: "QST", name: .init(fr: "TVQ", en: "QST"), percent: "9.975"), .taxQST),
    ]

    struct ItemRow {
        /// The catalogue's id, or `new-1`… for a blank row.
        var key: String
        var id: String?
        var nameFr = "", nameEn = "", date = "", price = "", maximum = ""
        var remove = false
        var isBlank: Bool { nameFr.isEmpty && nameEn.isEmpty && date.isEmpty && price.isEmpty && maximum.isEmpty }
    }

    struct PriceRow {
        var key: String
        var organisation = "", residency = "", amount = ""
        var remove = false
        var isBlank: Bool { organisation.isEmpty && residency.isEmpty && amount.isEmpty }
    }

    struct DetailsDraft {
        var items: [ItemRow] = []
        var prices: [PriceRow] = []
        var minimumAge = "", maximumAge = "", prerequisites = ""
        var schools: Set<String> = []
        var requirementsFr = "", requirementsEn = ""
        var taxes: Set<String> = []
        /// The offering's version the page showed: a save over a newer one is said, not done.
        var version = ""

        /// What the catalogue holds, as the form shows it, with the blank rows.
        init(_ offering: Offering, _ language: Language) {
            items = (offering.items ?? []).map {
                ItemRow(
                    key: $0.id, id: $0.id, nameFr: $0.name.fr, nameEn: $0.name.en, date: $0.date ?? "",
                    price: Formatting.typedAmount(cents: $0.unitPrice.amountCents, language), maximum: $0.maximumQuantity.map(String.init) ?? "")
            }
            items += (1...newItemRows).map { ItemRow(key: "new-\($0)") }
            prices = OfferingDeskPages.detailRules(offering).enumerated().map { index, rule in
                PriceRow(
                    key: "rule-\(index + 1)", organisation: rule.organisationOfOriginId ?? "", residency: rule.residency?.rawValue ?? "",
                    amount: Formatting.typedAmount(cents: rule.amount.amountCents, language))
            }
            prices += (1...newPriceRows).map { PriceRow(key: "new-\($0)") }
            minimumAge = offering.eligibility?.minimumAge.map(String.init) ?? ""
            maximumAge = offering.eligibility?.maximumAge.map(String.init) ?? ""
            prerequisites = (offering.eligibility?.prerequisiteCodes ?? []).joined(separator: ", ")
            schools = Set(offering.eligibility?.eligibleOrganisationIds ?? [])
            requirementsFr = (offering.requirements ?? []).map(\.fr).joined(separator: "\n\n")
            requirementsEn = (offering.requirements ?? []).map(\.en).joined(separator: "\n\n")
            taxes = Set((offering.taxes ?? []).map(\.code))
            version = String(offering.version)
        }

        /// What was typed, row by row as the form listed them.
        init(_ form: PostedForm, listed: DetailsDraft, schools choices: [String]) {
            // A row the page did not show (added by someone else since) is kept as the catalogue holds it.
            items = listed.items.map { row in
                let name = "item-\(row.key)"
                guard form.fields["\(name)-nameFr"] != nil else { return row }
                return ItemRow(
                    key: row.key, id: row.id, nameFr: form.text("\(name)-nameFr", limit: 200), nameEn: form.text("\(name)-nameEn", limit: 200),
                    date: form.text("\(name)-date", limit: 10), price: form.text("\(name)-price", limit: 20),
                    maximum: form.text("\(name)-maximum", limit: 6), remove: form.checked("\(name)-remove"))
            }
            prices = listed.prices.map { row in
                let name = "price-\(row.key)"
                guard form.fields["\(name)-amount"] != nil else { return row }
                return PriceRow(
                    key: row.key, organisation: form.text("\(name)-organisation", limit: 40), residency: form.text("\(name)-residency", limit: 20),
                    amount: form.text("\(name)-amount", limit: 20), remove: form.checked("\(name)-remove"))
            }
            minimumAge = form.text("minimumAge", limit: 3)
            maximumAge = form.text("maximumAge", limit: 3)
            prerequisites = form.text("prerequisites", limit: 1000)
            schools = Set(choices.filter { form.checked("school-\($0)") })
            requirementsFr = form.text("requirementsFr", limit: 20_000)
            requirementsEn = form.text("requirementsEn", limit: 20_000)
            taxes = Set(quebecTaxes.map(\.tax.code).filter { form.checked("tax-\($0)") })
            version = form.text("version", limit: 20)
        }
    }

    /// The organisations a registration may be limited to: schools, and any other the offering already names (a
    /// school service centre), so that saving never drops one.
    static func eligibilityChoices(_ organisations: [CatalogueReference.Organisation], held: Set<String>) -> [CatalogueReference.Organisation] {
        organisations.filter { $0.kind == .school || $0.kind == .privateSchool || held.contains($0.id) }
    }

    /// The non-residents' price whatever their origin: the one rule the terms form shows; this page shows the rest.
    static func isNonResidentsPrice(_ rule: PriceRule) -> Bool {
        rule.residency == .nonResident && rule.organisationOfOriginId == nil
    }

    /// The price rules this page shows: all but the non-residents' rule, which the terms form shows.
    static func detailRules(_ offering: Offering) -> [PriceRule] {
        (offering.prices ?? []).filter { !isNonResidentsPrice($0) }
    }

    func detailsForm(
        _ language: Language, ids: IDs, draft: DetailsDraft, offering: Offering, organisations: [CatalogueReference.Organisation]
    ) -> FormPage {
        let t = { Strings.text($0, language) }
        func heading(_ name: String, _ label: String, level: Int = 2) -> FormPage.Field {
            .init(name: name, label: label, kind: .heading, value: String(level))
        }
        func optional(
            _ name: String, _ label: String, _ value: String, kind: FormPage.Kind = .text, inputmode: String = "", hint: String = ""
        )
            -> FormPage.Field
        {
            .init(name: name, label: label, kind: kind, value: value, autocomplete: "off", inputmode: inputmode, hint: hint, required: false)
        }
        func box(_ name: String, _ label: String, checked: Bool) -> FormPage.Field {
            var field = FormPage.Field(name: name, label: label, kind: .checkbox)
            field.checked = checked
            field.required = false
            return field
        }
        var fields: [FormPage.Field] = [heading("items", t(.itemsHeading))]
        for (index, row) in draft.items.enumerated() {
            let number = "\(t(.itemNumber)) \(index + 1)"
            let name = "item-\(row.key)"
            fields.append(heading(name, row.id == nil ? "\(number) (\(t(.newRow)))" : number, level: 3))
            fields += [
                optional(
                    "\(name)-nameFr", "\(number)\(FormPage.colon(language))\(t(.nameFrench))", row.nameFr, hint: index == 0 ? t(.itemsRowsHint) : ""),
                optional("\(name)-nameEn", "\(number)\(FormPage.colon(language))\(t(.nameEnglish))", row.nameEn),
                optional("\(name)-date", "\(number)\(FormPage.colon(language))\(t(.itemDate))", row.date, hint: t(.itemDateHint)),
                optional("\(name)-price", "\(number)\(FormPage.colon(language))\(t(.unitPriceDollars))", row.price, inputmode: "decimal"),
                optional(
                    "\(name)-maximum", "\(number)\(FormPage.colon(language))\(t(.maximumQuantity))", row.maximum, kind: .number, inputmode: "numeric"),
            ]
            if row.id != nil { fields.append(box("\(name)-remove", "\(t(.removeItem)) \(index + 1)", checked: row.remove)) }
        }
        let organisationOptions =
            [("", t(.anyOrganisation))]
            + organisations.sorted { $0.name.text(language) < $1.name.text(language) }.map { (value: $0.id, label: $0.name.text(language)) }
        fields.append(heading("prices", t(.originPricesHeading)))
        for (index, row) in draft.prices.enumerated() {
            let number = "\(t(.priceRuleNumber)) \(index + 1)"
            let name = "price-\(row.key)"
            let isNew = row.key.hasPrefix("new-")
            fields.append(heading(name, isNew ? "\(number) (\(t(.newRow)))" : number, level: 3))
            fields += [
                .init(
                    name: "\(name)-organisation", label: "\(number)\(FormPage.colon(language))\(t(.organisationOfOrigin))", kind: .select,
                    value: row.organisation, hint: index == 0 ? t(.originPricesHint) : "", required: false, options: organisationOptions),
                .init(
                    name: "\(name)-residency", label: "\(number)\(FormPage.colon(language))\(t(.residency))", kind: .select, value: row.residency,
                    required: false,
                    options: [("", t(.residencyAny)), ("resident", t(.residencyResident)), ("non-resident", t(.residencyNonResident))]),
                optional("\(name)-amount", "\(number)\(FormPage.colon(language))\(t(.priceDollars))", row.amount, inputmode: "decimal"),
            ]
            if !isNew { fields.append(box("\(name)-remove", "\(t(.removePriceRule)) \(index + 1)", checked: row.remove)) }
        }
        fields += [
            heading("eligibility", t(.eligibilityHeading)),
            optional("minimumAge", t(.minimumAge), draft.minimumAge, kind: .number, inputmode: "numeric", hint: t(.ageHint)),
            optional("maximumAge", t(.maximumAge), draft.maximumAge, kind: .number, inputmode: "numeric"),
            optional("prerequisites", t(.prerequisiteCodes), draft.prerequisites, hint: t(.prerequisiteCodesHint)),
        ]
        for school in Self.eligibilityChoices(organisations, held: draft.schools).sorted(by: { $0.name.text(language) < $1.name.text(language) }) {
            fields.append(box("school-\(school.id)", "\(t(.onlyPupilsOf)) \(school.name.text(language))", checked: draft.schools.contains(school.id)))
        }
        fields += [
            heading("requirements", t(.requirementsHeading)),
            optional("requirementsFr", t(.requirementsFrench), draft.requirementsFr, kind: .textarea, hint: t(.requirementsHint)),
            optional("requirementsEn", t(.requirementsEnglish), draft.requirementsEn, kind: .textarea),
            heading("taxes", t(.taxesHeading)),
        ]
        for (tax, label) in Self.quebecTaxes {
            fields.append(box("tax-\(tax.code)", t(label), checked: draft.taxes.contains(tax.code)))
        }
        return FormPage(
            heading: "\(t(.offeringDetailsTitle)) — \(offering.code) \(offering.title.text(language))", intro: t(.offeringDetailsIntro),
            action: "\(ids.path)/details", submit: t(.editOfferingSubmit), fields: fields, hidden: [("version", draft.version)],
            links: [.init(href: ids.path, label: t(.backToOffering))])
    }

    func detailsPage(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await changingOffering(request, ids: ids) { session, offering in
            let form = detailsForm(
                language, ids: ids, draft: DetailsDraft(offering, language), offering: offering,
                organisations: try await registrar.reference.organisations())
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func saveDetails(_ request: Request, ids: IDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        let back = "\(ids.path)/details"
        return try await changingOffering(request, ids: ids, back: back) { session, offering in
            let organisations = try await registrar.reference.organisations()
            let held = DetailsDraft(offering, language)
            let choices = Self.eligibilityChoices(organisations, held: held.schools).map(\.id)
            var draft = DetailsDraft(form, listed: held, schools: choices)
            draft.version = String(offering.version)
            var page = detailsForm(language, ids: ids, draft: draft, offering: offering, organisations: organisations)
            // Someone saved the offering since this page was shown: what was typed comes back over what is held now.
            if form.text("version", limit: 20) != String(offering.version) {
                page.formErrors.append(t(.offeringChangedMeanwhile))
                return kit.formResponse(page, request: request, language: language, status: .conflict, signedIn: true)
            }
            var terms = Self.heldTerms(offering)
            // Items: the rows kept, each checked as the form can (the catalogue checks dates against the groups).
            var items: [CatalogueClient.Components.Schemas.ItemUpdate] = []
            for row in draft.items where !row.remove && !row.isBlank {
                let name = "item-\(row.key)"
                if row.nameFr.isEmpty { page.addErrors([t(.requiredField)], to: "\(name)-nameFr") }
                if row.nameEn.isEmpty { page.addErrors([t(.requiredField)], to: "\(name)-nameEn") }
                if !row.date.isEmpty, CalendarDate(row.date) == nil { page.addErrors([t(.dateError)], to: "\(name)-date") }
                let price = Self.cents(row.price)
                if price == nil { page.addErrors([t(.priceError)], to: "\(name)-price") }
                let maximum = row.maximum.isEmpty ? nil : Int(row.maximum)
                if !row.maximum.isEmpty, maximum.map({ !(1...1000).contains($0) }) ?? true {
                    page.addErrors([t(.maximumQuantityError)], to: "\(name)-maximum")
                }
                if let price {
                    items.append(
                        .init(
                            id: row.id, name: .init(fr: row.nameFr, en: row.nameEn), unitPrice: Self.cad(price),
                            date: row.date.isEmpty ? nil : row.date, maximumQuantity: maximum))
                }
            }
            // Price rules: the non-residents' rule of the terms form stays; this page's rules are replaced.
            var prices = (offering.prices ?? []).filter(Self.isNonResidentsPrice)
            for row in draft.prices where !row.remove && !row.isBlank {
                let name = "price-\(row.key)"
                let amount = Self.cents(row.amount)
                if amount == nil { page.addErrors([t(.priceError)], to: "\(name)-amount") }
                if row.organisation.isEmpty, row.residency.isEmpty { page.addErrors([t(.priceRuleNeedsWhom)], to: "\(name)-organisation") }
                let residency = PriceRule.ResidencyPayload(rawValue: row.residency)
                if !row.residency.isEmpty, residency == nil { page.addErrors([t(.priceRuleNeedsWhom)], to: "\(name)-residency") }
                if !row.organisation.isEmpty, !organisations.contains(where: { $0.id == row.organisation }) {
                    page.addErrors([t(.priceRuleNeedsWhom)], to: "\(name)-organisation")
                }
                if let amount {
                    prices.append(
                        .init(
                            amount: Self.cad(amount), organisationOfOriginId: row.organisation.isEmpty ? nil : row.organisation, residency: residency)
                    )
                }
            }
            let minimumAge = draft.minimumAge.isEmpty ? nil : Int(draft.minimumAge)
            if !draft.minimumAge.isEmpty, minimumAge.map({ !(0...120).contains($0) }) ?? true { page.addErrors([t(.ageError)], to: "minimumAge") }
            let maximumAge = draft.maximumAge.isEmpty ? nil : Int(draft.maximumAge)
            if !draft.maximumAge.isEmpty, maximumAge.map({ !(0...120).contains($0) }) ?? true { page.addErrors([t(.ageError)], to: "maximumAge") }
            if let minimumAge, let maximumAge, maximumAge < minimumAge { page.addErrors([t(.ageOrderError)], to: "maximumAge") }
            let prerequisites = draft.prerequisites.split(whereSeparator: { $0 == "," || $0 == ";" || $0.isWhitespace }).map(String.init)
            let (french, english) = (Self.clauses(draft.requirementsFr), Self.clauses(draft.requirementsEn))
            if french.count != english.count { page.addErrors([t(.contractPairsError)], to: "requirementsEn") }
            guard !page.hasErrors else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            terms.items = items.isEmpty ? nil : items
            terms.prices = prices.isEmpty ? nil : prices
            let schools = choices.filter { draft.schools.contains($0) }
            terms.eligibility =
                minimumAge == nil && maximumAge == nil && schools.isEmpty && prerequisites.isEmpty
                ? nil
                : .init(
                    minimumAge: minimumAge, maximumAge: maximumAge, eligibleOrganisationIds: schools.isEmpty ? nil : schools,
                    prerequisiteCodes: prerequisites.isEmpty ? nil : prerequisites)
            let requirements = zip(french, english).map { LocalizedText(fr: $0, en: $1) }
            terms.requirements = requirements.isEmpty ? nil : requirements
            let otherTaxes = (offering.taxes ?? []).filter { held in !Self.quebecTaxes.contains { $0.tax.code == held.code } }
            let taxes = otherTaxes + Self.quebecTaxes.map(\.tax).filter { draft.taxes.contains($0.code) }
            terms.taxes = taxes.isEmpty ? nil : taxes
            let answer = try await registrar.acting(session) {
                try await catalogue.replaceOfferingTerms(path: .init(offeringId: offering.id), body: .json(terms))
            }
            switch answer {
            case .ok: return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=modifiee"])
            case .badRequest, .unprocessableContent, .conflict:
                // The catalogue names items by their place in what was sent: back to the row they came from.
                var fields: [String: String] = [
                    "eligibility.minimumAge": "minimumAge", "eligibility.maximumAge": "maximumAge", "eligibility": "minimumAge",
                    "requirements": "requirementsFr",
                ]
                for (index, row) in draft.items.filter({ !$0.remove && !$0.isBlank }).enumerated() {
                    for (field, input) in [(".name", "nameFr"), (".name.fr", "nameFr"), (".name.en", "nameEn"), (".date", "date")] {
                        fields["items[\(index)]\(field)"] = "item-\(row.key)-\(input)"
                    }
                    fields["items[\(index)].unitPrice.amountCents"] = "item-\(row.key)-price"
                    fields["items[\(index)].maximumQuantity"] = "item-\(row.key)-maximum"
                }
                let held = (offering.prices ?? []).filter(Self.isNonResidentsPrice).count
                for (index, row) in draft.prices.filter({ !$0.remove && !$0.isBlank }).enumerated() {
                    fields["prices[\(held + index)]"] = "price-\(row.key)-organisation"
                    fields["prices[\(held + index)].amount.amountCents"] = "price-\(row.key)-amount"
                }
                return try kit.refused(answer, page: page, request: request, language: language, signedIn: true, fields: fields)
            default: return try registrar.staffArea.refusal(answer, request: request, back: back)
            }
        }
    }
}
