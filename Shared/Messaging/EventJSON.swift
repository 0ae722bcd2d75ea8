import Foundation

/// The JSON form of every event payload: sorted keys, RFC 3339 times with milliseconds.
public enum EventJSON {
    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// RFC 3339 with or without fractional seconds (producers outside Guichet may omit them).
    public static func parseTime(_ text: String) -> Date? {
        (try? timeFormat.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(timeFormat))
        }
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = parseTime(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        return decoder
    }()
}
