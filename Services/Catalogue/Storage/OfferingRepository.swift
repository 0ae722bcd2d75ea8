import Contracts
import Database
import Foundation
import Logging
import Outbox
import PostgresNIO
import ServiceKit

protocol OfferingRepository: Sendable {
    func create(_ offering: Offering, at: Date) async throws
    func find(id: UUID) async throws -> Offering?
    /// Moves a draft to published and records `catalogue.offering.published` in the same transaction.
    func publish(id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void) async throws -> Offering?
    /// Loads the offering locked, lets `change` edit it (it may throw), saves what it may change, bumps the
    /// version and records `event` (nil: none) in the same transaction.
    func update(
        id: UUID, at: Date, event: @Sendable (Offering) -> String?, change: @Sendable (inout Offering) throws -> Void
    ) async throws -> Offering?
    /// Lets `change` edit one session of the offering (locked), then refuses a capacity below the confirmed seats
    /// and, once published, groups that no longer hold the items' dates or the registration period; saves the
    /// session, bumps the version and emits a published offering's change. Nil when either is not found.
    func changeSession(
        offering id: UUID, session: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void,
        change: @Sendable (inout Offering.Session) throws -> Void
    ) async throws -> Offering?
    /// Adds a session to an offering that is not cancelled, as `changeSession` saves one.
    func addSession(
        _ session: Offering.Session, offering id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void
    ) async throws -> Offering?
    /// Offerings matching `search` (of its statuses), in its order then by id, after the given key.
    func search(_ search: OfferingSearch, after: (String, UUID)?, limit: Int) async throws -> [(sortKey: String, offering: Offering)]
    /// Records the current state of every published offering again (projection rebuilds).
    func republishAll(at: Date) async throws -> Int
}

