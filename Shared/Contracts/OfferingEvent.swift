import Foundation

public struct LocalizedName: Codable, Sendable, Equatable {
    public var fr: String
    public var en: String

    public init(fr: String, en: String) {
        self.fr = fr
        self.en = en
    }
}

public struct MoneyAmount: Codable, Sendable, Equatable {
    public var amountCents: Int64
    public var currency: String

    public init(amountCents: Int64, currency: String = "CAD") {
        self.amountCents = amountCents
        self.currency = currency
    }
}

/// `catalogue.offering.published|updated|closed|cancelled`: the offering as it now is, with everything
/// enrolment needs to hold seats and price a cart. `version` grows with each change; a consumer keeps the
/// highest it has seen and drops older ones.
public struct OfferingEvent: Codable, Sendable, Equatable {
    public struct Session: Codable, Sendable, Equatable {
        public var sessionId: UUID
        public var name: LocalizedName
        public var startsOn: String
        public var endsOn: String
        public var capacity: Int
        public var waitlistSize: Int
        /// When it meets ("du lundi au jeudi, 9 h à 12 h"), where, or online.
        public var schedule: LocalizedName?
        public var location: LocalizedName?
        public var online: Bool?
        /// Mailed to the participant at confirmation (CAL: how to join the online class); never shown publicly.
        public var accessInstructions: LocalizedName?

        public init(
            sessionId: UUID, name: LocalizedName, startsOn: String, endsOn: String, capacity: Int, waitlistSize: Int,
            details: SessionDetails? = nil
        ) {
            self.sessionId = sessionId
            self.name = name
            self.startsOn = startsOn
            self.endsOn = endsOn
            self.capacity = capacity
            self.waitlistSize = waitlistSize
            schedule = details?.schedule
            location = details?.location
            online = details?.online
            accessInstructions = details?.accessInstructions
        }
    }

    public var offeringId: UUID
    public var version: Int64
    public var status: String
    public var sellingOrganisationId: UUID
    public var code: String
    public var title: LocalizedName
    public var basePrice: MoneyAmount
    public var registrationOpensAt: Date?
    public var registrationClosesAt: Date?
    public var sessions: [Session]
    // Added after v1's first release: optional, so consumers of older events still decode them.
    public var categoryId: UUID?
    public var subjectId: UUID?
    public var levels: [String]?
    public var programmeId: UUID?
    public var schoolYear: String?
    public var term: String?
    public var prices: [OfferingPrice]?
    public var items: [OfferingItem]?
    public var contract: ContractTerms?
    public var refundPolicy: RefundPolicy?
    public var documents: DocumentRequirements?
    public var eligibility: OfferingEligibility?
    /// Shown before registering (CAL: a webcam and a headset).
    public var requirements: [LocalizedName]?
    /// Participant fields the organisation needs (group-repère, teacher…).
    public var participantFields: [String]?
    /// Childcare expenses receipt (Relevé 24) issued for this offering.
    public var childcareReceipt: Bool?
    /// Sales taxes on the prices and items; none when the offering is exempt.
    public var taxes: [OfferingTax]?
    /// A deposit at checkout and the rest in instalments, when the organisation allows it.
    public var paymentPlan: PaymentPlanTerms?

    public init(
        offeringId: UUID, version: Int64, status: String, sellingOrganisationId: UUID, code: String, title: LocalizedName,
        basePrice: MoneyAmount, registrationOpensAt: Date?, registrationClosesAt: Date?, sessions: [Session],
        categoryId: UUID? = nil, subjectId: UUID? = nil, levels: [String]? = nil, programmeId: UUID? = nil, schoolYear: String? = nil,
        term: String? = nil, prices: [OfferingPrice]? = nil, items: [OfferingItem]? = nil, contract: ContractTerms? = nil,
        refundPolicy: RefundPolicy? = nil, documents: DocumentRequirements? = nil, eligibility: OfferingEligibility? = nil,
        requirements: [LocalizedName]? = nil, participantFields: [String]? = nil, childcareReceipt: Bool? = nil,
        taxes: [OfferingTax]? = nil, paymentPlan: PaymentPlanTerms? = nil
    ) {
        self.offeringId = offeringId
        self.version = version
        self.status = status
        self.sellingOrganisationId = sellingOrganisationId
        self.code = code
        self.title = title
        self.basePrice = basePrice
        self.registrationOpensAt = registrationOpensAt
        self.registrationClosesAt = registrationClosesAt
        self.sessions = sessions
        self.categoryId = categoryId
        self.subjectId = subjectId
        self.levels = levels
        self.programmeId = programmeId
        self.schoolYear = schoolYear
        self.term = term
        self.prices = prices
        self.items = items
        self.contract = contract
        self.refundPolicy = refundPolicy
        self.documents = documents
        self.eligibility = eligibility
        self.requirements = requirements
        self.participantFields = participantFields
        self.childcareReceipt = childcareReceipt
        self.taxes = taxes
        self.paymentPlan = paymentPlan
    }
}
