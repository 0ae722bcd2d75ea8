import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Every constraint a service's OpenAPI document writes on a request — query and header parameters and JSON
/// bodies: types, `required`, lengths (counted in code points, as JSON Schema does), `minimum`/`maximum`,
/// `minItems`/`maxItems`, `pattern`, `enum`, formats, `additionalProperties` — enforced in one place before
/// any handler runs, from the very document the service serves. The generated code checks only types.
/// A violation is a 400 naming each field; nothing reaches a handler, so nothing is stored.
public struct RequestValidator: Sendable {
    struct Operation: Sendable {
        var segments: [Segment]
        var method: HTTPRequest.Method
        var parameters: [Parameter]
        var jsonBody: JSONValue?
        var secondFactor: SecondFactorRule
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case variable
    }

    struct Parameter: Sendable {
        var name: String
        var location: String
        var required: Bool
        var schema: JSONValue
    }

    let operations: [Operation]
    let schemas: SchemaSet

    /// `document` is the service's OpenAPI document as JSON (`openapi.json`, generated from `openapi.yaml`).
    public init(document: [UInt8]) throws {
        let root = try JSONValue(parsing: document)
        let schemas = SchemaSet(root: root)
        self.schemas = schemas
        var operations: [Operation] = []
        for (path, item) in root["paths"]?.object ?? [:] {
            let segments = path.split(separator: "/").map { $0.hasPrefix("{") ? Segment.variable : .literal(String($0)) }
            let shared = item["parameters"]?.array ?? []
            for (method, operation) in item.object ?? [:] {
                guard let method = HTTPRequest.Method(method.uppercased()), operation.object != nil else { continue }
                let parameters = (shared + (operation["parameters"]?.array ?? [])).compactMap { raw -> Parameter? in
                    let parameter = schemas.resolve(raw)
                    guard let name = parameter["name"]?.string, let location = parameter["in"]?.string else { return nil }
                    return Parameter(
                        name: name, location: location, required: parameter["required"]?.bool ?? false,
                        schema: parameter["schema"] ?? .object([:]))
                }
                let body = operation["requestBody"].map(schemas.resolve)
                operations.append(
                    .init(
                        segments: segments, method: method, parameters: parameters,
                        jsonBody: body?["content"]?["application/json"]?["schema"],
                        secondFactor: SecondFactorRule(rawValue: operation["x-guichet-second-factor"]?.string ?? "") ?? .none))
            }
        }
        // Literal segments win over variables (`/v1/offerings/search` before `/v1/offerings/{id}`).
        self.operations = operations.sorted { $0.segments.filter { $0 != .variable }.count > $1.segments.filter { $0 != .variable }.count }
    }

    func operation(method: HTTPRequest.Method, path: String) -> Operation? {
        operations(path: path).first { $0.method == method }
    }

    /// The operations of the first path template that matches (literal segments first).
    func operations(path: String) -> [Operation] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let template = operations.first(where: { Self.matches($0.segments, parts) })?.segments else { return [] }
        return operations.filter { $0.segments == template }
    }

    static func matches(_ segments: [Segment], _ parts: [Substring]) -> Bool {
        segments.count == parts.count
            && zip(segments, parts).allSatisfy { segment, part in
                if case .literal(let literal) = segment { return literal == part }
                return true
            }
    }

    /// The field errors of the parameters (`query`, `header`); path parameters are left to handlers, which
    /// answer 404 for an identifier that cannot exist.
    func parameterErrors(_ operation: Operation, request: Request) -> [FieldError] {
        var errors: [FieldError] = []
        let query = request.uri.queryParameters
        for parameter in operation.parameters {
            let values: [String]
            switch parameter.location {
            case "query": values = query.getAll(parameter.name).map { String($0) }
            case "header": values = HTTPField.Name(parameter.name).map { request.headers[values: $0] } ?? []
            default: continue
            }
            guard !values.isEmpty else {
                if parameter.required { errors.append(.required(parameter.name)) }
                continue
            }
            let schema = schemas.resolve(parameter.schema)
            if schema["type"]?.string == "array" {
                let items = schema["items"] ?? .object([:])
                schemas.validate(.array(values.map { schemas.typed($0, as: items) }), against: schema, at: parameter.name, into: &errors)
            } else {
                schemas.validate(schemas.typed(values[0], as: schema), against: schema, at: parameter.name, into: &errors)
            }
        }
        return errors
    }
}

