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
        var street = "", city = "", province = "QC", postalCode = "", gstNumber = "", qstNumber = "", enterpriseNumber = ""

        init(_ organisation: CatalogueReference.Organisation) {
            if let address = organisation.address {
                (street, city, province, postalCode) = (address.street, address.city, address.province.rawValue, address.postalCode)
            }
            (gstNumber, qstNumber, enterpriseNumber) = (
                organisation.gstNumber ?? "", organisation.qstNumber ?? "", organisation.enterpriseNumber ?? ""
            )
        }

        init(_ form: PostedForm) {
            street = form.text("street", limit: 200)
            city = form.text("city", limit: 100)
            province = form.text("province", limit: 2)
            postalCode = form.text("postalCode", limit: 10)
            gstNumber = form.text("gstNumber", limit: 30)
            qstNumber = form.text("qstNumber", limit: 30)
            enterpriseNumber = form.text("enterpriseNumber", limit: 30)
        }
    }

    /// May set an organisation's numbers: a platform admin, or an administrator of some organisation (the
    /// catalogue then checks it is this one or one above it).
    static func mayEditDetails(_ account: Account) -> Bool {
        account.admin || account.staffRoles.contains { $0.role == .admin }
    }

    func detailsForm(_ language: Language, organisation: CatalogueReference.Organisation, draft: DetailsDraft) -> FormPage {
        let t = { Strings.text($0, language) }
        let path = "/staff/organisations/\(organisation.id)"
        return FormPage(
            heading: "\(t(.organisationDetailsTitle)) — \(organisation.name.text(language))", intro: t(.organisationDetailsIntro),
            action: "\(path)/coordonnees", submit: t(.editOfferingSubmit),
            fields: [
                .init(name: "street", label: t(.organisationStreet), value: draft.street, autocomplete: "off", hint: t(.organisationStreetHint)),
                .init(name: "city", label: t(.city), value: draft.city, autocomplete: "off"),
                .init(
                    name: "province", label: t(.province), kind: .select, value: draft.province,
                    options: Self.provinces.map { (value: $0.code, label: language == .fr ? $0.fr : $0.en) }),
                .init(name: "postalCode", label: t(.postalCode), value: draft.postalCode, autocomplete: "off", hint: t(.postalCodeHint)),
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
            guard Self.mayEditDetails(account), let organisation = try await reference.organisations().first(where: { $0.id == id.lowercased() })
            else { return notFound(request) }
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
            guard Self.mayEditDetails(account), let organisation = try await reference.organisations().first(where: { $0.id == id.lowercased() })
            else { return notFound(request) }
            let draft = DetailsDraft(form)
            let page = detailsForm(language, organisation: organisation, draft: draft)
            // The catalogue says what a number or a postal code must look like, field by field.
            let body = CatalogueClient.Components.Schemas.OrganisationUpdate(
                address: .init(
                    street: draft.street, city: draft.city, province: PostalAddress.ProvincePayload(rawValue: draft.province) ?? .qc,
                    postalCode: draft.postalCode),
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
                        "address.street": "street", "address.city": "city", "address.province": "province",
                        "address.postalCode": "postalCode",
                    ])
            default: return try refusal(answer, request: request, back: back)
            }
        }
    }
}
