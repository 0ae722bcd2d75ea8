import Contracts
import Crypto
import DomainKit
import Foundation

/// Relevé 24 (childcare expenses slip, Revenu Québec's RL-24): one per payer × child × year, for what that
/// payer paid for offerings flagged as childcare, net of refunds.
enum Releve24 {
    /// R original, A amended, D cancelled: an issued slip is never edited; a change is a new slip with its own number.
    enum Code: String, Codable, Sendable {
        case original = "R"
        case amended = "A"
        case cancelled = "D"
    }

    enum Status: String, Codable, Sendable {
        /// Generated, waiting for staff to issue it.
        case draft
        case issued
        /// Issued, then amended or cancelled by a later slip.
        case replaced
    }

    /// A Revenu Québec preparer number: `NP` and 6 digits.
    static func isPreparerNumber(_ text: String) -> Bool {
        text.count == 8 && text.hasPrefix("NP") && text.dropFirst(2).allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// The 9-digit slip number for an 8-digit sequence from the preparer's range: the ninth digit is the
    /// sequence's remainder modulo 7 (the check Revenu Québec applies to its slips' numbers).
    static func slipNumber(sequence: Int64) -> Int64 {
        sequence * 10 + sequence % 7
    }

    static func isSlipNumber(_ number: Int64) -> Bool {
        (10_000_000...999_999_999).contains(number) && number % 10 == (number / 10) % 7
    }

    /// Box D's part of a paid line: its items (meals, outings, things bought by quantity) with their share of
    /// the line's taxes, never more than the line.
    static func notEligibleCents(_ line: CheckoutEvent.Line, taxCents: Int64) -> Int64 {
        let items = line.items.reduce(Int64(0)) { $0 + $1.unitPrice.amountCents * Int64($1.quantity) }
        let subtotal = line.subtotal.amountCents
        guard items > 0, subtotal > 0 else { return 0 }
        let total = subtotal + taxCents
        // Rounded half up, in integers.
        return min(total, (items * total * 2 + subtotal) / (subtotal * 2))
    }

    /// An 8-digit sequence from Revenu Québec's range (the check digit is added at issue).
    static func isSequence(_ value: Int64) -> Bool { (1_000_000...99_999_999).contains(value) }

    /// The organisation's preparer number and the range of slip numbers Revenu Québec assigned it.
    struct Preparer: Sendable, Equatable {
        var preparerNumber: String
        var firstSequence: Int64
        var lastSequence: Int64
        var nextSequence: Int64
        var version: Int64
    }

    /// A slip as stored: its figures, and who and what it names.
    struct Slip: Sendable {
        var id: UUID
        var organisationId: UUID
        var year: Int
        var payerAccountId: UUID
        var participantId: UUID
        var code: Releve24.Code
        var status: Releve24.Status
        var number: Int64?
        var replacesNumber: Int64?
        var boxes: Releve24.Boxes
        var payerName: String
        var payerAddress: BillingAddress
        var participantName: String
        var participantBirthDate: String?
        var issuedAt: Date?
        var delivery: String?
        var taxNumberLastDigits: String?
    }

    /// The slip's boxes: fees paid (C), the part not eligible (D: items, meals, outings), the eligible amount (E = C − D).
    struct Boxes: Codable, Sendable, Equatable {
        var careDays: Int
        var feesPaidCents: Int64
        var notEligibleCents: Int64
        var eligibleCents: Int64 { feesPaidCents - notEligibleCents }
    }
}

/// A social insurance number: 9 digits passing the Luhn check, never starting with 0 or 8 (not assigned).
/// Printed, logged or dumped, it shows only masked.
struct TaxNumber: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let digits: String

    /// Accepts what people write (spaces, hyphens); nil when it is not a SIN.
    init?(_ text: String) {
        let digits = text.filter { !$0.isWhitespace && $0 != "-" }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let first = digits.first, first != "0", first != "8"
        else { return nil }
        var sum = 0
        for (index, character) in digits.enumerated() {
            var value = character.wholeNumberValue! * (index % 2 == 0 ? 1 : 2)
            if value > 9 { value -= 9 }
            sum += value
        }
        guard sum % 10 == 0 else { return nil }
        self.digits = digits
    }

    /// What pages show: `*** *** 046`.
    var masked: String { Self.masked(lastDigits: String(digits.suffix(3))) }

    static func masked(lastDigits: String) -> String { "*** *** \(lastDigits)" }

    var description: String { masked }
    var debugDescription: String { masked }
    var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }
}

/// The keys that seal social insurance numbers, by key id; the newest seals, the older ones still open what
/// they sealed until those rows are sealed again (rotation without a stop).
struct TaxNumberKeys: Sendable {
    let current: (id: String, key: SymmetricKey)
    let older: [String: SymmetricKey]

    /// One key per line, `<key-id> <base64 of at least 32 random bytes>`; the last line seals.
    init(text: String) throws(TaxNumberKeyError) {
        var keys: [(String, SymmetricKey)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[1])), bytes.count >= 32,
                parts[0].count <= 40, parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else { throw .malformed }
            // HKDF: the stored bytes are a secret, the sealing key is derived for this one purpose.
            keys.append(
                (
                    String(parts[0]),
                    HKDF<SHA256>.deriveKey(
                        inputKeyMaterial: SymmetricKey(data: bytes), info: Data("guichet payment tax number".utf8), outputByteCount: 32)
                ))
        }
        guard let last = keys.last, Set(keys.map(\.0)).count == keys.count else { throw .malformed }
        current = last
        older = Dictionary(uniqueKeysWithValues: keys.dropLast())
    }

    func seal(_ number: TaxNumber, account: UUID) throws -> Data {
        try AES.GCM.seal(Data(number.digits.utf8), using: current.key, authenticating: Self.context(account)).combined!
    }

    func open(_ sealed: Data, keyId: String, account: UUID) throws -> TaxNumber? {
        guard let key = keyId == current.id ? current.key : older[keyId] else { return nil }
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Self.context(account))
        return TaxNumber(String(decoding: plain, as: UTF8.self))
    }

    /// Bound to its account: a sealed number copied to another row does not open.
    private static func context(_ account: UUID) -> Data { Data("tax-number \(account.uuidString.lowercased())".utf8) }
}

enum TaxNumberKeyError: Error { case malformed }
