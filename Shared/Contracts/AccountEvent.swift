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

/// `identity.consent.changed`: an account holder gave or withdrew a consent of the ledger (Law 25: per purpose).
/// `version` grows with each change of the account's consents; consumers keep the highest they have seen.
public struct ConsentChangedEvent: Codable, Sendable, Equatable {
    public var accountId: UUID
    public var version: Int64
    /// `electronic-documents`: slips and other documents sent by email rather than by post.
    public var purpose: String
    public var given: Bool
    /// The version of the consent text given (absent when withdrawn).
    public var textVersion: Int?
    public var changedAt: Date

    public init(accountId: UUID, version: Int64, purpose: String, given: Bool, textVersion: Int?, changedAt: Date) {
        self.accountId = accountId
        self.version = version
        self.purpose = purpose
        self.given = given
        self.textVersion = textVersion
        self.changedAt = changedAt
    }
}
