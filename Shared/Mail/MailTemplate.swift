import Foundation
import Mustache

/// One kind of mail in French and English: a subject, a plain-text body and an HTML body per language,
/// each a Mustache template. Subjects and text bodies are rendered without HTML escaping; HTML bodies escape
/// every `{{value}}`, so a name typed at sign-up can never inject markup into a mail.
public struct MailTemplate: Sendable {
    public struct Parts: Sendable {
        public var subject: String
        public var text: String
        public var html: String

        public init(subject: String, text: String, html: String) {
            self.subject = subject
            self.text = text
            self.html = html
        }
    }

    public enum Language: String, Sendable, Codable, CaseIterable {
        case fr, en
    }

    private let templates: [Language: (subject: MustacheTemplate, text: MustacheTemplate, html: MustacheTemplate)]

    /// Fails at start-up (not at the first mail) when a template does not parse.
    public init(fr: Parts, en: Parts) throws {
        func compile(_ parts: Parts) throws -> (MustacheTemplate, MustacheTemplate, MustacheTemplate) {
            (
                try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + parts.subject),
                try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + parts.text),
                try MustacheTemplate(string: parts.html)
            )
        }
        templates = [.fr: try compile(fr), .en: try compile(en)]
    }

    /// The mail for `to`, in `language`, with `values` (a dictionary of strings, or nested dictionaries) filled in.
    public func message(
        language: Language, from: MailMessage.Address, to: MailMessage.Address, values: [String: Any], date: Date,
        id: UUID = UUID()
    ) -> MailMessage {
        let template = templates[language]!
        let subject = template.subject.render(values).trimmingCharacters(in: .whitespacesAndNewlines)
        return MailMessage(
            id: id, from: from, to: [to], subject: subject, text: template.text.render(values),
            html: template.html.render(values), date: date)
    }
}
