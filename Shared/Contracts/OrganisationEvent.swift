import Foundation

/// `catalogue.organisation.created|updated`: an organisation of the catalogue's tree as it now is.
/// `version` grows with each change; consumers keep the highest they have seen.
public struct OrganisationEvent: Codable, Sendable, Equatable {
    public var organisationId: UUID
    public var version: Int64
    public var parentId: UUID?
    /// school-service-centre | school | municipality | college | private-school
    public var kind: String
    public var shortCode: String
    public var name: LocalizedName
    /// Where the organisation is and its numbers, once its administrators set them (receipts, invoices and
    /// Relevé 24 slips print them).
    public var address: PostalAddress?
    public var gstNumber: String?
    public var qstNumber: String?
    public var enterpriseNumber: String?

    public init(
        organisationId: UUID, version: Int64, parentId: UUID?, kind: String, shortCode: String, name: LocalizedName,
        address: PostalAddress? = nil, gstNumber: String? = nil, qstNumber: String? = nil, enterpriseNumber: String? = nil
    ) {
        self.organisationId = organisationId
        self.version = version
        self.parentId = parentId
        self.kind = kind
        self.shortCode = shortCode
        self.name = name
        self.address = address
        self.gstNumber = gstNumber
        self.qstNumber = qstNumber
        self.enterpriseNumber = enterpriseNumber
    }
}

/// A Canadian postal address, as on an envelope.
public struct PostalAddress: Codable, Sendable, Equatable {
    public var street: String
    public var city: String
    /// `QC`, `ON`…
    public var province: String
    /// `G4Z 1A1`
    public var postalCode: String

    public init(street: String, city: String, province: String, postalCode: String) {
        self.street = street
        self.city = city
        self.province = province
        self.postalCode = postalCode
    }
}