/// The document's schemas, and JSON Schema validation of a value against one of them.
struct SchemaSet: Sendable {
    let root: JSONValue

    func resolve(_ value: JSONValue) -> JSONValue {
        var value = value
        var hops = 0
        while let reference = value["$ref"]?.string, reference.hasPrefix("#/"), hops < 32 {
            var target: JSONValue? = root
            for part in reference.dropFirst(2).split(separator: "/") {
                target = target?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
            }
            guard let target else { break }
            value = target
            hops += 1
        }
        return value
    }

    /// A parameter's text as the JSON value its schema's type reads it as (a number for `integer`), or the text
    /// itself when it does not read as one, so validation names the type.
    func typed(_ text: String, as schema: JSONValue) -> JSONValue {
        switch resolve(schema)["type"]?.string {
        case "integer", "number": return Double(text).map(JSONValue.number) ?? .string(text)
        case "boolean": return text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
        default: return .string(text)
        }
    }

    func validate(_ value: JSONValue, against raw: JSONValue, at field: String, into errors: inout [FieldError]) {
        let schema = resolve(raw)
        func fail(_ code: String, fr: String, en: String) {
            errors.append(FieldError(field: field.isEmpty ? "body" : field, code: code, message: .init(fr: fr, en: en)))
        }
        let types = schema["type"]?.string.map { [$0] } ?? schema["type"]?.array?.compactMap(\.string) ?? []
        if !types.isEmpty, !types.contains(where: value.isOfType) {
            let expected = types.filter { $0 != "null" }.joined(separator: ", ")
            return fail("type", fr: "Type attendu : \(expected).", en: "Expected type: \(expected).")
        }
        if let allowed = schema["enum"]?.array, !allowed.contains(value) {
            let list = allowed.compactMap(\.string).joined(separator: ", ")
            return fail("notAllowed", fr: "Valeur non permise (permises : \(list)).", en: "Value not allowed (allowed: \(list)).")
        }
        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if text.unicodeScalars.contains("\u{0}") {
                fail("invalidCharacter", fr: "Le texte ne peut pas contenir le caractère NUL.", en: "Text may not contain the NUL character.")
            }
            if let maximum = schema["maxLength"]?.int, length > maximum {
                fail("tooLong", fr: "Au plus \(maximum) caractères.", en: "At most \(maximum) characters.")
            }
            if let minimum = schema["minLength"]?.int, length < minimum {
                if length == 0 {
                    errors.append(.required(field))
                } else {
                    fail("tooShort", fr: "Au moins \(minimum) caractères.", en: "At least \(minimum) characters.")
                }
            }
            if let pattern = schema["pattern"]?.string, text.range(of: pattern, options: .regularExpression) == nil {
                fail("invalid", fr: "Format invalide.", en: "Invalid format.")
            }
            if let format = schema["format"]?.string, !Self.matches(text, format: format) {
                if format == "date" {
                    fail("invalidDate", fr: "Date invalide (AAAA-MM-JJ).", en: "Invalid date (YYYY-MM-DD).")
                } else {
                    fail("invalid", fr: "Valeur invalide (\(format)).", en: "Invalid value (\(format)).")
                }
            }
        case .number(let number):
            if types.contains("integer") || schema["format"]?.string == "int64" || schema["format"]?.string == "int32" {
                // 2^31 and 2^63: the first magnitudes the generated decoder cannot hold (both exact as doubles).
                let limit = schema["format"]?.string == "int32" ? 2_147_483_648.0 : 9_223_372_036_854_775_808.0
                if number.rounded() != number || abs(number) >= limit {
                    return fail("type", fr: "Nombre entier attendu.", en: "Whole number expected.")
                }
            }
            if let maximum = schema["maximum"]?.number, number > maximum {
                fail("outOfRange", fr: "Au plus \(Self.text(maximum)).", en: "At most \(Self.text(maximum)).")
            }
            if let minimum = schema["minimum"]?.number, number < minimum {
                fail("outOfRange", fr: "Au moins \(Self.text(minimum)).", en: "At least \(Self.text(minimum)).")
            }
        case .array(let items):
            if let maximum = schema["maxItems"]?.int, items.count > maximum {
                fail("tooMany", fr: "Au plus \(maximum) éléments.", en: "At most \(maximum) items.")
            }
            if let minimum = schema["minItems"]?.int, items.count < minimum {
                fail("tooFew", fr: "Au moins \(minimum) éléments.", en: "At least \(minimum) items.")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    validate(item, against: itemSchema, at: "\(field)[\(index)]", into: &errors)
                }
            }
        case .object(let members):
            let properties = schema["properties"]?.object ?? [:]
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil || members[name] == .null {
                if members[name] == .null, let property = properties[name], resolve(property)["type"]?.array?.contains(.string("null")) == true {
                    continue
                }
                errors.append(.required(Self.path(field, name)))
            }
            for (name, member) in members {
                if let property = properties[name] {
                    validate(member, against: property, at: Self.path(field, name), into: &errors)
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        errors.append(
                            FieldError(
                                field: Self.path(field, name), code: "unexpected",
                                message: .init(fr: "Champ inconnu.", en: "Unknown field.")))
                    } else if additional.object != nil {
                        validate(member, against: additional, at: Self.path(field, name), into: &errors)
                    }
                }
            }
        case .bool, .null:
            break
        }
    }

    static func path(_ parent: String, _ name: String) -> String { parent.isEmpty ? name : "\(parent).\(name)" }

    static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "uuid": return UUID(uuidString: text) != nil
        case "date": return text.count == 10 && CalendarDate(text) != nil
        case "date-time": return RFC3339.date(text) != nil
        default: return true
        }
    }
}

