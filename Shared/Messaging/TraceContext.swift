import Foundation

/// W3C Trace Context (`traceparent: 00-<trace id>-<parent id>-<flags>`), carried from the HTTP request that caused
/// a change to the events it records, and from a consumed event to the events its handler records, so one trace
/// id follows a registration from the parent's click to every service that reacted.
public struct TraceContext: Sendable, Equatable {
    public var traceID: String
    public var parentID: String
    public var flags: String

    /// The context of the work in progress (an HTTP request, an event being handled); nil for background work.
    @TaskLocal public static var current: TraceContext?

    /// Parses a `traceparent` header; nil when it is not a valid version-00 value (then a new trace starts).
    public init?(traceparent: String) {
        let parts = traceparent.trimmingCharacters(in: .whitespaces).lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.dropFirst().allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
            parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16)
        else { return nil }
        (traceID, parentID, flags) = (String(parts[1]), String(parts[2]), String(parts[3]))
    }

    init(traceID: String, parentID: String, flags: String) {
        (self.traceID, self.parentID, self.flags) = (traceID, parentID, flags)
    }

    /// A new trace, sampled.
    public static func root() -> TraceContext {
        TraceContext(traceID: randomHex(bytes: 16), parentID: randomHex(bytes: 8), flags: "01")
    }

    /// The same trace with a new span id: what this hop passes on (an event it records).
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, parentID: Self.randomHex(bytes: 8), flags: flags)
    }

    public var traceparent: String { "00-\(traceID)-\(parentID)-\(flags)" }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
