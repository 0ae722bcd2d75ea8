import Contracts
import Foundation
import DomainKit

/// What a cancelled registration gets back under its offering's policy: nothing (CSSPO: "aucun remboursement
/// individuel possible"), everything before the start, the part of the session not yet given, or (`on-request`)
/// what the organisation decides, at most what was paid; the administration fee is kept in every case.
enum RefundRules {
    /// `priceCents`: the registration's whole price, when only part was paid yet (a payment plan): `pro-rata` then
    /// keeps the price of the days given, whatever was paid.
    static func refund(
        paidCents: Int64, priceCents: Int64? = nil, policy: RefundPolicy?, startsOn: CalendarDate, endsOn: CalendarDate, today: CalendarDate
    ) -> Int64 {
        guard let policy, paidCents > 0 else { return 0 }
        let fee = policy.administrationFee?.amountCents ?? 0
        let gross: Int64
        switch policy.kind {
        case "full-before-start":
            gross = today < startsOn ? paidCents : 0
        case "pro-rata":
            if today < startsOn {
                gross = paidCents
            } else if endsOn < today {
                gross = 0
            } else {
                // Days left from today (not yet given) over the session's days, both ends included.
                let total = Int64(startsOn.days(until: endsOn) + 1)
                let left = Int64(today.days(until: endsOn))
                let price = priceCents ?? paidCents
                gross = max(0, paidCents - price + price * left / total)
            }
        case "on-request":
            // The most the organisation may grant, whenever the family asks: staff decide (Cancellations.decide).
            gross = paidCents
        default:
            gross = 0
        }
        return max(0, gross - fee)
    }
}
