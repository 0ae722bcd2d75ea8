/// Amounts as payers read them: "17,33 $" in French, "$17.33" in English; "17.33" in CSV.
enum MoneyText {
    static func format(_ cents: Int64, english: Bool) -> String {
        english ? "$" + plain(cents) : plain(cents).replacingOccurrences(of: ".", with: ",") + " $"
    }

    static func plain(_ cents: Int64) -> String {
        (cents < 0 ? "-" : "") + "\(abs(cents) / 100)." + String(format: "%02lld", abs(cents) % 100)
    }
}
