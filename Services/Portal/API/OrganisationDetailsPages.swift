import CatalogueClient
import DomainKit
import Foundation
import Hummingbird
import ServiceKit

/// An organisation's address and numbers (GST, QST, NEQ), which its receipts, invoices and Relevé 24 slips print:
/// set by its administrators or a platform admin (`PATCH /v1/organisations/{id}`; the catalogue decides who may).
extension StaffPages {
    typealias PostalAddress = CatalogueClient.Components.Schemas.PostalAddress

    /// Provinces and territories by code, named in French and English (proper nouns, mostly the same).
    static let provinces: [(code: String, fr: String, en: String)] = [
        ("QC", "Québec", "Quebec"), ("ON", "Ontario", "Ontario"), ("NB", "Nouveau-Brunswick", "New Brunswick"),
        ("NS", "Nouvelle-Écosse", "Nova Scotia"), ("PE", "Île-du-Prince-Édouard", "Prince Edward Island"),
        ("NL", "Terre-Neuve-et-Labrador", "Newfoundland and Labrador"), ("MB", "Manitoba", "Manitoba"),
        ("SK", "Saskatchewan", "Saskatchewan"), ("AB", "Alberta", "Alberta"), ("BC", "Colombie-Britannique", "British Columbia"),
        ("YT", "Yukon", "Yukon"), ("NT", "Territoires du Nord-Ouest", "Northwest Territories"), ("NU", "Nunavut", "Nunavut"),
    ]

    struct DetailsDraft {
        var nameFr = "", nameEn = ""
        var street = "", city = "", province = "QC", postalCode = "", gstNumber = "", qstNumber = "", enterpriseNumber = ""

        init(_ organisation: CatalogueReference.Organisation) {
            (nameFr, nameEn) = (organisation.name.fr, organisation.name.en)
            if let address = organisation.address {
                (street, city, province, postalCode) = (address.street, address.city, address.province.rawValue, address.postalCode)
            }
            (gstNumber, qstNumber, enterpriseNumber) = (
                organisation.gstNumber ?? "", organisation.qstNumber ?? "", organisation.enterpriseNumber ?? ""
            )
        }

        init(_ form: PostedForm) {
            nameFr = form.text("nameFr", limit: 200)
            nameEn = form.text("nameEn", limit: 200)
            street = form.text("street", limit: 200)
            city = form.text("city", limit: 100)
            province = form.text("province", limit: 2)
            postalCode = form.text("postalCode", limit: 10)
            gstNumber = form.text("gstNumber", limit: 30)
            qstNumber = form.text("qstNumber", limit: 30)
            enterpriseNumber = form.text("enterpriseNumber", limit: 30)
        }
    }

    /// May set an organisation's name, address and numbers: a platform admin, or an administrator of it or of an
    /// organisation above it (as the catalogue decides).
    static func administers(_ account: Account, _ organisation: CatalogueReference.Organisation, in all: [CatalogueReference.Organisation]) -> Bool {
        if account.admin { return true }
        let administered = Set(account.staffRoles.filter { $0.role == .admin }.map { $0.organisationId.lowercased() })
        var current: CatalogueReference.Organisation? = organisation
        var seen: Set<String> = []
        while let found = current, seen.insert(found.id).inserted {
            if administered.contains(found.id) { return true }
            current = found.parentId.flatMap { parent in all.first { $0.id == parent } }
        }
        return false
    }

    /// The organisation, when this account administers it.
    func administeredOrganisation(_ account: Account, id: String) async throws -> CatalogueReference.Organisation? {
        let all = try await reference.organisations()
        guard let organisation = all.first(where: { $0.id == id.lowercased() }), Self.administers(account, organisation, in: all) else {
            return nil
        }
        return organisation
    }

