import Foundation
import DomainKit

/// The deployment's password rules. `seeds` is what the replaced platforms ask (8 characters, 3 of 4 kinds);
/// `asvs5` is ASVS 5.0's recommendation (15 characters, no composition rule). Both cap the length at 128,
/// refuse the 10,000 most common passwords and a password containing the email's local part.
struct PasswordPolicy: Sendable {
    enum Mode: String, Sendable {
        case seeds, asvs5
    }

    static let maximumLength = 128

    var mode: Mode
    var minimumLength: Int

    init(mode: Mode, minimumLength: Int? = nil) {
        self.mode = mode
        self.minimumLength = minimumLength ?? (mode == .seeds ? 8 : 15)
    }

    /// The form passwords are compared and hashed in: Unicode NFC, so "é" typed either way is one password.
    static func normalized(_ password: String) -> String {
        password.precomposedStringWithCanonicalMapping
    }

    struct Rule: Sendable {
        var code: String
        var text: LocalizedText
    }

    /// The rules in force, in the words a refusal uses: shown before a person types, and in each refusal.
    var rules: [Rule] {
        var rules = [
            Rule(code: "tooShort", text: .init(fr: "Au moins \(minimumLength) caractères.", en: "At least \(minimumLength) characters.")),
            Rule(code: "tooLong", text: .init(fr: "Au plus \(Self.maximumLength) caractères.", en: "At most \(Self.maximumLength) characters.")),
        ]
        if mode == .seeds {
            rules.append(
                Rule(
                    code: "notEnoughCharacterKinds",
                    text: .init(
                        fr: "Au moins 3 de ces 4 types : minuscule, majuscule, chiffre, symbole.",
                        en: "At least 3 of these 4 kinds: lowercase, uppercase, digit, symbol.")))
        }
        rules.append(Rule(code: "common", text: .init(fr: "Ne pas être un mot de passe courant.", en: "Not a common password.")))
        rules.append(
            Rule(code: "containsEmail", text: .init(fr: "Ne pas contenir votre courriel.", en: "Must not contain your email.")))
        return rules
    }

    /// Every unmet rule, by name, with its message in French and English; empty when the password is acceptable.
    func violations(of password: String, email: String) -> [FieldError] {
        let password = Self.normalized(password)
        var unmet: Set<String> = []
        if password.count < minimumLength { unmet.insert("tooShort") }
        if password.count > Self.maximumLength { unmet.insert("tooLong") }
        if mode == .seeds {
            let kinds = [
                password.contains { $0.isLowercase },
                password.contains { $0.isUppercase },
                password.contains { $0.isNumber },
                password.contains { !$0.isLetter && !$0.isNumber },
            ].filter { $0 }.count
            if kinds < 3 { unmet.insert("notEnoughCharacterKinds") }
        }
        if Self.isCommon(password) { unmet.insert("common") }
        let localPart = email.split(separator: "@").first.map { Self.normalized(String($0)).lowercased() } ?? ""
        if localPart.count >= 3, password.lowercased().contains(localPart) { unmet.insert("containsEmail") }
        return rules.filter { unmet.contains($0.code) }.map { FieldError(field: "password", code: $0.code, message: $0.text) }
    }

    /// Common passwords and their usual disguises: case, trailing digits and symbols (`Password123!`),
    /// look-alike substitutions (`Passw0rd`, `P@ssw0rd`, `$oleil`) and accents (`Bienvenüe`), in French and English.
    static func isCommon(_ password: String) -> Bool {
        let lowered = password.lowercased()
        if CommonPasswords.set.contains(lowered) { return true }
        let folded = lowered.folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        var stem = Substring(folded)
        while let last = stem.last, !last.isLetter { stem = stem.dropLast() }
        while let first = stem.first, !first.isLetter && !first.isNumber { stem = stem.dropFirst() }
        // "1" reads as i or l; every other look-alike has one reading.
        let substitutions: [Character: Character] = [
            "0": "o", "3": "e", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t", "!": "i", "8": "b", "+": "t",
        ]
        var candidates: Set<String> = [String(stem)]
        for one in ["i", "l"] as [Character] {
            candidates.insert(String(stem.map { $0 == "1" ? one : substitutions[$0] ?? $0 }))
        }
        return candidates.contains { $0.count >= 4 && (CommonPasswords.set.contains($0) || CommonPasswords.french.contains($0)) }
    }
}