struct PostgresOfferingRepository: OfferingRepository {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    func create(_ offering: Offering, at: Date) async throws {
        do {
            try await client.transaction(logger: logger) { connection in
                try await Self.checkLevels(offering.levels, on: connection, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO offerings (id, selling_organisation_id, code, category_id, subject_id, levels, programme_id, school_year, term,
                        terms, title_fr, title_en, base_price_cents, registration_opens_at, registration_closes_at, status, version,
                        created_at, updated_at)
                    VALUES (\(offering.id), \(offering.sellingOrganisationId), \(offering.code), \(offering.categoryId),
                        \(offering.subjectId), \(offering.levels), \(offering.programmeId), \(offering.schoolYear), \(offering.term),
                        \(try Self.json(offering.terms))::jsonb, \(offering.title.fr),
                        \(offering.title.en), \(offering.basePriceCents), \(offering.registrationOpensAt),
                        \(offering.registrationClosesAt), \(offering.status.rawValue), \(offering.version), \(at), \(at))
                    """, logger: logger)
                for session in offering.sessions {
                    try await connection.query(
                        """
                        INSERT INTO sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size, details)
                        VALUES (\(session.id), \(offering.id), \(session.name.fr), \(session.name.en), \(session.startsOn)::date,
                            \(session.endsOn)::date, \(session.capacity), \(session.waitlistSize),
                            \(try Self.json(session.details))::jsonb)
                        """, logger: logger)
                }
            }
        } catch  where error.sqlState == "23505" {
            throw Problem.duplicateOfferingCode
        } catch {
            throw Problem.unknownReference(error) ?? error
        }
    }

    func find(id: UUID) async throws -> Offering? {
        try await client.withConnection { connection in
            try await Self.load(id: id, lock: false, on: connection, logger: logger)
        }
    }

    func publish(id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void) async throws -> Offering? {
        try await update(id: id, at: at, event: { _ in EventName.offeringPublished }) { offering in
            try authorize(offering)
            guard offering.status == .draft else { throw Problem.offeringNotDraft }
            let missing = offering.missingForPublication
            guard missing.isEmpty else { throw Problem.offeringIncomplete(missing) }
            offering.status = .published
        }
    }

    func update(
        id: UUID, at: Date, event: @Sendable (Offering) -> String?, change: @Sendable (inout Offering) throws -> Void
    ) async throws -> Offering? {
        do {
            return try await client.transaction(logger: logger) { connection -> Offering? in
                guard var offering = try await Self.load(id: id, lock: true, on: connection, logger: logger) else { return nil }
                let before = offering
                try change(&offering)
                guard offering != before else { return offering }
                try await Self.checkLevels(offering.levels, on: connection, logger: logger)
                offering.version += 1
                let terms = try Self.json(offering.terms)
                try await connection.query(
                    """
                    UPDATE offerings SET title_fr = \(offering.title.fr), title_en = \(offering.title.en), category_id = \(offering.categoryId),
                        subject_id = \(offering.subjectId), levels = \(offering.levels), programme_id = \(offering.programmeId),
                        school_year = \(offering.schoolYear), term = \(offering.term),
                        base_price_cents = \(offering.basePriceCents), registration_opens_at = \(offering.registrationOpensAt),
                        registration_closes_at = \(offering.registrationClosesAt), status = \(offering.status.rawValue),
                        terms = \(terms)::jsonb, version = \(offering.version), updated_at = \(at)
                    WHERE id = \(id)
                    """, logger: logger)
                if let routingKey = event(offering) {
                    try await Self.record(routingKey, offering, at: at, on: connection, logger: logger)
                }
                return offering
            }
        } catch {
            throw Problem.unknownReference(error) ?? error
        }
    }

    func changeSession(
        offering id: UUID, session: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void,
        change: @Sendable (inout Offering.Session) throws -> Void
    ) async throws -> Offering? {
        try await client.transaction(logger: logger) { connection -> Offering? in
            guard var offering = try await Self.load(id: id, lock: true, on: connection, logger: logger) else { return nil }
            try authorize(offering)
            guard let index = offering.sessions.firstIndex(where: { $0.id == session }) else { return nil }
            guard offering.status != .cancelled else { throw Problem.offeringStatus(offering.status) }
            let before = offering.sessions[index]
            try change(&offering.sessions[index])
            guard offering.sessions[index] != before else { return offering }
            // The confirmed count read under the session's lock; enrolment re-checks its own holds against capacity.
            guard offering.sessions[index].capacity >= before.confirmed else { throw Problem.capacityBelowConfirmed(before.confirmed) }
            try Self.checkSessions(of: offering, changed: index)
            offering.version += 1
            let changed = offering.sessions[index]
            try await connection.query(
                """
                UPDATE sessions SET name_fr = \(changed.name.fr), name_en = \(changed.name.en), starts_on = \(changed.startsOn)::date,
                    ends_on = \(changed.endsOn)::date, capacity = \(changed.capacity), waitlist_size = \(changed.waitlistSize),
                    details = \(try Self.json(changed.details))::jsonb
                WHERE id = \(session)
                """, logger: logger)
            try await Self.saveSessionChange(&offering, at: at, on: connection, logger: logger)
            return offering
        }
    }

    func addSession(
        _ session: Offering.Session, offering id: UUID, at: Date, authorize: @Sendable (Offering) throws -> Void
    ) async throws -> Offering? {
        try await client.transaction(logger: logger) { connection -> Offering? in
            guard var offering = try await Self.load(id: id, lock: true, on: connection, logger: logger) else { return nil }
            try authorize(offering)
            guard offering.status != .cancelled else { throw Problem.offeringStatus(offering.status) }
            guard offering.sessions.count < OfferingRules.maximumSessions else { throw Problem.tooManySessions }
            offering.sessions.append(session)
            try Self.checkSessions(of: offering, changed: offering.sessions.count - 1)
            offering.version += 1
            try await connection.query(
                """
                INSERT INTO sessions (id, offering_id, name_fr, name_en, starts_on, ends_on, capacity, waitlist_size, details)
                VALUES (\(session.id), \(offering.id), \(session.name.fr), \(session.name.en), \(session.startsOn)::date,
                    \(session.endsOn)::date, \(session.capacity), \(session.waitlistSize), \(try Self.json(session.details))::jsonb)
                """, logger: logger)
            try await Self.saveSessionChange(&offering, at: at, on: connection, logger: logger)
            return offering
        }
    }

    /// The session's own rules (with its fields named without the `sessions[i].` prefix: the caller names one
    /// session) and, once published, the offering's dates as publication checked them.
    private static func checkSessions(of offering: Offering, changed index: Int) throws {
        var errors = OfferingRules.sessionErrors([offering.sessions[index]]).map {
            var error = $0
            error.field = String(error.field.dropFirst("sessions[0].".count))
            return error
        }
        if offering.status != .draft { errors += offering.incoherentDates }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    private static func saveSessionChange(_ offering: inout Offering, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        // Listed as `load` orders them, so the answer and the event read like every later one.
        offering.sessions.sort { ($0.startsOn, $0.name.fr, $0.id.uuidString) < ($1.startsOn, $1.name.fr, $1.id.uuidString) }
        try await connection.query(
            "UPDATE offerings SET version = \(offering.version), updated_at = \(at) WHERE id = \(offering.id)", logger: logger)
        if offering.status != .draft {
            try await record(EventName.offeringUpdated, offering, at: at, on: connection, logger: logger)
        }
    }

    func search(_ search: OfferingSearch, after: (String, UUID)?, limit: Int) async throws -> [(sortKey: String, offering: Offering)] {
        // One LIKE per word on the trigram-indexed `search_text`; the rest are plain binds.
        var bindings = PostgresBindings()
        func bind(_ value: some PostgresEncodable & Sendable) throws -> String {
            try bindings.append(value)
            return "$\(bindings.count)"
        }
        var conditions = ["o.status = ANY(\(try bind(search.statuses.map(\.rawValue)))::text[])"]
        for word in search.words {
            conditions.append("o.search_text LIKE '%' || search_form(\(try bind(word))) || '%'")
        }
        if let category = search.categoryId { conditions.append("o.category_id = \(try bind(category))") }
        if let subject = search.subjectId { conditions.append("o.subject_id = \(try bind(subject))") }
        if let programme = search.programmeId { conditions.append("o.programme_id = \(try bind(programme))") }
        if let term = search.term { conditions.append("o.term = \(try bind(term))") }
        if let level = search.level { conditions.append("o.levels @> ARRAY[\(try bind(level))]::text[]") }
        if let organisation = search.organisationId { conditions.append("o.selling_organisation_id = \(try bind(organisation))") }
        if let now = search.openAt {
            let at = try bind(now)
            conditions.append(
                "(o.registration_opens_at IS NULL OR o.registration_opens_at <= \(at)) AND (o.registration_closes_at IS NULL OR o.registration_closes_at > \(at))"
            )
        }
        if let from = search.from {
            conditions.append("EXISTS (SELECT 1 FROM sessions s WHERE s.offering_id = o.id AND s.ends_on >= \(try bind(from))::date)")
        }
        if search.withSeatsLeft {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM sessions s LEFT JOIN session_seats seats ON seats.session_id = s.id
                        WHERE s.offering_id = o.id AND s.capacity > coalesce(seats.held, 0) + coalesce(seats.confirmed, 0))
                """)
        }
        if let to = search.to {
            conditions.append("EXISTS (SELECT 1 FROM sessions s WHERE s.offering_id = o.id AND s.starts_on <= \(try bind(to))::date)")
        }
        let key = search.order.keySQL
        if let (sortKey, id) = after {
            conditions.append("(\(key), o.id) > (\(try bind(sortKey)), \(try bind(id)))")
        }
        let sql = """
            SELECT o.id, \(key) FROM offerings o WHERE \(conditions.joined(separator: " AND "))
            ORDER BY \(key), o.id LIMIT \(try bind(limit))
            """
        return try await client.withConnection { connection in
            var keys: [(UUID, String)] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                .decode((UUID, String).self)
            {
                keys.append(row)
            }
            let sortKeys = Dictionary(keys.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            return try await Self.load(ids: keys.map(\.0), lock: false, on: connection, logger: logger).map { (sortKeys[$0.id] ?? "", $0) }
        }
    }

