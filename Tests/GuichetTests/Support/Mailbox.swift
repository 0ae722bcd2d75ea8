import Foundation
import Testing

/// Mails a service wrote with the file transport (one `.eml` each), read back as a person would.
struct ReceivedMail {
    var to: String
    var subject: String
    var text: String
    var html: String

    /// The first 6-digit number of the text: the code.
    var code: String? {
        text.firstMatch(of: /\b(\d{6})\b/).map { String($0.1) }
    }

    /// The verification link's token.
    var linkToken: String? {
        text.firstMatch(of: /compte\/confirmer\?token=([A-Za-z0-9_-]+)/).map { String($0.1) }
    }
}

struct Mailbox {
    let directory: String

    func all() throws -> [ReceivedMail] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        // In the order the relay delivered them (names start with the mail's date, which a test clock may fix).
        let paths = names.filter { $0.hasSuffix(".eml") }.map { "\(directory)/\($0)" }
        let dated = try paths.map { path -> (Date, String) in
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return ((attributes[.modificationDate] as? Date) ?? .distantPast, path)
        }
        return try dated.sorted { $0.0 < $1.0 }.map { try Self.parse(String(contentsOfFile: $0.1, encoding: .utf8)) }
    }

    func mails(to address: String) throws -> [ReceivedMail] {
        let address = address.lowercased()
        return try all().filter { $0.to.lowercased() == address || $0.to.lowercased().hasSuffix("<\(address)>") }
    }

    /// Waits for the `count`-th mail to `address` (the relay delivers within a second or so).
    func waitForMail(to address: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ReceivedMail {
        var found: [ReceivedMail] = []
        try await eventually("mail \(count) to \(address)", timeout: .seconds(15), sourceLocation: sourceLocation) {
            found = try mails(to: address)
            return found.count >= count
        }
        return found[count - 1]
    }

    /// RFC 2047: encoded words are joined without the spaces between them; plain ASCII stays as is.
    static func decodeSubject(_ header: String) -> String {
        header.contains("=?") ? MailTests.decodeWords(header) : header
    }

    static func parse(_ eml: String) -> ReceivedMail {
        let lines = eml.components(separatedBy: "\r\n")
        func header(_ name: String) -> String {
            lines.first { $0.hasPrefix("\(name): ") }.map { String($0.dropFirst(name.count + 2)) } ?? ""
        }
        var parts: [String: String] = [:]
        var index = 0
        while index < lines.count {
            if lines[index].hasPrefix("Content-Type: text/") {
                let type = lines[index].contains("text/html") ? "html" : "text"
                // Headers of the part, a blank line, then base64 until a blank line or a boundary.
                while index < lines.count, !lines[index].isEmpty { index += 1 }
                index += 1
                var base64 = ""
                while index < lines.count, !lines[index].isEmpty, !lines[index].hasPrefix("--") {
                    base64 += lines[index]
                    index += 1
                }
                parts[type] = String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
            }
            index += 1
        }
        return ReceivedMail(
            to: header("To"), subject: decodeSubject(header("Subject")), text: parts["text"] ?? "", html: parts["html"] ?? "")
    }
}
