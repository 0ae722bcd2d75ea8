import Foundation

/// A mail as Guichet sends it: UTF-8 text, optionally with an HTML alternative.
public struct MailMessage: Sendable, Codable, Equatable {
    public struct Address: Sendable, Codable, Equatable {
        public var email: String
        public var name: String?

        public init(email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }

    public var id: UUID
    public var from: Address
    public var to: [Address]
    public var subject: String
    public var text: String
    public var html: String?
    public var date: Date

    public init(id: UUID = UUID(), from: Address, to: [Address], subject: String, text: String, html: String? = nil, date: Date) {
        self.id = id
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.date = date
    }

    /// The RFC 5322 form: header words in RFC 2047 UTF-8, bodies in base64, CRLF line ends.
    public func rendered() -> [UInt8] {
        var lines: [String] = [
            "Message-ID: <\(id.uuidString.lowercased())@guichet>",
            "Date: \(Self.rfc5322Date(date))",
            "From: \(Self.header(from))",
            "To: \(to.map(Self.header).joined(separator: ", "))",
            "Subject: \(Self.encodedWord(subject))",
            "MIME-Version: 1.0",
        ]
        if let html {
            let boundary = "guichet-\(id.uuidString.lowercased())"
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            for (type, body) in [("text/plain", text), ("text/html", html)] {
                lines.append("--\(boundary)")
                lines += Self.part(type: type, body: body)
            }
            lines.append("--\(boundary)--")
        } else {
            lines += Self.part(type: "text/plain", body: text)
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static func part(type: String, body: String) -> [String] {
        let encoded = Data(body.utf8).base64EncodedString()
        var chunks: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            chunks.append(String(encoded[index..<end]))
            index = end
        }
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""] + chunks + [""]
    }

    static func header(_ address: Address) -> String {
        // Addresses are checked where they are accepted (EmailAddress); a line break must still never reach a header.
        let email = String(
            address.email.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) && $0 != "\u{2028}" && $0 != "\u{2029}" })
        guard let name = address.name, !name.isEmpty else { return email }
        return "\(encodedWord(name)) <\(email)>"
    }

    /// ASCII text as is; anything else as one or more `=?UTF-8?B?…?=` words (each under 75 characters).
    static func encodedWord(_ text: String) -> String {
        let sanitized = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if sanitized.allSatisfy({ $0.isASCII }) { return sanitized }
        var words: [String] = []
        var current = ""
        for character in sanitized {
            if (current + String(character)).utf8.count > 45 {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: " ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