/// JSON as parsed by Foundation, in a form that can be compared, matched and sent between tasks.
enum JSONValue: Sendable, Equatable, Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(parsing bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// Decoded strictly, so `true` is never the number 1 and 1 never a boolean.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var object: [String: JSONValue]? { if case .object(let members) = self { members } else { nil } }
    var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var string: String? { if case .string(let text) = self { text } else { nil } }
    var number: Double? { if case .number(let number) = self { number } else { nil } }
    var bool: Bool? { if case .bool(let flag) = self { flag } else { nil } }
    var int: Int? { number.map { Int($0) } }

    func isOfType(_ type: String) -> Bool {
        switch (type, self) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }
}

/// Runs `RequestValidator` on every request that matches an operation of the document; a JSON body is read
/// (up to `maximumJSONBytes`, else 413) and handed on unchanged.
/// It also asks the second factor where the document marks an operation `x-guichet-second-factor`, before anything
/// else is looked at.
public struct SpecValidationMiddleware<Context: RequestContext>: RouterMiddleware {
    let validator: RequestValidator
    let clock: any WallClock
    let maximumJSONBytes: Int

    public init(validator: RequestValidator, clock: any WallClock, maximumJSONBytes: Int = 1 << 20) {
        self.validator = validator
        self.clock = clock
        self.maximumJSONBytes = maximumJSONBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let declared = validator.operations(path: request.uri.path)
        // HEAD runs the GET handler: the GET's second-factor mark holds for it too.
        if request.method == .head, let get = declared.first(where: { $0.method == .get }),
            let principal = RequestScope.current?.principal
        {
            try get.secondFactor.check(principal, at: clock.now())
        }
        guard let operation = declared.first(where: { $0.method == request.method }) else {
            // A documented path asked with a method it does not have: 405 naming the ones it has (HEAD is GET's).
            if !declared.isEmpty, request.method != .head || !declared.contains(where: { $0.method == .get }) {
                var problem = Problem.methodNotAllowed
                problem.headers["Allow"] = declared.map(\.method.rawValue).sorted().joined(separator: ", ")
                throw problem
            }
            return try await next(request, context)
        }
        // Without a token the handler answers 401; a token without the second factor (or with one too old for the
        // operation) is refused here, whatever the rest of the request says.
        if let principal = RequestScope.current?.principal {
            try operation.secondFactor.check(principal, at: clock.now())
        }
        var request = request
        var errors = validator.parameterErrors(operation, request: request)
        let isJSON = request.headers[.contentType].map { $0.lowercased().hasPrefix("application/json") } ?? false
        if let schema = operation.jsonBody, isJSON {
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: maximumJSONBytes)
            } catch is NIOTooManyBytesError {
                throw Problem.bodyTooLarge(maximumBytes: maximumJSONBytes)
            }
            request.body = .init(buffer: buffer)
            guard let body = try? JSONValue(parsing: Array(buffer.readableBytesView)) else {
                throw Problem.malformedRequest("The body is not valid JSON.")
            }
            validator.schemas.validate(body, against: schema, at: "", into: &errors)
        }
        guard errors.isEmpty else { throw Problem.invalidRequest(errors) }
        return try await next(request, context)
    }
}

