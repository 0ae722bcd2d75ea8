import Contracts
import Foundation
import ServiceKit

/// Something people register for: a course, an activity, an outing, a fund-raiser.
struct Offering: Sendable, Equatable {
    enum Status: String, Sendable {
        case draft, published, closed, cancelled
    }

    struct Session: Sendable, Equatable {
        var id: UUID
        var name: LocalizedText
        var startsOn: String
        var endsOn: String
        var capacity: Int
        var waitlistSize: Int
    }

    var id: UUID
    var sellingOrganisationId: UUID
    var code: String
    var categoryId: UUID?
    var title: LocalizedText
    var basePriceCents: Int64
    var registrationOpensAt: Date?
    var registrationClosesAt: Date?
    var status: Status
    var version: Int64
    var sessions: [Session]

    /// The event payload consumers keep a copy of.
    var event: OfferingEvent {
        OfferingEvent(
            offeringId: id, version: version, status: status.rawValue, sellingOrganisationId: sellingOrganisationId,
            code: code, title: .init(fr: title.fr, en: title.en), basePrice: .init(amountCents: basePriceCents),
            registrationOpensAt: registrationOpensAt, registrationClosesAt: registrationClosesAt,
            sessions: sessions.map {
                .init(
                    sessionId: $0.id, name: .init(fr: $0.name.fr, en: $0.name.en), startsOn: $0.startsOn, endsOn: $0.endsOn,
                    capacity: $0.capacity, waitlistSize: $0.waitlistSize)
            })
    }
}

enum OfferingRules {
    static let maximumPriceCents: Int64 = 10_000_000
    static let maximumCapacity = 100_000

    /// Checks a new offering; every problem is reported at once, with the field it concerns.
    static func validate(
        code: String, title: LocalizedText, basePriceCents: Int64, opensAt: Date?, closesAt: Date?,
        sessions: [Offering.Session]
    ) throws(Problem) {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field, code: code, message: .init(fr: fr, en: en)))
        }
        let trimmedCode = code.trimmingCharacters(in: .whitespaces)
        if trimmedCode.isEmpty || trimmedCode.count > 40 {
            add("code", "invalid", fr: "Le code est obligatoire (40 caractères au plus).", en: "The code is required (at most 40 characters).")
        }
        for (field, text) in [("title.fr", title.fr), ("title.en", title.en)]
        where text.trimmingCharacters(in: .whitespaces).isEmpty || text.count > 200 {
            add(field, "invalid", fr: "Le titre est obligatoire (200 caractères au plus).", en: "The title is required (at most 200 characters).")
        }
        if !(0...maximumPriceCents).contains(basePriceCents) {
            add("basePrice.amountCents", "outOfRange", fr: "Le prix doit être entre 0 et 100 000 $.", en: "The price must be between $0 and $100,000.")
        }
        if let opensAt, let closesAt, closesAt <= opensAt {
            add("registrationClosesAt", "beforeOpening", fr: "La fin des inscriptions doit suivre leur début.", en: "Registration must close after it opens.")
        }
        if sessions.isEmpty {
            add("sessions", "required", fr: "Au moins une session est requise.", en: "At least one session is required.")
        }
        for (index, session) in sessions.enumerated() {
            let start = CalendarDate(session.startsOn)
            let end = CalendarDate(session.endsOn)
            if start == nil { add("sessions[\(index)].startsOn", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).") }
            if end == nil { add("sessions[\(index)].endsOn", "invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).") }
            if let start, let end, end < start {
                add("sessions[\(index)].endsOn", "beforeStart", fr: "La fin doit suivre le début.", en: "The end must follow the start.")
            }
            if !(0...maximumCapacity).contains(session.capacity) || !(0...maximumCapacity).contains(session.waitlistSize) {
                add("sessions[\(index)].capacity", "outOfRange", fr: "Capacité invalide.", en: "Invalid capacity.")
            }
        }
        guard errors.isEmpty else { throw .validation(errors) }
    }
}

/// What parents search with; every filter is optional and they combine.
struct OfferingSearch: Sendable {
    var words: [String] = []
    var categoryId: UUID?
    var organisationId: UUID?
    var openAt: Date?
    var from: String?
    var to: String?

    /// The words of a query, each at least 2 characters, at most 8 of them, with LIKE's wildcards made literal.
    static func words(of query: String?) -> [String] {
        guard let query else { return [] }
        return query.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init).filter { $0.count >= 2 }.prefix(8).map {
            $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
        }
    }
}

extension Problem {
    static let unknownCategory = Problem.validation([
        FieldError(field: "categoryId", code: "unknown", message: .init(fr: "Cette catégorie n'existe pas.", en: "This category does not exist."))
    ])

    static let offeringNotDraft = Problem(
        type: "/problems/offering-not-draft", status: .conflict,
        title: .init(fr: "Seule une offre en brouillon peut être publiée.", en: "Only a draft offering can be published."))

    static let duplicateOfferingCode = Problem(
        type: "/problems/duplicate-code", status: .conflict,
        title: .init(fr: "Ce code est déjà utilisé par votre organisme.", en: "Your organisation already uses this code."))
}
