import CatalogueClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import ServiceKit

/// The family portal's pages. Each page asks the services for what it shows and renders it; nothing here
/// decides what a family may do (the services do).
struct PortalRoutes: Sendable {
    let catalogue: CatalogueClient.Client
    let pages: Pages
    let cookies: BrowserCookies
    let cart: CartPages
    let reference: CatalogueReference
    let clock: any WallClock
    let logger: Logger

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group()
        group.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/activites"]) }
        group.get("/activites") { request, _ in try await catalogue(request) }
        group.get("/activites/:offeringId") { request, context in
            try await offering(request, id: context.parameters.get("offeringId") ?? "")
        }
        group.get("/activites/:offeringId/lettre") { request, context in
            try await parentLetter(request, id: context.parameters.get("offeringId") ?? "")
        }
        group.get("/language/:language") { request, context in
            guard let language = Language(rawValue: context.parameters.get("language") ?? "") else {
                return pages.message(.notFoundTitle, .notFoundText, language: LanguageChoice.of(request), path: "/activites", status: .notFound)
            }
            let back = LanguageChoice.safeBack(FormQuery(request.uri.query)["back"])
            var headers: HTTPFields = [.location: back]
            // A year; Lax so that following a link keeps it; readable by nothing but the server.
            headers[.setCookie] = "\(LanguageChoice.cookie)=\(language.rawValue); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
            return Response(status: .seeOther, headers: headers)
        }
        router.get("/assets/portal.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.portal_css)))
        }
        router.get("/assets/portal.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.portal_js)))
        }
    }

    // MARK: - The catalogue

    func catalogue(_ request: Request) async throws -> Response {
        let language = LanguageChoice.of(request)
        let parameters = FormQuery(request.uri.query)
        var query = CatalogueQuery { parameters[$0] }
        async let organisationsList = reference.organisations()
        async let categoriesList = reference.categories()
        var answer = try await catalogue.listOfferings(query: query.apiQuery)
        if case .badRequest = answer, query.cursor != nil {
            // A cursor the catalogue no longer reads (an old or edited link): the first page of the same search.
            query.cursor = nil
            answer = try await catalogue.listOfferings(query: query.apiQuery)
        }
        let found: CatalogueClient.Components.Schemas.OfferingPage
        if case .badRequest = answer {
            // Nothing a person typed should get this far (the query is cleaned above); say "no results", and log it.
            logger.warning("the catalogue refused a search")  // not the words: they are the person's
            found = .init(items: [])
        } else {
            found = try answer.ok.body.json
        }
        let organisations = try await organisationsList
        let categories = try await categoriesList
        let names = Dictionary(organisations.map { ($0.id, $0.name.text(language)) }, uniquingKeysWith: { first, _ in first })
        let sorts: [(String, Text)] = [("title", .sortTitle), ("startsOn", .sortStartsOn), ("price", .sortPrice)]
        let context: [String: Any] = [
            "query": ["q": query.words, "hasSeats": query.hasSeats],
            "organisations": organisations.sorted { $0.name.text(language) < $1.name.text(language) }.map {
                ["id": $0.id, "name": $0.name.text(language), "selected": $0.id == query.organisation]
            },
            "categories": categories.sorted { $0.name.text(language) < $1.name.text(language) }.map {
                ["id": $0.id, "name": $0.name.text(language), "selected": $0.id == query.category]
            },
            "sorts": sorts.map { ["value": $0.0, "label": Strings.text($0.1, language), "selected": $0.0 == (query.sort ?? "title")] },
            "offerings": found.items.map { offering -> [String: Any] in
                let seats: [Int] = offering.sessions.compactMap { $0.seatsLeft }
                let total = seats.reduce(0, +)
                return withoutEmptyTexts([
                    "id": offering.id, "title": offering.title.text(language), "code": offering.code,
                    "organisation": names[offering.sellingOrganisationId] ?? "",
                    "price": Formatting.money(cents: offering.basePrice.amountCents, language),
                    "startsOn": offering.sessions.map(\.startsOn).min().map { Formatting.day($0, language) } ?? "",
                    "seats": seats.isEmpty || total > 0 ? Formatting.number(total, language) : Strings.text(.full, language),
                ])
            },
            "nextHref": found.nextCursor.map { query.href(cursor: $0) } ?? "",
        ]
        return pages.render(
            "catalogue", title: Strings.text(.catalogueTitle, language), context: context, language: language, path: query.href(cursor: nil),
            signedIn: cookies.sessionSecret(request) != nil)
    }

    func offering(_ request: Request, id: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let path = "/activites/\(id)"
        guard UUID(uuidString: id) != nil else {
            return pages.message(.notFoundTitle, .notFoundText, language: language, path: path, status: .notFound)
        }
        let offering: CatalogueClient.Components.Schemas.Offering
        switch try await catalogue.getOffering(path: .init(offeringId: id)) {
        case .ok(let ok): offering = try ok.body.json
        case .notFound, .badRequest: return pages.message(.notFoundTitle, .notFoundText, language: language, path: path, status: .notFound)
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
        let organisations = try await reference.organisations()
        let context = Self.offeringContext(
            offering, organisationName: organisations.first { $0.id == offering.sellingOrganisationId }?.name.text(language) ?? "",
            language: language)
        var register = try await cart.registerContext(request, offering: offering, language: language)
        let visit = register.removeValue(forKey: "formVisit") as? FormVisit
        let script = register.removeValue(forKey: "script") as? Bool ?? false
        var response = pages.render(
            "offering", title: offering.title.text(language), context: context.merging(register) { $1 }, language: language,
            path: path, signedIn: cookies.sessionSecret(request) != nil, script: script)
        visit?.setCookie(on: &response)
        return response
    }
}

