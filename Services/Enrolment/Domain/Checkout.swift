import Contracts
import Crypto
import Foundation
import DomainKit

/// A checkout: the registrations of one payer with one selling organisation, holding their seats until paid.
struct Checkout: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable {
        case awaitingPayment = "awaiting-payment"
        case confirmed
        case expired
        case paymentFailed = "payment-failed"
    }

    var status: Status
    /// The amounts, lines and payer, exactly as `enrolment.checkout.requested` carries them.
    var details: CheckoutEvent
    var createdAt: Date
    /// How many times the payer asked for more time (absent in answers stored before it was counted).
    var holdExtensions: Int?

    /// WCAG 2.2.1 asks that a time limit can be extended at least ten times.
    static let maximumHoldExtensions = 10

    var holdExtensionsLeft: Int { max(0, Self.maximumHoldExtensions - (holdExtensions ?? 0)) }

    var id: UUID { details.checkoutId }
}

/// Who registers at a checkout: a signed-in guardian, or a guest with only an email (CSSPO).
enum CheckoutPayer: Sendable {
    case account(UUID)
    case guest(email: String, name: String, language: String)
}

/// A participant named on a checkout line: one of the guardian's, or typed in by a guest.
enum LineParticipant: Sendable {
    case existing(UUID)
    case new(NewParticipant)
}

/// One line as asked for, before it is priced and checked.
struct CheckoutRequestLine: Sendable {
    var participant: LineParticipant
    var offeringId: UUID
    var sessionId: UUID
    var organisationOfOriginId: UUID?
    var items: [ItemQuantity]
    var contractVersion: Int?
    var contractAcceptedAt: Date?
    /// The cart line it comes from, removed from the cart once checked out.
    var cartLineId: UUID?
    /// A guest's answers to the offering's participant fields (a member's come from the participant's profile).
    var guestProfile: ParticipantProfile? = nil
}

/// The token a guest gets instead of an account: it opens that checkout (and its payment and receipt) only.
/// Derived from the checkout id under a server key, so a replayed answer gives it again without storing it.
struct GuestTokens: Sendable {
    let key: SymmetricKey

    func token(for checkout: UUID) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("guest:\(checkout.uuidString.lowercased())".utf8), using: key)
        return Base64URL.encode(mac)
    }

    /// What is stored and carried in events: the token's SHA-256, never the token.
    static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}

extension FieldError {
    static func alreadyRegistered(_ field: String) -> FieldError {
        FieldError(
            field: field, code: "alreadyRegistered",
            message: .init(fr: "Ce participant est déjà inscrit à cette session.", en: "This participant is already registered to this session."))
    }

    /// Another family's participant reads as unknown, like one that does not exist.
    static func unknownParticipant(_ field: String) -> FieldError {
        FieldError(field: field, code: "unknown", message: .init(fr: "Participant inconnu.", en: "Unknown participant."))
    }
}

/// What enrolment knows of a participant when pricing and checking a line.
struct ParticipantFacts: Sendable {
    var name: String
    var birthDate: String
    var residency: String?
    /// The organisation whose records the participant comes from (their school): it alone picks an
    /// origin's price and makes a participant eligible; nil for a child added by hand or a guest's.
    var origin: UUID? = nil
    /// The origin and the organisation above it (a school's service centre).
    var originChain: [UUID] = []
    /// Codes of the offerings the participant completed (a confirmed registration), for prerequisites.
    var completedCodes: Set<String> = []
    /// The participant fields (the catalogue's names) the participant's profile or record fills.
    var filledFields: Set<String> = []
}
