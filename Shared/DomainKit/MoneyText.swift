import Foundation

/// Amounts as payers read them in mails, receipts and files (payment's, enrolment's): "17,33 $" in French,
/// "$17.33" in English; "17.33" in CSV.
public enum MoneyText {
    public static func format(_ cents: Int64, english: Bool) -> String {
        english ? "$" + plain(cents) : plain(cents).replacingOccurrences(of: ".", with: ",") + " $"
    }

    public static func plain(_ cents: Int64) -> String {
        (cents < 0 ? "-" : "") + "\(abs(cents) / 100)." + String(format: "%02lld", abs(cents) % 100)
    }
}
