import DomainKit
import Foundation

/// Money, dates and numbers as each language writes them: `1 234,50 $` and `3 juillet 2027` in French,
/// `$1,234.50` and `July 3, 2027` in English.
enum Formatting {
    static func money(cents: Int64, _ language: Language) -> String {
        let negative = cents < 0
        let magnitude = cents.magnitude
        let units = group(magnitude / 100, separator: language == .fr ? "\u{00A0}" : ",")
        let fraction = String(format: "%02d", Int(magnitude % 100))
        let amount = language == .fr ? "\(units),\(fraction)\u{00A0}$" : "$\(units).\(fraction)"
        return negative ? "-" + amount : amount
    }

    /// An amount as a person types it in a field ("12,50" in French, "12.50" in English): no sign, no grouping.
    static func typedAmount(cents: Int64, _ language: Language) -> String {
        let fraction = String(format: "%02d", Int(cents.magnitude % 100))
        return "\(cents.magnitude / 100)\(language == .fr ? "," : ".")\(fraction)"
    }

    static func number(_ value: Int, _ language: Language) -> String {
        (value < 0 ? "-" : "") + group(UInt64(value.magnitude), separator: language == .fr ? "\u{00A0}" : ",")
    }

    private static func group(_ value: UInt64, separator: String) -> String {
        let digits = Array(String(value))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += separator }
            out.append(digit)
        }
        return out
    }

    /// A calendar date (`2027-07-03`) in words; the text itself when it is not one.
    static func day(_ isoDate: String, _ language: Language) -> String {
        DateText.day(iso: isoDate, language)
    }

    /// A span of calendar dates, first – last, in words.
    static func days(_ first: String, _ last: String, _ language: Language) -> String {
        day(first, language) + " – " + day(last, language)
    }

    /// A file's size as people read it: `850 ko` / `850 KB` below a megabyte, `4,8 Mo` / `4.8 MB` above.
    static func size(bytes: Int, _ language: Language) -> String {
        if bytes < 1_000_000 {
            return number(max(1, (bytes + 999) / 1000), language) + (language == .fr ? "\u{00A0}ko" : " KB")
        }
        let tenths = (bytes + 50_000) / 100_000
        let whole = number(tenths / 10, language)
        let text = tenths % 10 == 0 ? whole : whole + (language == .fr ? "," : ".") + String(tenths % 10)
        return text + (language == .fr ? "\u{00A0}Mo" : " MB")
    }

    /// A document's type as people name it.
    static func documentType(_ contentType: String) -> String {
        switch contentType {
        case "application/pdf": "PDF"
        case "image/jpeg": "JPEG"
        case "image/png": "PNG"
        default: contentType
        }
    }
}
