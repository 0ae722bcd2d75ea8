import Foundation
import DomainKit

/// One row of an organisation's student or citizen records (Mozaïk's file number, Baie-Comeau's household file).
struct PersonRecord: Sendable, Equatable {
    var fileNumber: String
    var firstName: String
    var lastName: String
    var birthDate: String
    var school: String?
    var level: String?
    var group: String?
    var address: String?
    var guardianEmails: [String]
    var residency: String?
    /// The household the person lives in (Baie-Comeau: one file per member, members of a family share this key).
    var household: String? = nil
    var phone: String? = nil
    /// A college student's programme (500.A1).
    var programme: String? = nil

    /// Names compared regardless of accents, case, spaces, hyphens and apostrophes ("Lévesque-Côté" = "levesque cote").
    static func nameKey(first: String, last: String) -> String {
        (first + last).folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_CA"))
            .filter { $0.isLetter || $0.isNumber }
    }

    var nameKey: String { Self.nameKey(first: firstName, last: lastName) }
}

/// Reads a records export: a header line naming the columns (any order), then one record per line. Quoted
/// fields may hold commas, quotes ("") and line breaks. Each bad row is reported with its line number; good
/// rows are kept.
enum RecordsCSV {
    static let required = ["fileNumber", "firstName", "lastName", "birthDate"]
    static let optional = ["school", "level", "group", "address", "guardianEmails", "residency", "household", "phone", "programme"]

    struct Rejected: Sendable, Equatable {
        var line: Int
        var errors: [FieldError]
    }

    static let columnLimits = [
        ("firstName", 100), ("lastName", 100), ("school", 100), ("level", 40), ("group", 50), ("address", 300), ("guardianEmails", 2_000),
        ("household", 40), ("phone", 30), ("programme", 20),
    ]

    static func parse(_ text: String) -> (records: [PersonRecord], rejected: [Rejected], headerErrors: [FieldError]) {
        let rows = rows(of: text)
        guard let header = rows.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            return ([], [], [.init(field: "body", code: "empty", message: .init(fr: "Le fichier est vide.", en: "The file is empty."))])
        }
        let missing = required.filter { !header.contains($0) }
        guard missing.isEmpty else {
            return (
                [], [],
                missing.map {
                    .init(field: "body", code: "header", message: .init(fr: "Il manque la colonne \($0).", en: "The column \($0) is missing."))
                }
            )
        }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var records: [PersonRecord] = []
        var rejected: [Rejected] = []
        var seen = Set<String>()
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            func field(_ name: String) -> String? {
                guard let at = index[name], at < row.fields.count else { return nil }
                let value = row.fields[at].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            var errors: [FieldError] = []
            func refuse(_ column: String, _ code: String, fr: String, en: String) {
                errors.append(.init(field: column, code: code, message: .init(fr: fr, en: en)))
            }
            let fileNumber = field("fileNumber") ?? ""
            if fileNumber.isEmpty || fileNumber.count > 20 || !fileNumber.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                refuse("fileNumber", "invalid", fr: "De 1 à 20 lettres, chiffres ou traits d'union.", en: "1 to 20 letters, digits or hyphens.")
            } else if !seen.insert(fileNumber).inserted {
                refuse(
                    "fileNumber", "duplicate", fr: "Ce numéro de dossier est deux fois dans le fichier.",
                    en: "This file number appears twice in the file.")
            }
            if field("firstName") == nil { refuse("firstName", "required", fr: "Le prénom est obligatoire.", en: "The first name is required.") }
            if field("lastName") == nil { refuse("lastName", "required", fr: "Le nom est obligatoire.", en: "The last name is required.") }
            let birth = field("birthDate") ?? ""
            if CalendarDate(birth) == nil {
                refuse("birthDate", "invalid", fr: "Une date réelle, écrite AAAA-MM-JJ.", en: "A real date, written YYYY-MM-DD.")
            }
            let residency = field("residency")
            if let residency, residency != "resident", residency != "non-resident" {
                refuse("residency", "invalid", fr: "resident ou non-resident.", en: "resident or non-resident.")
            }
            let emails = (field("guardianEmails") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
            if emails.contains(where: { !EmailAddress.isPlausible(EmailAddress.normalized($0)) }) {
                refuse(
                    "guardianEmails", "invalid", fr: "Des adresses valides, séparées par des ;.", en: "Valid addresses separated by ;.")
            }
            // Every column within what the participant and record tables keep (characters as PostgreSQL counts them):
            // a row beyond them is reported, never a failed import.
            for (name, limit) in Self.columnLimits where (field(name)?.unicodeScalars.count ?? 0) > limit {
                refuse(name, "tooLong", fr: "Au plus \(limit) caractères.", en: "At most \(limit) characters.")
            }
            if row.fields.contains(where: { $0.unicodeScalars.contains("\u{0}") }) {
                refuse("row", "invalid", fr: "Le caractère NUL n'est pas permis.", en: "The NUL character is not allowed.")
            }
            guard errors.isEmpty else {
                rejected.append(.init(line: row.line, errors: errors))
                continue
            }
            records.append(
                PersonRecord(
                    fileNumber: fileNumber, firstName: field("firstName")!, lastName: field("lastName")!, birthDate: birth, school: field("school"),
                    level: field("level"), group: field("group"), address: field("address"), guardianEmails: emails, residency: residency,
                    household: field("household"), phone: field("phone"), programme: field("programme")))
        }
        return (records, rejected, [])
    }

    /// RFC 4180 rows with the line each starts on.
    static func rows(of text: String) -> [(line: Int, fields: [String])] {
        var rows: [(Int, [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        while let scalar = next() {
            if quoted {
                if scalar == "\"" {
                    if let after = next() {
                        if after == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = after }
                    } else {
                        quoted = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",": fields.append(field); field = ""
            case "\r": break
            case "\n":
                fields.append(field)
                rows.append((rowLine, fields))
                fields = []
                field = ""
                line += 1
                rowLine = line
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append((rowLine, fields))
        }
        return rows
    }
}
