import Foundation

/// `?limit=&cursor=` as in the API conventions: limit 1...100 (default 20); the cursor is opaque to
/// clients and holds the sort key of the last item returned (keyset paging, stable under inserts).
public struct PageRequest: Sendable, Equatable {
    public static let defaultLimit = 20
    public static let maximumLimit = 100

    public var limit: Int
    /// The sort key after which the page starts; nil for the first page.
    public var after: [String]?

    public init(limit: Int?, cursor: String?) throws(Problem) {
        var errors: [FieldError] = []
        let limit = limit ?? Self.defaultLimit
        if !(1...Self.maximumLimit).contains(limit) {
            errors.append(
                FieldError(
                    field: "limit", code: "outOfRange",
                    message: .init(
                        fr: "La limite doit être entre 1 et \(Self.maximumLimit).",
                        en: "The limit must be between 1 and \(Self.maximumLimit).")))
        }
        var after: [String]?
        if let cursor {
            after = Self.decode(cursor)
            if after == nil {
                errors.append(
                    FieldError(
                        field: "cursor", code: "invalid",
                        message: .init(fr: "Ce curseur n'est pas valide.", en: "This cursor is not valid.")))
            }
        }
        guard errors.isEmpty else {
            var problem = Problem.malformedRequest("Invalid paging parameters.")
            problem.errors = errors
            throw problem
        }
        self.limit = limit
        self.after = after
    }

    /// How many rows to fetch: one more than the limit tells whether another page exists.
    public var fetchLimit: Int { limit + 1 }

    /// Cuts rows fetched with `fetchLimit` to a page and the cursor of the next one (nil on the last page).
    public func page<Item>(_ rows: [Item], key: (Item) -> [String]) -> (items: [Item], nextCursor: String?) {
        guard rows.count > limit else { return (rows, nil) }
        let items = Array(rows.prefix(limit))
        return (items, Self.encode(key(items[items.count - 1])))
    }

    /// The key of the lists paged newest first by a time and an id: where the page starts (nil on the first page).
    public func afterTimeAndID() throws(Problem) -> (micros: Int64, id: UUID)? {
        guard let after else { return nil }
        guard after.count == 2, let micros = Int64(after[0]), let id = UUID(uuidString: after[1]) else { throw .invalidCursor }
        return (micros, id)
    }

    /// The cursor key of a row of such a list.
    public static func timeAndIDKey(micros: Int64, id: UUID) -> [String] { [String(micros), id.uuidString] }

    /// The same, from a time read back from PostgreSQL (microseconds).
    public static func timeAndIDKey(_ time: Date, id: UUID) -> [String] {
        timeAndIDKey(micros: Int64((time.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
    }

    static func encode(_ key: [String]) -> String {
        Base64URL.encode((try? JSONEncoder().encode(key)) ?? Data())
    }

    static func decode(_ cursor: String) -> [String]? {
        guard cursor.count <= 512 else { return nil }
        guard let data = Base64URL.decode(cursor) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }
}

extension Problem {
    /// A cursor that decodes but does not fit the list it is used on.
    public static let invalidCursor: Problem = {
        var problem = Problem.malformedRequest("Invalid paging parameters.")
        problem.errors = [
            FieldError(
                field: "cursor", code: "invalid",
                message: .init(fr: "Ce curseur n'est pas valide.", en: "This cursor is not valid."))
        ]
        return problem
    }()
}
