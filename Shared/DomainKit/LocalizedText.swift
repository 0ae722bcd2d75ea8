import Foundation

/// A text a person reads, in both official languages of the deployment.
public struct LocalizedText: Codable, Sendable, Equatable {
    public var fr: String
    public var en: String

    public init(fr: String, en: String) {
        self.fr = fr
        self.en = en
    }

    public func text(for language: Language) -> String {
        language == .fr ? fr : en
    }
}

public enum Language: String, Codable, Sendable, CaseIterable {
    case fr, en

    /// The first of `fr`/`en` named in an `Accept-Language` header, French otherwise (Quebec default).
    public static func negotiate(acceptLanguage: String?) -> Language {
        guard let header = acceptLanguage?.lowercased() else { return .fr }
        for part in header.split(separator: ",") {
            let tag = part.split(separator: ";")[0].trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("fr") { return .fr }
            if tag.hasPrefix("en") { return .en }
        }
        return .fr
    }
}

/// One invalid field of a request, reported with a stable code.
public struct FieldError: Codable, Sendable, Equatable {
    public var field: String
    public var code: String
    public var message: LocalizedText

    public init(field: String, code: String, message: LocalizedText) {
        self.field = field
        self.code = code
        self.message = message
    }
}

extension FieldError {
    public static func required(_ field: String) -> FieldError {
        FieldError(field: field, code: "required", message: .init(fr: "Ce champ est obligatoire.", en: "This field is required."))
    }

    public static func invalidIdentifier(_ field: String) -> FieldError {
        FieldError(field: field, code: "invalid", message: .init(fr: "Identifiant invalide.", en: "Invalid identifier."))
    }
}

/// Fields a domain rule refused, each with a stable code and a message in both languages; the API answers
/// them as a 422 `/problems/validation`.
public struct FieldErrors: Error, Sendable, Equatable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }
}
