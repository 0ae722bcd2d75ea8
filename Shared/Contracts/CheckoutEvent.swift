import Foundation

/// `enrolment.checkout.requested|expired`: a checkout of one selling organisation with its seat holds and the
/// amounts payment charges — payment never takes an amount from the client.
public struct CheckoutEvent: Codable, Sendable, Equatable {
    public struct Payer: Codable, Sendable, Equatable {
        /// Nil for a guest (CSSPO's registration without an account).
        public var accountId: UUID?
        public var email: String
        public var name: String?
        /// `fr` | `en`
        public var language: String?
        /// For a guest: the SHA-256 (hex) of the token enrolment gave them, which payment checks before letting
        /// them pay or read the receipt. Never the token itself.
        public var guestTokenSHA256: String?

        public init(accountId: UUID?, email: String, name: String?, language: String?, guestTokenSHA256: String? = nil) {
            self.accountId = accountId
            self.email = email
            self.name = name
            self.language = language
            self.guestTokenSHA256 = guestTokenSHA256
        }
    }

    /// Something bought by quantity on a line (three macaroni lunches on 11 January).
    public struct ItemLine: Codable, Sendable, Equatable {
        public var itemId: UUID
        public var name: LocalizedName
        public var date: String?
        public var quantity: Int
        public var unitPrice: MoneyAmount

        public init(itemId: UUID, name: LocalizedName, date: String?, quantity: Int, unitPrice: MoneyAmount) {
            self.itemId = itemId
            self.name = name
            self.date = date
            self.quantity = quantity
            self.unitPrice = unitPrice
        }
    }

    public struct TaxLine: Codable, Sendable, Equatable {
        public var code: String
        public var name: LocalizedName
        public var percent: String
        public var amount: MoneyAmount

        public init(code: String, name: LocalizedName, percent: String, amount: MoneyAmount) {
            self.code = code
            self.name = name
            self.percent = percent
            self.amount = amount
        }
    }

    /// One registration: the seat (quantity 1 at `unitPrice`), its items, and their taxes.
    public struct Line: Codable, Sendable, Equatable {
        public var registrationId: UUID
        public var participantId: UUID
        public var participantName: String
        public var offeringId: UUID
        public var offeringCode: String
        public var offeringTitle: LocalizedName
        public var sessionId: UUID
        public var quantity: Int
        public var unitPrice: MoneyAmount
        public var items: [ItemLine]
        public var taxes: [TaxLine]
        /// Seat and items before taxes.
        public var subtotal: MoneyAmount
        /// A childcare expenses receipt (Relevé 24) is due for this line.
        public var releve24: Bool
        /// `YYYY-MM-DD`, for the Relevé 24 (absent from checkouts made before it was sent).
        public var participantBirthDate: String?
        /// The group's first and last dates (`YYYY-MM-DD`): the days of care a Relevé 24 counts.
        public var sessionStartDate: String?
        public var sessionEndDate: String?

        public init(
            registrationId: UUID, participantId: UUID, participantName: String, offeringId: UUID, offeringCode: String,
            offeringTitle: LocalizedName, sessionId: UUID, unitPrice: MoneyAmount, items: [ItemLine], taxes: [TaxLine],
            subtotal: MoneyAmount, releve24: Bool, participantBirthDate: String? = nil, sessionStartDate: String? = nil,
            sessionEndDate: String? = nil
        ) {
            self.registrationId = registrationId
            self.participantId = participantId
            self.participantName = participantName
            self.offeringId = offeringId
            self.offeringCode = offeringCode
            self.offeringTitle = offeringTitle
            self.sessionId = sessionId
            quantity = 1
            self.unitPrice = unitPrice
            self.items = items
            self.taxes = taxes
            self.subtotal = subtotal
            self.releve24 = releve24
            self.participantBirthDate = participantBirthDate
            self.sessionStartDate = sessionStartDate
            self.sessionEndDate = sessionEndDate
        }
    }

    public var checkoutId: UUID
    public var version: Int64
    public var sellingOrganisationId: UUID
    public var payer: Payer
    public var lines: [Line]
    public var total: MoneyAmount
    public var holdExpiresAt: Date

    public init(
        checkoutId: UUID, version: Int64, sellingOrganisationId: UUID, payer: Payer, lines: [Line], total: MoneyAmount, holdExpiresAt: Date
    ) {
        self.checkoutId = checkoutId
        self.version = version
        self.sellingOrganisationId = sellingOrganisationId
        self.payer = payer
        self.lines = lines
        self.total = total
        self.holdExpiresAt = holdExpiresAt
    }
}

/// `enrolment.registration.confirmed|cancelled|expired`: a registration and who it concerns.
public struct RegistrationEvent: Codable, Sendable, Equatable {
    public var registrationId: UUID
    public var version: Int64
    public var participantId: UUID
    public var offeringId: UUID
    public var sessionId: UUID
    public var guardianAccountIds: [UUID]
    public var checkoutId: UUID?

    public init(
        registrationId: UUID, version: Int64, participantId: UUID, offeringId: UUID, sessionId: UUID, guardianAccountIds: [UUID],
        checkoutId: UUID?
    ) {
        self.registrationId = registrationId
        self.version = version
        self.participantId = participantId
        self.offeringId = offeringId
        self.sessionId = sessionId
        self.guardianAccountIds = guardianAccountIds
        self.checkoutId = checkoutId
    }
}

/// `enrolment.refund.requested`: money to give back for a registration, the offering's policy already applied.
public struct RefundRequestedEvent: Codable, Sendable, Equatable {
    public var refundRequestId: UUID
    public var version: Int64
    public var registrationId: UUID
    public var checkoutId: UUID
    public var amount: MoneyAmount
    /// `cancelled-by-guardian` | `cancelled-by-staff` | `no-seat-after-late-payment` | `offering-cancelled`
    public var reason: String