extension PortalRoutes {
    /// What the offering's page shows of it (and the staff's preview, the same page).
    static func offeringContext(
        _ offering: CatalogueClient.Components.Schemas.Offering, organisationName: String, language: Language
    ) -> [String: Any] {
        let context: [String: Any] = [
            "id": offering.id, "title": offering.title.text(language), "code": offering.code,
            "organisation": organisationName,
            "price": Formatting.money(cents: offering.basePrice.amountCents, language),
            "opens": offering.registrationOpensAt.map { DateText.dayAndTime($0, language) } ?? "",
            "closes": offering.registrationClosesAt.map { DateText.dayAndTime($0, language) } ?? "",
            "sessions": offering.sessions.map { session -> [String: Any] in
                withoutEmptyTexts([
                    "name": session.name.text(language),
                    "dates": Formatting.days(session.startsOn, session.endsOn, language),
                    "schedule": session.schedule?.text(language) ?? "",
                    "place": session.online == true ? Strings.text(.online, language) : session.location?.text(language) ?? "",
                    "seats": session.seatsLeft.map { $0 > 0 ? Formatting.number($0, language) : Strings.text(.full, language) } ?? "",
                ])
            },
            // Paragraphs as the organisation wrote them (separated by a blank line); the letter to parents, a PDF.
            "description": (offering.description?.text(language) ?? "").components(separatedBy: "\n\n")
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty },
            "letter": offering.parentLetter.map { letter in
                Strings.text(.parentLetterLink, language).replacingOccurrences(
                    of: "{size}", with: Formatting.size(bytes: letter.sizeBytes, language))
            } ?? "",
            "hasRequirements": !(offering.requirements ?? []).isEmpty,
            "requirements": (offering.requirements ?? []).map { $0.text(language) },
            "hasContract": !(offering.contract?.clauses ?? []).isEmpty,
            "clauses": (offering.contract?.clauses ?? []).map { $0.text(language) },
        ]
        return withoutEmptyTexts(context)
    }
}

extension PortalRoutes {
    /// The offering's letter to parents, as an attachment (a PDF from an organisation is never shown inside a page).
    func parentLetter(_ request: Request, id: String) async throws -> Response {
        guard UUID(uuidString: id) != nil else { throw HTTPError(.notFound) }
        let body: HTTPBody
        switch try await catalogue.getParentLetter(path: .init(offeringId: id)) {
        case .ok(let ok):
            guard case .pdf(let file) = ok.body else { throw PageErrors.Upstream(status: 502) }
            body = file
        case .notFound, .badRequest: throw HTTPError(.notFound)
        case .undocumented(let status, _): throw PageErrors.Upstream(status: status)
        }
        // Public like the offering (the catalogue keeps letters of at most 5 MiB).
        return try await DocumentPages.attachment(
            body, type: "application/pdf", filename: "lettre-\(id.prefix(8)).pdf", upTo: 6 * 1024 * 1024, cacheControl: "public, max-age=300")
    }
}

/// Mustache shows a section for any string, even an empty one: what a page does not have is left out instead.
func withoutEmptyTexts(_ values: [String: Any]) -> [String: Any] {
    values.filter { !(($0.value as? String)?.isEmpty ?? false) }
}

/// A text in both languages, as each generated client spells DomainKit's `LocalizedText`: one way to read it.
protocol BilingualText {
    var fr: String { get }
    var en: String { get }
}

extension BilingualText {
    func text(_ language: Language) -> String { LocalizedText(fr: fr, en: en).text(for: language) }
}

extension CatalogueClient.Components.Schemas.LocalizedText: BilingualText {}

/// The catalogue page's query as the form sends it; what the API would refuse is dropped, not echoed.
struct CatalogueQuery {
    var words: String
    var organisation: String?
    var category: String?
    var hasSeats: Bool
    var sort: String?
    var cursor: String?