    func detailsForm(_ language: Language, organisation: CatalogueReference.Organisation, draft: DetailsDraft) -> FormPage {
        let t = { Strings.text($0, language) }
        let path = "/staff/organisations/\(organisation.id)"
        return FormPage(
            heading: "\(t(.organisationDetailsTitle)) — \(organisation.name.text(language))", intro: t(.organisationDetailsIntro),
            action: "\(path)/coordonnees", submit: t(.editOfferingSubmit),
            fields: [
                .init(name: "nameFr", label: t(.organisationNameFrench), value: draft.nameFr, autocomplete: "off"),
                .init(name: "nameEn", label: t(.organisationNameEnglish), value: draft.nameEn, autocomplete: "off"),
                .init(
                    name: "street", label: t(.organisationStreet), value: draft.street, autocomplete: "off", hint: t(.organisationStreetHint),
                    required: false),
                .init(name: "city", label: t(.city), value: draft.city, autocomplete: "off", required: false),
                .init(
                    name: "province", label: t(.province), kind: .select, value: draft.province,
                    options: Self.provinces.map { (value: $0.code, label: language == .fr ? $0.fr : $0.en) }),
                .init(
                    name: "postalCode", label: t(.postalCode), value: draft.postalCode, autocomplete: "off", hint: t(.postalCodeHint),
                    required: false),
                .init(name: "gstNumber", label: t(.gstNumber), value: draft.gstNumber, autocomplete: "off", hint: t(.gstNumberHint), required: false),
                .init(name: "qstNumber", label: t(.qstNumber), value: draft.qstNumber, autocomplete: "off", hint: t(.qstNumberHint), required: false),
                .init(
                    name: "enterpriseNumber", label: t(.enterpriseNumber), value: draft.enterpriseNumber, autocomplete: "off",
                    inputmode: "numeric", hint: t(.enterpriseNumberHint), required: false),
            ],
            links: [.init(href: path, label: t(.backToOrganisation))])
    }

    func organisationDetailsPage(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        if let refused = notFoundUnlessIDs([id], request) { return refused }
        return try await staffPage(request) { _, account in
            guard let organisation = try await administeredOrganisation(account, id: id) else { return notFound(request) }
            return kit.formResponse(
                detailsForm(language, organisation: organisation, draft: DetailsDraft(organisation)), request: request, language: language,
                signedIn: true)
        }
    }

