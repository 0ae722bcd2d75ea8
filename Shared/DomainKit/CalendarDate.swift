import Foundation

/// A `YYYY-MM-DD` calendar date (birth dates, session days), compared without time zones.
public struct CalendarDate: Comparable, Sendable, Hashable, CustomStringConvertible {
    /// Dates of "today" are taken in Quebec's time zone.
    public static let timeZone = TimeZone(identifier: "America/Montreal")!

    public var year: Int
    public var month: Int
    public var day: Int

    /// Strict `YYYY-MM-DD` that names a real day; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public init(_ instant: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        year = parts.year!
        month = parts.month!
        day = parts.day!
    }

    /// Whole years from this date to `later` (an age on a given day; a 29 February birthday counts on 1 March).
    public func years(until later: CalendarDate) -> Int {
        later.year - year - ((later.month, later.day) < (month, day) ? 1 : 0)
    }

    /// Day arithmetic in UTC, where every day has 24 hours.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// This date's midnight in UTC.
    private var utcMidnight: Date { Self.utc.date(from: DateComponents(year: year, month: month, day: day))! }

    /// Days from this date to `later` (0 for the same day, negative when `later` is earlier).
    public func days(until later: CalendarDate) -> Int {
        Self.utc.dateComponents([.day], from: utcMidnight, to: later.utcMidnight).day!
    }

    /// The date `count` days later (earlier when negative).
    public func adding(days count: Int) -> CalendarDate {
        let parts = Self.utc.dateComponents([.year, .month, .day], from: Self.utc.date(byAdding: .day, value: count, to: utcMidnight)!)
        var moved = self
        (moved.year, moved.month, moved.day) = (parts.year!, parts.month!, parts.day!)
        return moved
    }

    /// A year where the organisations are, as instants: from its first midnight to the next year's (excluded).
    /// What "paid in 2026" means for a statement, a Relevé 24 or a yearly report.
    public static func yearInstants(_ year: Int) -> (start: Date, end: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return (
            calendar.date(from: DateComponents(year: year, month: 1, day: 1))!, calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))!
        )
    }

    /// Noon of this day where the organisations are: the instant that is this date whatever the server's zone.
    public var noon: Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = Self.timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
    }

    /// Monday to Friday from this date to `last`, both included (0 when `last` is earlier): the days of care a
    /// day camp's week counts.
    public func weekdays(through last: CalendarDate) -> Int {
        let span = days(until: last) + 1
        guard span > 0 else { return 0 }
        // 1 = Sunday … 7 = Saturday; Monday becomes 0.
        let first = (Self.utc.component(.weekday, from: utcMidnight) + 5) % 7
        let weeks = span / 7
        var count = weeks * 5
        for offset in 0..<(span % 7) where (first + offset) % 7 < 5 { count += 1 }
        return count
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
