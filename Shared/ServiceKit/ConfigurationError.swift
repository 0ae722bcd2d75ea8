/// A setting that is missing or unusable; the service refuses to start and says which.
public enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let variable, let reason): "invalid setting \(variable): \(reason)"
        }
    }
}
