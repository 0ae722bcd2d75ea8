import Foundation

/// Email addresses as Guichet keeps and mails them: trimmed, NFC, lower-cased (people type their address with
/// capitals on one device and not on the other; no provider we serve distinguishes case). One rule for every
/// service that accepts an address, so what one accepts another can mail.
public enum EmailAddress {
    public static func normalized(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
    }

    /// A deliberately plain check (one `@`, a dotted domain, ≤ 254 characters), the verification mail being the
    /// real test — but nothing a person cannot see or a mail header must not carry: no spaces or line breaks,
    /// no control or invisible formatting characters (right-to-left overrides, zero-width spaces), no emoji or
    /// other symbols, none of `"(),:;<>[\]`. Letters of any script are allowed (RFC 6531).
    public static func isPlausible(_ normalized: String) -> Bool {
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard normalized.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let (local, domain) = (parts[0], parts[1])
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
            !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..")
        else { return false }
        let localPunctuation = Set<Unicode.Scalar>("!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
        func allowed(_ scalar: Unicode.Scalar, extra: Set<Unicode.Scalar>) -> Bool {
            if scalar.isASCII { return CharacterSet.alphanumerics.contains(scalar) || extra.contains(scalar) }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
                .nonspacingMark, .spacingMark:
                return true
            default:
                return false
            }
        }
        return local.unicodeScalars.allSatisfy { allowed($0, extra: localPunctuation) }
            && domain.unicodeScalars.allSatisfy { allowed($0, extra: ["-", "."]) }
    }

    /// The normalised address when it passes `isPlausible`.
    public static func validated(_ email: String) -> String? {
        let email = normalized(email)
        return isPlausible(email) ? email : nil
    }
}