    func republishAll(at: Date) async throws -> Int {
        let logger = Logger(label: "guichet.catalogue.republish")
        return try await client.transaction(logger: logger) { connection in
            var ids: [UUID] = []
            for try await id in try await connection.query(
                "SELECT id FROM offerings WHERE status <> 'draft' ORDER BY id", logger: logger
            ).decode(UUID.self) {
                ids.append(id)
            }
            for offering in try await Self.load(ids: ids, lock: false, on: connection, logger: logger) {
                let name =
                    switch offering.status {
                    case .closed: EventName.offeringClosed
                    case .cancelled: EventName.offeringCancelled
                    default: EventName.offeringPublished
                    }
                try await Self.record(name, offering, at: at, on: connection, logger: logger)
            }
            return ids.count
        }
    }

    /// The offering as it now is, as event `routingKey`, in the transaction of the change.
    private static func record(_ routingKey: String, _ offering: Offering, at: Date, on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.enqueue(
            PendingEvent(routingKey: routingKey, subject: offering.id.uuidString.lowercased(), occurredAt: at, payload: offering.event),
            on: connection, logger: logger)
    }

    /// A value as JSON text, for a `jsonb` column.
    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private static func checkLevels(_ levels: [String], on connection: PostgresConnection, logger: Logger) async throws {
        guard !levels.isEmpty else { return }
        let known = try await connection.query("SELECT count(*) FROM levels WHERE code = ANY(\(levels))", logger: logger)
            .collect().first!.decode(Int.self)
        guard known == Set(levels).count else { throw Problem.unknownLevel }
    }

