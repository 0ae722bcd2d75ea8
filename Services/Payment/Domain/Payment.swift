import Contracts
import Foundation
import DomainKit

/// One attempt to charge a checkout. Only the processor's references and the card's brand, last 4 and expiry
/// are kept: never a card number or CVC.
struct Payment: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable {
        /// Sent to the processor, no answer yet.
        case pending
        case succeeded
        /// Refused by the processor; nothing was charged; the payer may try another card.
        case declined
        /// The processor did not answer in time: reconciled with it before anything else happens.
        case unknown
    }

    struct Card: Codable, Sendable, Equatable {
        var brand: String
        var last4: String
        var expMonth: Int
        var expYear: Int

        /// As mails and printed receipts show it: "VISA •••• 4242".
        var masked: String { "\(brand.uppercased()) •••• \(last4)" }
    }

    var id: UUID
    var checkoutId: UUID
    var payerAccountId: UUID?
    var sellingOrganisationId: UUID
    var amountCents: Int64
    var refundedCents: Int64
    var status: Status
    var failureCode: String?
    var card: Card?
    var receiptNumber: String?
    var createdAt: Date
    var settledAt: Date?
}

/// The payer's billing address (CSSPO asks for it).
struct BillingAddress: Codable, Sendable, Equatable {
    var name: String
    var line1: String
    var line2: String?
    var city: String
    var province: String
    var postalCode: String
    var country: String

    /// Trimmed and checked; every failure reported at once, under `billingAddress.<field>`.
    static func validated(
        name: String, line1: String, line2: String?, city: String, province: String?, postalCode: String, country: String?
    ) throws(FieldErrors) -> BillingAddress {
        func clean(_ value: String) -> String { value.trimmingCharacters(in: .whitespacesAndNewlines) }
        var errors: [FieldError] = []
        var address = BillingAddress(
            name: clean(name), line1: clean(line1), line2: line2.map(clean).flatMap { $0.isEmpty ? nil : $0 }, city: clean(city),
            province: clean(province ?? "QC").uppercased(), postalCode: clean(postalCode).uppercased(), country: clean(country ?? "CA").uppercased())
        for (field, value, limit) in [("name", address.name, 200), ("line1", address.line1, 200), ("city", address.city, 100)] {
            if value.isEmpty {
                errors.append(.required("billingAddress.\(field)"))
            } else if value.unicodeScalars.count > limit {
                errors.append(
                    .init(
                        field: "billingAddress.\(field)", code: "tooLong",
                        message: .init(fr: "Au plus \(limit) caractères.", en: "At most \(limit) characters.")))
            }
        }
        if address.country == "CA" {
            // "G5L 3A1", "g5l3a1" → "G5L 3A1"
            let compact = address.postalCode.filter { !$0.isWhitespace }
            if compact.count == 6, compact.enumerated().allSatisfy({ $0.offset % 2 == 0 ? $0.element.isLetter : $0.element.isNumber }),
                compact.allSatisfy(\.isASCII)
            {
                address.postalCode = compact.prefix(3) + " " + compact.suffix(3)
            } else {
                errors.append(
                    .init(
                        field: "billingAddress.postalCode", code: "invalidPostalCode",
                        message: .init(fr: "Un code postal comme G5L 3A1.", en: "A postal code like G5L 3A1.")))
            }
        } else if address.postalCode.isEmpty || address.postalCode.unicodeScalars.count > 12 {
            errors.append(.required("billingAddress.postalCode"))
        }
        if address.country.count != 2 || !address.country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            errors.append(
                .init(
                    field: "billingAddress.country", code: "invalidCountry",
                    message: .init(fr: "Un code de pays à deux lettres (CA).", en: "A two-letter country code (CA).")))
        }
        if address.province.unicodeScalars.count > 3 {
            errors.append(
                .init(
                    field: "billingAddress.province", code: "invalidProvince",
                    message: .init(fr: "Un code de province (QC).", en: "A province code (QC).")))
        }
        guard errors.isEmpty else { throw FieldErrors(errors) }
        return address
    }
}

/// A refund of part or all of a payment, to the original card.
struct PaymentRefund: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable { case pending, succeeded, failed }

    var id: UUID
    var paymentId: UUID
    var amountCents: Int64
    var status: Status
    var reason: String
    var refundRequestId: UUID?
    var registrationIds: [UUID] = []
    var receiptNumber: String?
    var creditNoteNumber: String?
    var failureCode: String?
    var createdAt: Date
    var completedAt: Date?
}