/// What an operation asks of the second factor (`x-guichet-second-factor` in the service's document): staff work
/// reads health fields, plans and payments, so a staff route needs a token that says the second factor was given
/// (`required`), and a sensitive one that it was given within the last 15 minutes (`recent`).
enum SecondFactorRule: String, Sendable {
    case none = ""
    case required
    case recent

    /// Only for someone who holds a staff role or is an admin: anyone else is refused by the handler as before
    /// (403 or 404), and is not told to turn on a second factor that would not help.
    func check(_ principal: Principal, at now: Date) throws(Problem) {
        guard self != .none, principal.isAdmin || !principal.roles.isEmpty else { return }
        guard principal.secondFactorAt != nil else { throw .secondFactorRequired }
        if self == .recent, !principal.hasRecentSecondFactor(at: now) { throw .secondFactorStale }
    }
}

extension Problem {
    public static let secondFactorRequired = Problem(
        type: "/problems/second-factor-required", status: .forbidden,
        title: .init(
            fr: "Cette action demande la double authentification.", en: "This action requires two-step verification."),
        detail: .init(
            fr:
                "Le personnel se connecte avec un code de son application d'authentification. Activez la double authentification dans votre compte, puis reconnectez-vous.",
            en: "Staff sign in with a code from their authenticator app. Turn on two-step verification in your account, then sign in again."))

    public static let secondFactorStale = Problem(
        type: "/problems/second-factor-stale", status: .forbidden,
        title: .init(
            fr: "Entrez de nouveau le code de votre application d'authentification.", en: "Enter the code from your authenticator app again."),
        detail: .init(
            fr: "Cette action demande un code donné depuis moins de 15 minutes.",
            en: "This action needs a code given within the last 15 minutes."))

    /// A request outside what the service's OpenAPI document allows: each field named, nothing done.
    public static func invalidRequest(_ errors: [FieldError]) -> Problem {
        Problem(
            type: "/problems/invalid-request", status: .badRequest,
            title: .init(fr: "Certains champs ne respectent pas le format attendu.", en: "Some fields do not have the expected form."),
            errors: errors)
    }

    public static func bodyTooLarge(maximumBytes: Int) -> Problem {
        Problem(
            type: "/problems/payload-too-large", status: .contentTooLarge,
            title: .init(fr: "La requête est trop volumineuse.", en: "The request is too large."),
            detail: .init(fr: "Au plus \(maximumBytes / 1024) Kio.", en: "At most \(maximumBytes / 1024) KiB."))
    }
}
