import Foundation

/// Dates as people read them in mails, receipts and pages: `3 juillet 2027` / `July 3, 2027`, in the
/// organisations' time zone whatever the server's.
public enum DateText {
    public static func day(_ date: Date, _ language: Language) -> String {
        date.formatted(style(date: .long, time: .omitted, language))
    }

    /// A calendar date (`2027-07-03`) in words, the same day whatever the server's zone.
    public static func day(_ date: CalendarDate, _ language: Language) -> String {
        day(date.noon, language)
    }

    /// An ISO date as `day(_:_:)` writes it; anything else as it is.
    public static func day(iso text: String, _ language: Language) -> String {
        CalendarDate(text).map { day($0, language) } ?? text
    }

    /// The time of day alone (`9 h 20`, `12 h`, `9:20 a.m.`), where the organisations are. French is written as
    /// the Office québécois de la langue française asks (Foundation's fr_CA gives `09:20`).
    public static func time(_ date: Date, _ language: Language) -> String {
        guard language == .fr else { return date.formatted(style(date: .omitted, time: .shortened, language)) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDate.timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = parts.minute ?? 0
        return "\(parts.hour ?? 0)\u{00A0}h" + (minute == 0 ? "" : "\u{00A0}" + (minute < 10 ? "0" : "") + String(minute))
    }

    /// `3 juillet 2027 à 9 h 20`, `July 3, 2027 at 9:20 a.m.`.
    public static func dayAndTime(_ date: Date, _ language: Language) -> String {
        guard language == .fr else { return date.formatted(style(date: .long, time: .shortened, language)) }
        return day(date, .fr) + " à " + time(date, .fr)
    }

    private static func style(date: Date.FormatStyle.DateStyle, time: Date.FormatStyle.TimeStyle, _ language: Language) -> Date.FormatStyle {
        var style = Date.FormatStyle(date: date, time: time).locale(Locale(identifier: language == .fr ? "fr_CA" : "en_CA"))
        style.timeZone = CalendarDate.timeZone
        return style
    }
}
