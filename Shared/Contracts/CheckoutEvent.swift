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
        /// On a payment plan, which part of the line's price this is: 0 the deposit, then 1…count the instalments.
        public var planPart: PlanPart?

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

        /// The line's price incl. taxes.
        public var totalCents: Int64 { subtotal.amountCents + taxes.reduce(0) { $0 + $1.amount.amountCents } }

        /// The line cut in parts of these amounts (a deposit, then instalments): each part's taxes in proportion,
        /// rounded half up, the last taking what is left of each tax, so that the parts' taxes add up to the line's.
        public func split(_ parts: [Int64]) -> [Line] {
            var left = taxes.map(\.amount.amountCents)
            return parts.enumerated().map { index, cents in
                var part = share(cents, part: .init(number: index, count: parts.count - 1))
                if index == parts.count - 1 {
                    for (tax, amount) in left.enumerated() { part.taxes[tax].amount = .init(amountCents: amount) }
                    part.subtotal = .init(amountCents: cents - left.reduce(0, +))
                } else {
                    for (tax, line) in part.taxes.enumerated() { left[tax] -= line.amount.amountCents }
                }
                return part
            }
        }

        /// `cents` of this line's price, as a line: subtotal, taxes and item prices in proportion (rounded half up;
        /// the subtotal takes what rounding leaves), so what it pays reads as the line does, e.g. the share of
        /// a Relevé 24's box D.
        public func share(_ cents: Int64, part: PlanPart) -> Line {
            let whole = totalCents
            guard whole > 0 else { return self }
            func scaled(_ value: Int64) -> Int64 { (value * cents * 2 + whole) / (whole * 2) }
            var line = self
            line.taxes = taxes.map {
                .init(code: $0.code, name: $0.name, percent: $0.percent, amount: .init(amountCents: scaled($0.amount.amountCents)))
            }
            line.subtotal = .init(amountCents: cents - line.taxes.reduce(0) { $0 + $1.amount.amountCents })
            line.items = items.map {
                .init(
                    itemId: $0.itemId, name: $0.name, date: $0.date, quantity: $0.quantity,
                    unitPrice: .init(amountCents: scaled($0.unitPrice.amountCents)))
            }
            line.unitPrice = .init(amountCents: scaled(unitPrice.amountCents))
            line.planPart = part
            return line
        }
    }

    public struct PlanPart: Codable, Sendable, Equatable {
        /// 0 for the deposit, then 1…`count`.
        public var number: Int
        /// How many instalments follow the deposit.
        public var count: Int

        public init(number: Int, count: Int) {
            self.number = number
            self.count = count
        }
    }

    /// A later part of a line on a payment plan: payment charges it to the card saved at checkout on its date.
    public struct Instalment: Codable, Sendable, Equatable {
        public var instalmentId: UUID
        /// `YYYY-MM-DD`, in Quebec.
        public var dueDate: String
        /// The line's share (its `planPart` says which).
        public var line: Line

        public init(instalmentId: UUID, dueDate: String, line: Line) {
            self.instalmentId = instalmentId
            self.dueDate = dueDate
            self.line = line
        }
    }

    public var checkoutId: UUID
    public var version: Int64
    public var sellingOrganisationId: UUID
    public var payer: Payer
    public var lines: [Line]
    /// What is charged now: the lines, a deposit for a line on a payment plan.
    public var total: MoneyAmount
    public var holdExpiresAt: Date
    /// The later parts of lines on a payment plan, charged once this checkout is paid.
    public var instalments: [Instalment]?

    public init(
        checkoutId: UUID, version: Int64, sellingOrganisationId: UUID, payer: Payer, lines: [Line], total: MoneyAmount, holdExpiresAt: Date,
        instalments: [Instalment]? = nil
    ) {
        self.checkoutId = checkoutId
        self.version = version
        self.sellingOrganisationId = sellingOrganisationId
        self.payer = payer
        self.lines = lines
        self.total = total
        self.holdExpiresAt = holdExpiresAt
        self.instalments = instalments
    }
}

/// `payment.instalment.paid`: a later part of a registration on a payment plan, charged to the saved card (or paid
/// by the family after a refusal). Enrolment counts it in what the registration paid, for refunds.
public struct InstalmentPaidEvent: Codable, Sendable, Equatable {
    public var instalmentId: UUID
    public var version: Int64
    public var checkoutId: UUID
    public var registrationId: UUID
    public var paymentId: UUID
    public var receiptNumber: String
    public var amount: MoneyAmount

    public init(
        instalmentId: UUID, version: Int64, checkoutId: UUID, registrationId: UUID, paymentId: UUID, receiptNumber: String, amount: MoneyAmount
    ) {
        self.instalmentId = instalmentId
        self.version = version
        self.checkoutId = checkoutId
        self.registrationId = registrationId
        self.paymentId = paymentId
        self.receiptNumber = receiptNumber
        self.amount = amount
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
    /// Why, when it says more than the event's type: `no-seat-after-late-payment` on an expiry said again once a
    /// late payment found no seat (the hold's own expiry has none).
    public var reason: String?

    public init(
        registrationId: UUID, version: Int64, participantId: UUID, offeringId: UUID, sessionId: UUID, guardianAccountIds: [UUID],
        checkoutId: UUID?, reason: String? = nil
    ) {
        self.registrationId = registrationId
        self.version = version
        self.participantId = participantId
        self.offeringId = offeringId
        self.sessionId = sessionId
        self.guardianAccountIds = guardianAccountIds
        self.checkoutId = checkoutId
        self.reason = reason
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
    /// With `refundRequestId`: false while other parts of the answer are still to complete (a registration paid by
    /// instalments is refunded from each payment that paid it); true on the last. Absent: the request is answered.
    public var requestComplete: Bool?
    /// With `requestComplete`: what the request's parts refunded so far, this one included (parts may be heard in
    /// any order).
    public var requestRefunded: MoneyAmount?

    public init(
        refundId: UUID, version: Int64, paymentId: UUID, checkoutId: UUID, registrationIds: [UUID], amount: MoneyAmount, refundRequestId: UUID?,
        requestComplete: Bool? = nil, requestRefunded: MoneyAmount? = nil
    ) {
        self.refundId = refundId
        self.version = version
        self.paymentId = paymentId
        self.checkoutId = checkoutId
        self.registrationIds = registrationIds
        self.amount = amount
        self.refundRequestId = refundRequestId
        self.requestComplete = requestComplete
        self.requestRefunded = requestRefunded
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