    /// - Parameter parameter: the request's query value of a name.
    init(_ parameter: (String) -> String?) {
        // What the catalogue's `q` accepts: at most 100 code points, no control characters (a NUL cannot be stored).
        let typed = (parameter("q") ?? "").unicodeScalars.filter { $0.properties.generalCategory != .control }
        words = String(String.UnicodeScalarView(typed.prefix(100))).trimmingCharacters(in: .whitespacesAndNewlines)
        organisation = parameter("organisation").flatMap { UUID(uuidString: $0) == nil ? nil : $0.lowercased() }
        category = parameter("category").flatMap { UUID(uuidString: $0) == nil ? nil : $0.lowercased() }
        hasSeats = parameter("hasSeats") == "true"
        sort = parameter("sort").flatMap { ["title", "startsOn", "price"].contains($0) ? $0 : nil }
        cursor = parameter("cursor").flatMap { $0.isEmpty ? nil : String($0.prefix(512)) }
    }

    var apiQuery: CatalogueClient.Operations.ListOfferings.Input.Query {
        .init(
            q: words.isEmpty ? nil : words, category: category, organisation: organisation, hasSeats: hasSeats ? true : nil,
            sort: sort.flatMap { .init(rawValue: $0) }, limit: 20, cursor: cursor)
    }

    /// This search again (with the next page's cursor), as a link.
    func href(cursor: String?) -> String {
        var items: [URLQueryItem] = []
        if !words.isEmpty { items.append(.init(name: "q", value: words)) }
        if let organisation { items.append(.init(name: "organisation", value: organisation)) }
        if let category { items.append(.init(name: "category", value: category)) }
        if hasSeats { items.append(.init(name: "hasSeats", value: "true")) }
        if let sort { items.append(.init(name: "sort", value: sort)) }
        if let cursor { items.append(.init(name: "cursor", value: cursor)) }
        var components = URLComponents()
        components.path = "/activites"
        components.queryItems = items.isEmpty ? nil : items
        // Forms read `+` as a space: a typed plus ("C++") must stay a plus.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? "/activites"
    }
}

/// Failures answered as pages in the person's language, never as JSON: an unknown address is "not found", an
/// address the portal refuses (a value out of bounds, a method it does not serve) says so, a service that does not
/// answer is "unavailable", anything else a plain apology (and a log line). Placed before the request validator.
struct PageErrors: RouterMiddleware {
    typealias Context = GuichetRequestContext
    let pages: Pages
    let logger: Logger

    struct Upstream: Error { var status: Int }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let language = LanguageChoice.of(request)
        let path = request.uri.path
        do {
            // The services answer in the page's language (the cookie's), which may differ from the browser's.
            return try await OnBehalfOfVisitor.$pageLanguage.withValue(language) { try await next(request, context) }
        } catch PostedForm.Refusal.fileTooLarge {
            return pages.message(.fileTooLargeTitle, .fileTooLargeText, language: language, path: path, status: .contentTooLarge)
        } catch is PostedForm.Refusal {
            // Another site's form, an old page's, or one whose cookie is gone: nothing done; the person starts again.
            return pages.message(.formRefusedTitle, .formRefusedText, language: language, path: path, status: .forbidden)
        } catch let error as HTTPError where error.status == .notFound {
            return pages.message(.notFoundTitle, .notFoundText, language: language, path: path, status: .notFound)
        } catch let problem as Problem where (400..<500).contains(problem.status.code) {
            var response = pages.message(.badAddressTitle, .badAddressText, language: language, path: "/activites", status: problem.status)
            for (name, value) in problem.headers { if let field = HTTPField.Name(name) { response.headers[field] = value } }
            return response
        } catch let error as Upstream {
            logger.error("a service failed a page", metadata: ["path": .string(path), "status": .stringConvertible(error.status)])
            return pages.message(.unavailableTitle, .unavailableText, language: language, path: path, status: .serviceUnavailable)
        } catch let error as ClientError {
            // Never the error's description: it carries the call's input (a password, a token). Which call, and why.
            logger.error(
                "a service did not answer a page",
                metadata: [
                    "path": .string(path), "operation": .string(error.operationID),
                    "cause": .string(String(describing: type(of: error.underlyingError))),
                ])
            return pages.message(.unavailableTitle, .unavailableText, language: language, path: path, status: .serviceUnavailable)
        } catch {
            logger.error("page failed", metadata: ["path": .string(path), "error": .string(String(describing: type(of: error)))])
            return pages.message(.errorTitle, .errorText, language: language, path: path, status: .internalServerError)
        }
    }
}

/// A query string as an HTML form sends it (`application/x-www-form-urlencoded`): `+` is a space, `%2B` a plus.
struct FormQuery {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String? {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            // The first value of a name; a value that does not decode counts as absent.
            guard let name = decoded(parts[0]), values[name] == nil, let value = parts.count > 1 ? decoded(parts[1]) : "" else { continue }
            values[name] = value
        }
    }

    subscript(name: String) -> String? { values[name] }

    /// The names that start with `prefix`, sorted (the items' quantity fields, `qty-<itemId>`).
    func names(prefix: String) -> [String] { values.keys.filter { $0.hasPrefix(prefix) }.sorted() }
}