    public init(refundRequestId: UUID, version: Int64, registrationId: UUID, checkoutId: UUID, amount: MoneyAmount, reason: String) {
        self.refundRequestId = refundRequestId
        self.version = version
        self.registrationId = registrationId
        self.checkoutId = checkoutId
        self.amount = amount
        self.reason = reason
    }
}

/// `payment.charge.succeeded|failed`: the outcome of a checkout's charge.
public struct ChargeEvent: Codable, Sendable, Equatable {
    public var paymentId: UUID
    public var version: Int64
    public var checkoutId: UUID
    public var amount: MoneyAmount
    public var receiptNumber: String?
    public var reason: String?
    /// On a failure: true when the payer may still pay the checkout with another card before its hold expires
    /// (a declined card), so its seats stay held; false or absent when the checkout cannot be paid any more.
    public var retryable: Bool?

    public init(
        paymentId: UUID, version: Int64, checkoutId: UUID, amount: MoneyAmount, receiptNumber: String?, reason: String?, retryable: Bool? = nil
    ) {
        self.paymentId = paymentId
        self.version = version
        self.checkoutId = checkoutId
        self.amount = amount
        self.receiptNumber = receiptNumber
        self.reason = reason
        self.retryable = retryable
    }
}

/// `enrolment.invoice.requested|cancelled`: what a family owes for registrations staff made first and bill later
/// (Baie-Comeau's desk, Clara's funding sources), due by a date. Payment numbers it, mails it and lets the payer pay
/// it by card; a cancelled invoice cannot be paid any more.
public struct InvoiceEvent: Codable, Sendable, Equatable {
    public var invoiceId: UUID
    public var version: Int64
    public var sellingOrganisationId: UUID
    /// A guardian's account: an invoice is paid from the portal.
    public var payer: CheckoutEvent.Payer
    public var lines: [CheckoutEvent.Line]
    public var total: MoneyAmount
    /// `YYYY-MM-DD`, in Quebec.
    public var dueDate: String

    public init(
        invoiceId: UUID, version: Int64, sellingOrganisationId: UUID, payer: CheckoutEvent.Payer, lines: [CheckoutEvent.Line], total: MoneyAmount,
        dueDate: String
    ) {
        self.invoiceId = invoiceId
        self.version = version
        self.sellingOrganisationId = sellingOrganisationId
        self.payer = payer
        self.lines = lines
        self.total = total
        self.dueDate = dueDate
    }
}

/// `payment.invoice.paid`: an invoice paid by card, with its number and the receipt's.
public struct InvoicePaidEvent: Codable, Sendable, Equatable {
    public var invoiceId: UUID
    public var version: Int64
    public var invoiceNumber: String
    public var paymentId: UUID
    public var receiptNumber: String
    public var registrationIds: [UUID]
    public var amount: MoneyAmount

    public init(
        invoiceId: UUID, version: Int64, invoiceNumber: String, paymentId: UUID, receiptNumber: String, registrationIds: [UUID], amount: MoneyAmount
    ) {
        self.invoiceId = invoiceId
        self.version = version
        self.invoiceNumber = invoiceNumber
        self.paymentId = paymentId
        self.receiptNumber = receiptNumber
        self.registrationIds = registrationIds
        self.amount = amount
    }
}

/// `payment.refund.completed`: money given back to the card, for these registrations.
public struct RefundCompletedEvent: Codable, Sendable, Equatable {
    public var refundId: UUID
    public var version: Int64
    public var paymentId: UUID
    public var checkoutId: UUID
    public var registrationIds: [UUID]
    public var amount: MoneyAmount
    /// The `enrolment.refund.requested` it answers, when it answers one (staff may refund on their own).
    public var refundRequestId: UUID?

    public init(
        refundId: UUID, version: Int64, paymentId: UUID, checkoutId: UUID, registrationIds: [UUID], amount: MoneyAmount, refundRequestId: UUID?
    ) {
        self.refundId = refundId
        self.version = version
        self.paymentId = paymentId
        self.checkoutId = checkoutId
        self.registrationIds = registrationIds
        self.amount = amount
        self.refundRequestId = refundRequestId
    }
}

/// `payment.releve24.issued|amended|cancelled`: a Relevé 24 slip issued (code R), amending (A) or cancelling (D)
/// the slip numbered `replacesNumber`. Never carries the payer's social insurance number.
public struct Releve24SlipEvent: Codable, Sendable, Equatable {
    public var slipId: UUID
    public var version: Int64
    public var organisationId: UUID
    public var year: Int
    /// `R` | `A` | `D`
    public var code: String
    /// Nine digits, the last a check digit.
    public var number: String
    public var replacesNumber: String?
    public var payerAccountId: UUID
    public var participantId: UUID
    public var careDays: Int
    /// Box C.
    public var feesPaid: MoneyAmount
    /// Box D.
    public var notEligible: MoneyAmount
    /// Box E = C − D.
    public var eligible: MoneyAmount

    public init(
        slipId: UUID, version: Int64, organisationId: UUID, year: Int, code: String, number: String, replacesNumber: String?,
        payerAccountId: UUID, participantId: UUID, careDays: Int, feesPaid: MoneyAmount, notEligible: MoneyAmount, eligible: MoneyAmount
    ) {
        self.slipId = slipId
        self.version = version
        self.organisationId = organisationId
        self.year = year
        self.code = code
        self.number = number
        self.replacesNumber = replacesNumber
        self.payerAccountId = payerAccountId
        self.participantId = participantId
        self.careDays = careDays
        self.feesPaid = feesPaid
        self.notEligible = notEligible
        self.eligible = eligible
    }
}
