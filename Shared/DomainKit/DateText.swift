import Foundation

/// Dates as people read them in mails, receipts and pages: `3 juillet 2027` / `July 3, 2027`, in the
/// organisations' time zone whatever the server's.
public enum DateText {
    public static func day(_ date: Date, _ language: Language) -> String {
        date.formatted(style(date: .long, time: .omitted, language))
    }

    /// The time of day alone (`9 h 20`, `9:20 a.m.`), where the organisations are.
    public static func time(_ date: Date, _ language: Language) -> String {
        date.formatted(style(date: .omitted, time: .shortened, language))
    }

    public static func dayAndTime(_ date: Date, _ language: Language) -> String {
        date.formatted(style(date: .long, time: .shortened, language))
    }

    private static func style(date: Date.FormatStyle.DateStyle, time: Date.FormatStyle.TimeStyle, _ language: Language) -> Date.FormatStyle {
        var style = Date.FormatStyle(date: date, time: time).locale(Locale(identifier: language == .fr ? "fr_CA" : "en_CA"))
        style.timeZone = CalendarDate.timeZone
        return style
    }
}
