import Foundation

/// Email addresses as identity keeps them: trimmed, NFC, lower-cased (people type their address with capitals
/// on one device and not on the other; no provider we serve distinguishes case).
enum EmailAddress {
    static func normalized(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    /// A deliberately plain check (one `@`, a dotted domain, no spaces, ≤ 254 characters): the verification
    /// mail is the real test.
    static func isPlausible(_ normalized: String) -> Bool {
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard normalized.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
            && !normalized.contains { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" }
    }
}
