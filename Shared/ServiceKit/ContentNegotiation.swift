import OpenAPIRuntime

/// Choosing between a route's response types (CSV or HTML beside JSON).
public enum ContentNegotiation {
    /// Whether the client asks for `wanted` over `other`. The generated code fills an absent `Accept` with every
    /// type at equal quality, so a tie keeps `other` (JSON).
    public static func prefers<T: AcceptableProtocol>(_ wanted: T, over other: T, in accept: [AcceptHeaderContentType<T>]) -> Bool {
        func quality(_ type: T) -> Double { accept.first { $0.contentType == type }?.quality.doubleValue ?? -1 }
        return quality(wanted) > quality(other)
    }
}
