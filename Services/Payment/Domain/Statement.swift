import Foundation

/// A payer's year: each payment made and each refund completed in it, for the whole account or one participant.
struct Statement: Sendable, Equatable {
    enum Kind: String, Sendable { case payment, refund }

    struct Entry: Sendable, Equatable {
        var kind: Kind
        var date: Date
        /// The receipt's number, or the credit note's.
        var document: String
        var receipt: Receipt
        var refundId: UUID?
        var reason: String?
        /// The receipt's lines it concerns (the participant's only, when the statement is one participant's).
        var lines: [Receipt.Line]
        var amountCents: Int64
    }

    /// A completed refund and the receipt of the payment it gave back.
    struct Refund: Sendable {
        var id: UUID
        var creditNoteNumber: String
        var completedAt: Date
        var amountCents: Int64
        var reason: String
        /// Empty: staff refunded part of the payment as a whole, which then concerns all its lines.
        var registrationIds: [UUID]
        var receipt: Receipt
    }

    var year: Int
    var participantId: UUID?
    var entries: [Entry]

    var paidCents: Int64 { entries.filter { $0.kind == .payment }.reduce(0) { $0 + $1.amountCents } }
    var refundedCents: Int64 { entries.filter { $0.kind == .refund }.reduce(0) { $0 + $1.amountCents } }

    /// Oldest first. For one participant, a payment counts their lines' totals and a refund its share of the lines
    /// it covers, in proportion to what each line cost (exact for a refund of one registration, enrolment's case).
    init(year: Int, participant: UUID?, receipts: [Receipt], refunds: [Refund]) {
        self.year = year
        participantId = participant
        func concerned(_ lines: [Receipt.Line]) -> [Receipt.Line] {
            guard let participant else { return lines }
            return lines.filter { $0.participantId == participant }
        }
        var entries: [Entry] = []
        for receipt in receipts {
            let lines = concerned(receipt.lines)
            guard !lines.isEmpty else { continue }
            let amount = participant == nil ? receipt.total.amountCents : lines.reduce(0) { $0 + $1.total.amountCents }
            entries.append(
                Entry(kind: .payment, date: receipt.issuedAt, document: receipt.number, receipt: receipt, lines: lines, amountCents: amount))
        }
        for refund in refunds {
            let named = Set(refund.registrationIds)
            let covered = named.isEmpty ? refund.receipt.lines : refund.receipt.lines.filter { named.contains($0.registrationId) }
            let lines = concerned(covered)
            guard !lines.isEmpty else { continue }
            var amount = refund.amountCents
            if participant != nil {
                let whole = covered.reduce(Int64(0)) { $0 + $1.total.amountCents }
                let share = lines.reduce(Int64(0)) { $0 + $1.total.amountCents }
                amount = whole > 0 ? refund.amountCents * share / whole : 0
            }
            entries.append(
                Entry(
                    kind: .refund, date: refund.completedAt, document: refund.creditNoteNumber, receipt: refund.receipt, refundId: refund.id,
                    reason: refund.reason, lines: lines, amountCents: amount))
        }
        self.entries = entries.sorted { ($0.date, $0.document) < ($1.date, $1.document) }
    }
}
