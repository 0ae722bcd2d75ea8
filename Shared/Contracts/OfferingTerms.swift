import Foundation

/// A price that applies to participants of one organisation of origin (CAL: "le prix peut varier selon
/// l'établissement") and/or one residency (Baie-Comeau's resident and non-resident prices). The most specific
/// rule that matches wins; the offering's base price applies when none does.
public struct OfferingPrice: Codable, Sendable, Equatable {
    public var amount: MoneyAmount
    public var organisationOfOriginId: UUID?
    /// `resident` | `non-resident`
    public var residency: String?

    public init(amount: MoneyAmount, organisationOfOriginId: UUID?, residency: String?) {
        self.amount = amount
        self.organisationOfOriginId = organisationOfOriginId
        self.residency = residency
    }
}

/// Something bought by quantity (CSSPO: a macaroni meal at 5,50 $), optionally for one date.
public struct OfferingItem: Codable, Sendable, Equatable {
    public var itemId: UUID
    public var name: LocalizedName
    public var unitPrice: MoneyAmount
    /// `YYYY-MM-DD` when the item is for one date.
    public var date: String?
    public var maximumQuantity: Int?

    public init(itemId: UUID, name: LocalizedName, unitPrice: MoneyAmount, date: String?, maximumQuantity: Int?) {
        self.itemId = itemId
        self.name = name
        self.unitPrice = unitPrice
        self.date = date
        self.maximumQuantity = maximumQuantity
    }
}

/// The contract clauses accepted at registration (CAL step 12); a new text is a new version.
public struct ContractTerms: Codable, Sendable, Equatable {
    public var version: Int
    public var clauses: [LocalizedName]

    public init(version: Int, clauses: [LocalizedName]) {
        self.version = version
        self.clauses = clauses
    }
}

/// `none` (CSSPO: "aucun remboursement individuel possible"), `full-before-start`, `pro-rata`, or `on-request`
/// (the organisation's staff decide); an administration fee kept in every case.
public struct RefundPolicy: Codable, Sendable, Equatable {
    public var kind: String
    public var administrationFee: MoneyAmount?

    public init(kind: String, administrationFee: MoneyAmount?) {
        self.kind = kind
        self.administrationFee = administrationFee
    }
}

/// Documents asked at registration (an intervention plan: `not-asked` | `optional` | `required`).
public struct DocumentRequirements: Codable, Sendable, Equatable {
    public var interventionPlan: String
    public var acceptedTypes: [String]
    public var maximumBytes: Int

    public init(interventionPlan: String, acceptedTypes: [String], maximumBytes: Int) {
        self.interventionPlan = interventionPlan
        self.acceptedTypes = acceptedTypes
        self.maximumBytes = maximumBytes
    }
}

/// `enrolment.session.seats_changed`: how many seats of a session are held (in carts being paid) and confirmed.
public struct SessionSeatsEvent: Codable, Sendable, Equatable {
    public var sessionId: UUID
    public var version: Int64
    public var capacity: Int
    public var held: Int
    public var confirmed: Int

    public init(sessionId: UUID, version: Int64, capacity: Int, held: Int, confirmed: Int) {
        self.sessionId = sessionId
        self.version = version
        self.capacity = capacity
        self.held = held
        self.confirmed = confirmed
    }
}

/// Who may register: an age range on the session's first day, the schools whose pupils are eligible, and the
/// courses that must have been passed (by code).
public struct OfferingEligibility: Codable, Sendable, Equatable {
    public var minimumAge: Int?
    public var maximumAge: Int?
    public var eligibleOrganisationIds: [UUID]?
    public var prerequisiteCodes: [String]?

    public init(minimumAge: Int?, maximumAge: Int?, eligibleOrganisationIds: [UUID]?, prerequisiteCodes: [String]?) {
        self.minimumAge = minimumAge
        self.maximumAge = maximumAge
        self.eligibleOrganisationIds = eligibleOrganisationIds
        self.prerequisiteCodes = prerequisiteCodes
    }
}

/// A session's practical details: schedule, place or online, and the access instructions mailed at confirmation.
public struct SessionDetails: Codable, Sendable, Equatable {
    public var schedule: LocalizedName?
    public var location: LocalizedName?
    public var online: Bool
    public var accessInstructions: LocalizedName?

    public init(schedule: LocalizedName? = nil, location: LocalizedName? = nil, online: Bool = false, accessInstructions: LocalizedName? = nil) {
        self.schedule = schedule
        self.location = location
        self.online = online
        self.accessInstructions = accessInstructions
    }
}

/// A sales tax on a taxable offering's prices and items (Québec: GST 5 %, QST 9.975 %); most school
/// activities are exempt and list none. The tax of a line is rounded to the cent, half up.
public struct OfferingTax: Codable, Sendable, Equatable {
    /// `GST`, `QST`, `HST`…
    public var code: String
    public var name: LocalizedName
    /// A decimal percentage with at most three decimals: `"9.975"`.
    public var percent: String

    public init(code: String, name: LocalizedName, percent: String) {
        self.code = code
        self.name = name
        self.percent = percent
    }

    /// The rate in thousandths of a percent (9.975 % → 9975), or nil when `percent` is not such a number.
    public var milliPercent: Int64? {
        let parts = percent.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0, whole < 100, parts[0].count <= 2 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), let value = Int64(digits) else { return nil }
            fraction = value * Int64([1, 100, 10, 1][digits.count])
        }
        return whole * 1000 + fraction
    }

    /// This tax on `amountCents`, rounded half up to the cent.
    public func amountCents(on amountCents: Int64) -> Int64 {
        guard let rate = milliPercent else { return 0 }
        return (amountCents * rate + 50_000) / 100_000
    }
}

/// A payment plan an offering allows (parents of a 1,200 $ summer ask for one): a deposit paid at checkout, then
/// the rest in equal instalments charged to the card saved at checkout on these dates (the last takes the cents
/// left by rounding).
public struct PaymentPlanTerms: Codable, Sendable, Equatable {
    public var deposit: MoneyAmount
    /// `YYYY-MM-DD`, ascending, at most twelve.
    public var instalmentDates: [String]

    public init(deposit: MoneyAmount, instalmentDates: [String]) {
        self.deposit = deposit
        self.instalmentDates = instalmentDates
    }

    /// The deposit then each instalment of `totalCents`; nil when the plan does not apply (a total not above the
    /// deposit, no dates, or a first date that is not after `today`: nothing would be left to spread).
    public func split(totalCents: Int64, today: String) -> [Int64]? {
        let count = Int64(instalmentDates.count)
        guard count > 0, deposit.amountCents > 0, totalCents > deposit.amountCents, let first = instalmentDates.first, first > today else {
            return nil
        }
        let rest = totalCents - deposit.amountCents
        let each = rest / count
        guard each > 0 else { return nil }
        return [deposit.amountCents] + Array(repeating: each, count: Int(count) - 1) + [rest - each * (count - 1)]
    }
}
