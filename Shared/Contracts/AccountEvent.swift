import Foundation

/// `identity.account.verified|updated`: how to reach an account holder (mails, payer details).
public struct AccountContactEvent: Codable, Sendable, Equatable {
    public var accountId: UUID
    public var version: Int64
    public var email: String
    public var firstName: String
    public var lastName: String
    /// `fr` | `en`
    public var language: String

    public init(accountId: UUID, version: Int64, email: String, firstName: String, lastName: String, language: String) {
        self.accountId = accountId
        self.version = version
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.language = language
    }
}

/// `identity.account.deleted`: forget the holder's contact details.
public struct AccountDeletedEvent: Codable, Sendable, Equatable {
    public var accountId: UUID
    public var version: Int64

    public init(accountId: UUID, version: Int64) {
        self.accountId = accountId
        self.version = version
    }
}