    func saveOrganisationDetails(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        if let refused = notFoundUnlessIDs([id], request) { return refused }
        let back = "/staff/organisations/\(id)/coordonnees"
        return try await staffPage(request, back: back) { session, account in
            guard let organisation = try await administeredOrganisation(account, id: id) else { return notFound(request) }
            let draft = DetailsDraft(form)
            var page = detailsForm(language, organisation: organisation, draft: draft)
            // The catalogue says what a number or a postal code must look like, field by field.
            let province = PostalAddress.ProvincePayload(rawValue: draft.province)
            if province == nil { page.addErrors([Strings.text(.requiredField, language)], to: "province") }
            guard let province else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            // An address is given whole or not at all (an organisation may record its numbers first).
            let noAddress = draft.street.isEmpty && draft.city.isEmpty && draft.postalCode.isEmpty
            let body = CatalogueClient.Components.Schemas.OrganisationUpdate(
                name: .init(fr: draft.nameFr, en: draft.nameEn),
                address: noAddress ? nil : .init(street: draft.street, city: draft.city, province: province, postalCode: draft.postalCode),
                gstNumber: draft.gstNumber, qstNumber: draft.qstNumber, enterpriseNumber: draft.enterpriseNumber)
            let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await reference.catalogue.updateOrganisation(path: .init(organisationId: organisation.id), body: .json(body))
            }
            switch answer {
            case .ok:
                await reference.forgetOrganisations()
                return Response(status: .seeOther, headers: [.location: "/staff/organisations/\(organisation.id)?fait=coordonnees"])
            case .badRequest, .unprocessableContent:
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: [
                        "name.fr": "nameFr", "name.en": "nameEn", "address.street": "street", "address.city": "city", "address.province": "province",
                        "address.postalCode": "postalCode",
                    ])
            default: return try refusal(answer, request: request, back: back)
            }
        }
    }

    // MARK: - A new organisation (platform admins)

    struct NewOrganisationDraft {
        var kind = "school", shortCode = "", nameFr = "", nameEn = "", parent = ""
    }

    func newOrganisationForm(_ language: Language, draft: NewOrganisationDraft, organisations: [CatalogueReference.Organisation]) -> FormPage {
        let t = { Strings.text($0, language) }
        let kinds: [CatalogueClient.Components.Schemas.OrganisationKind] = [.schoolServiceCentre, .school, .privateSchool, .municipality, .college]
        return FormPage(
            heading: t(.newOrganisationTitle), intro: t(.newOrganisationIntro), action: "/staff/organisations/nouvel-organisme",
            submit: t(.newOrganisationSubmit),
            fields: [
                .init(
                    name: "kind", label: t(.organisationKind), kind: .select, value: draft.kind,
                    options: kinds.map { (value: $0.rawValue, label: kindText($0, language)) }),
                .init(name: "shortCode", label: t(.shortCode), value: draft.shortCode, autocomplete: "off", hint: t(.shortCodeHint)),
                .init(name: "nameFr", label: t(.organisationNameFrench), value: draft.nameFr, autocomplete: "off"),
                .init(name: "nameEn", label: t(.organisationNameEnglish), value: draft.nameEn, autocomplete: "off"),
                .init(
                    name: "parent", label: t(.partOf), kind: .select, value: draft.parent, hint: t(.parentOrganisationHint), required: false,
                    options: [("", t(.noParentOrganisation))]
                        + organisations.sorted { $0.name.text(language) < $1.name.text(language) }.map {
                            (value: $0.id, label: $0.name.text(language))
                        }),
            ],
            links: [.init(href: "/staff/organisations", label: t(.backToOrganisations))])
    }

    func newOrganisationPage(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await staffPage(request) { _, account in
            guard account.admin else { return notFound(request) }
            let form = newOrganisationForm(language, draft: NewOrganisationDraft(), organisations: try await reference.organisations())
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func createOrganisation(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: cookies)
        let back = "/staff/organisations/nouvel-organisme"
        return try await staffPage(request, back: back) { session, account in
            guard account.admin else { return notFound(request) }
            let draft = NewOrganisationDraft(
                kind: form.text("kind", limit: 40), shortCode: form.text("shortCode", limit: 20), nameFr: form.text("nameFr", limit: 200),
                nameEn: form.text("nameEn", limit: 200), parent: form.text("parent", limit: 40))
            let organisations = try await reference.organisations()
            var page = newOrganisationForm(language, draft: draft, organisations: organisations)
            let kind = CatalogueClient.Components.Schemas.OrganisationKind(rawValue: draft.kind)
            if kind == nil { page.addErrors([Strings.text(.requiredField, language)], to: "kind") }
            guard let kind else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let body = CatalogueClient.Components.Schemas.NewOrganisation(
                kind: kind, shortCode: draft.shortCode, name: .init(fr: draft.nameFr, en: draft.nameEn),
                parentId: draft.parent.isEmpty ? nil : draft.parent)
            let answer = try await OnBehalfOfVisitor.acting(with: session.tokens.accessToken) {
                try await reference.catalogue.createOrganisation(body: .json(body))
            }
            switch answer {
            case .created(let created):
                await reference.forgetOrganisations()
                let organisation = try created.body.json
                return Response(status: .seeOther, headers: [.location: "/staff/organisations/\(organisation.id)?fait=cree"])
            case .badRequest, .unprocessableContent, .conflict:
                page.formErrorsTarget = "shortCode"  // a taken short code names no field
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: ["name.fr": "nameFr", "name.en": "nameEn", "parentId": "parent", "shortCode": "shortCode"])
            default: return try refusal(answer, request: request, back: back)
            }
        }
    }
}