    private static func load(id: UUID, lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Offering? {
        try await load(ids: [id], lock: lock, on: connection, logger: logger).first
    }

    /// The offerings with these ids and their sessions, in two queries whatever their number, in the order given.
    private static func load(ids: [UUID], lock: Bool, on connection: PostgresConnection, logger: Logger) async throws -> [Offering] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT id, selling_organisation_id, code, category_id, title_fr, title_en, base_price_cents, registration_opens_at,
                   registration_closes_at, status, version, terms::text, subject_id, levels, programme_id, school_year, term
            FROM offerings WHERE id = ANY(\(ids)) \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger)
        var found: [UUID: Offering] = [:]
        let decoder = JSONDecoder()
        for try await (
            id, organisation, code, category, titleFr, titleEn, price, opens, closes, status, version, terms, subject, levels,
            programme, schoolYear, term
        )
            in rows.decode(
                (UUID, UUID, String, UUID?, String, String, Int64, Date?, Date?, String, Int64, String, UUID?, [String], UUID?, String?, String?)
                    .self)
        {
            found[id] = Offering(
                id: id, sellingOrganisationId: organisation, code: code, categoryId: category, subjectId: subject, levels: levels,
                programmeId: programme, schoolYear: schoolYear, term: term,
                title: .init(fr: titleFr, en: titleEn),
                basePriceCents: price, registrationOpensAt: opens, registrationClosesAt: closes,
                status: Offering.Status(rawValue: status) ?? .draft, version: version, sessions: [],
                terms: try decoder.decode(Offering.Terms.self, from: Data(terms.utf8)))
        }
        guard !found.isEmpty else { return [] }
        let sessions = try await connection.query(
            """
            SELECT s.offering_id, s.id, s.name_fr, s.name_en, to_char(s.starts_on, 'YYYY-MM-DD'), to_char(s.ends_on, 'YYYY-MM-DD'),
                   s.capacity, s.waitlist_size, coalesce(seats.held, 0), coalesce(seats.confirmed, 0), s.details::text
            FROM sessions s LEFT JOIN session_seats seats ON seats.session_id = s.id
            WHERE s.offering_id = ANY(\(Array(found.keys))) ORDER BY s.starts_on, s.name_fr, s.id
            \(unescaped: lock ? "FOR UPDATE OF s" : "")
            """, logger: logger)
        for try await (offeringId, sessionId, nameFr, nameEn, startsOn, endsOn, capacity, waitlist, held, confirmed, details)
            in sessions.decode((UUID, UUID, String, String, String, String, Int, Int, Int, Int, String).self)
        {
            found[offeringId]?.sessions.append(
                .init(
                    id: sessionId, name: .init(fr: nameFr, en: nameEn), startsOn: startsOn, endsOn: endsOn, capacity: capacity,
                    waitlistSize: waitlist, held: held, confirmed: confirmed,
                    details: try decoder.decode(SessionDetails.self, from: Data(details.utf8))))
        }
        return ids.compactMap { found[$0] }
    }
}

extension OfferingSearch.Order {
    var keySQL: String {
        switch self {
        case .title: "lower(o.title_fr)"
        // Equal dates or prices then by title, for a stable, readable order.
        case .startsOn:
            "coalesce((SELECT to_char(min(s.starts_on), 'YYYY-MM-DD') FROM sessions s WHERE s.offering_id = o.id), '9999-12-31') || ' ' || lower(o.title_fr)"
        case .price: "lpad(o.base_price_cents::text, 19, '0') || ' ' || lower(o.title_fr)"
        case .code: "o.code"
        }
    }
}

extension Problem {
    /// A foreign key refused: which reference was unknown.
    static func unknownReference(_ error: any Error) -> Problem? {
        guard error.sqlState == "23503", let constraint = (error as? PSQLError)?.serverInfo?[.constraintName] else { return nil }
        if constraint.contains("programme") { return .unknownProgramme }
        return constraint.contains("subject") ? .unknownSubject : .unknownCategory
    }
}
