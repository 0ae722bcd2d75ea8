import Crypto

/// Lowercase hexadecimal, as digests appear in events and key ids.
public enum Hex {
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a text's UTF-8, in hex: the guest-token digest enrolment puts in its events and payment checks.
    public static func sha256(_ text: String) -> String {
        string(SHA256.hash(data: Array(text.utf8)))
    }
}
