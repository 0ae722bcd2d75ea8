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

    public init(organisationId: UUID, version: Int64, parentId: UUID?, kind: String, shortCode: String, name: LocalizedName) {
        self.organisationId = organisationId
        self.version = version
        self.parentId = parentId
        self.kind = kind
        self.shortCode = shortCode
        self.name = name
    }
}
