import Foundation
import OpenAPIRuntime

/// RFC 3339 date-times as JSON Schema's `format: date-time` allows them — fractional seconds or not, `Z` or any
/// offset up to ±23:59, either case of `T` and `Z` — read the same by the request validator and by the generated
/// handlers, so a value one accepts the other never refuses.
public enum RFC3339 {
    public static func date(_ text: String) -> Date? {
        let shape = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/
        guard let match = text.wholeMatch(of: shape) else { return nil }
        let output = match.output
        guard let year = Int(output.1), let month = Int(output.2), let day = Int(output.3), let hour = Int(output.4),
            let minute = Int(output.5), let second = Int(output.6), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: 0)
        guard let start = calendar.date(from: components), calendar.component(.day, from: start) == day else { return nil }
        var offset = 0
        if let sign = output.9, let hours = output.10.flatMap({ Int($0) }), let minutes = output.11.flatMap({ Int($0) }) {
            guard hours < 24, minutes < 60 else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        }
        let fraction = output.7.flatMap { Double("0" + $0) } ?? 0
        return start.addingTimeInterval(TimeInterval(second - offset) + fraction)
    }
}

/// The generated handlers' dates, read with `RFC3339` and written without fractional seconds, as before.
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    public func decode(_ text: String) throws -> Date {
        guard let date = RFC3339.date(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 date-time."))
        }
        return date
    }
}

extension OpenAPIRuntime.Configuration {
    /// The generated handlers' configuration, the same for every service.
    public static var guichet: OpenAPIRuntime.Configuration { .init(dateTranscoder: RFC3339DateTranscoder()) }
}
