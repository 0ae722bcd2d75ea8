import Contracts
import Foundation
import DomainKit

/// An adult's account. `pending` until the address is verified: its password does not work before.
struct Account: Sendable, Equatable {
    enum Status: String, Sendable {
        case pending, active, deleted
    }

    var id: UUID
    var status: Status
    var email: String
    var firstName: String
    var lastName: String
    var birthDate: String
    var phone: String?
    var language: Language
    var passwordHash: String
    var version: Int64
    var createdAt: Date
    var verifiedAt: Date?

    /// The contact details other services keep (`identity.account.verified|updated`).
    var contactEvent: AccountContactEvent {
        AccountContactEvent(
            accountId: id, version: version, email: email, firstName: firstName, lastName: lastName,
            language: language.rawValue)
    }
}

/// What a mailed code is for; each has its own lifetime.
enum ChallengePurpose: String, Sendable {
    case signUp = "sign-up"
    case passwordReset = "password-reset"
    case emailChange = "email-change"
}

/// A code (and for sign-up a link) about to be mailed, in the form it is stored.
struct NewChallenge: Sendable {
    var id: UUID
    var purpose: ChallengePurpose
    var codeHash: Data
    var linkHash: Data?
    var newEmail: String?
    var expiresAt: Date
}

/// The result of checking a code: a wrong code is recorded (and commits), so it is not an error thrown through
/// the transaction.
enum CodeCheck<Success: Sendable>: Sendable {
    case accepted(Success)
    case rejected
}

enum SecurityEventKind: String, Sendable {
    case signedUp = "signed-up"
    case verified
    case signedIn = "signed-in"
    case signInFailed = "sign-in-failed"
    case signedOut = "signed-out"
    case refreshTokenReused = "refresh-token-reused"
    case passwordChanged = "password-changed"
    case passwordResetRequested = "password-reset-requested"
    case passwordReset = "password-reset"
    case emailChangeRequested = "email-change-requested"
    case emailChanged = "email-changed"
    case profileUpdated = "profile-updated"
    case staffRoleGranted = "staff-role-granted"
    case staffRoleRevoked = "staff-role-revoked"
    case secondFactorEnabled = "second-factor-enabled"
    case secondFactorDisabled = "second-factor-disabled"
    case secondFactorFailed = "second-factor-failed"
    case recoveryCodeUsed = "recovery-code-used"
    case recoveryCodesRenewed = "recovery-codes-renewed"
}

/// Where a security event came from, from the request.
struct ClientInfo: Sendable {
    var address: String?
    var userAgent: String?
}
