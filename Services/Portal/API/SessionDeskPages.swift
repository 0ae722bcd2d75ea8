import DomainKit
import EnrolmentClient
import Foundation
import Hummingbird
import ServiceKit

/// What staff do with one group beyond its class list: take attendance on each of its dates (present, absent,
/// late; kept by enrolment, exported as CSV) and write to everyone registered in it (each family once).
struct SessionDeskPages: Sendable {
    let registrar: RegistrarPages
    let enrolment: EnrolmentClient.Client
    var kit: PageKit { registrar.kit }

    typealias SessionIDs = RegistrarPages.SessionIDs
    typealias Status = EnrolmentClient.Components.Schemas.AttendanceStatus

    static let notices: [String: Text] = ["presences": .attendanceSavedNotice]

    func register(on router: Router<GuichetRequestContext>) {
        let group = router.group("/staff/organisations/:organisationId/offres/:offeringId/groupes/:sessionId")
        group.get("presences") { request, context in try await attendancePage(request, ids: try RegistrarPages.sessionIDs(context)) }
        group.post("presences") { request, context in try await recordAttendance(request, ids: try RegistrarPages.sessionIDs(context)) }
        group.get("presences.csv") { request, context in try await attendanceCSV(request, ids: try RegistrarPages.sessionIDs(context)) }
        group.get("message") { request, context in try await messagePage(request, ids: try RegistrarPages.sessionIDs(context)) }
        group.post("message") { request, context in try await sendMessage(request, ids: try RegistrarPages.sessionIDs(context)) }
    }

    // MARK: - Attendance

    static func statusText(_ status: Status, _ language: Language) -> String {
        let text: Text =
            switch status {
            case .present: .attendancePresent
            case .absent: .attendanceAbsent
            case .late: .attendanceLate
            }
        return Strings.text(text, language)
    }

    /// The date asked (`?date=`), else today within the group's dates, else its first date.
    func chosenDate(_ request: Request, group: RegistrarPages.Group) -> String {
        if let typed = FormQuery(request.uri.query)["date"]?.trimmingCharacters(in: .whitespaces), !typed.isEmpty {
            return String(typed.prefix(10))
        }
        let today = CalendarDate(kit.clock.now()).description
        return group.startsOn <= today && today <= group.endsOn ? today : group.startsOn
    }

    func attendancePage(_ request: Request, ids: SessionIDs) async throws -> Response {
        try await attendanceResponse(request, ids: ids, marked: [:], errors: [])
    }

    /// The page for the chosen date: the day's sheet as a form (what was typed, when refused, kept over what is
    /// recorded), or the date's error when it is not one of the group's; 422 with any error.
    func attendanceResponse(
        _ request: Request, ids: SessionIDs, marked: [String: String], errors: [(field: String, message: String)]
    ) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let notice = kit.notice(request, Self.notices, language)
        return try await registrar.groupPage(request, ids, back: request.uri.description) { session, found, offering, group in
            let date = chosenDate(request, group: group)
            let heading = "\(t(.attendanceTitle)) — \(offering.code) \(group.name.text(language))"
            let path = ids.path
            let visit = FormVisit(request, cookies: kit.cookies)
            let dates = Formatting.days(group.startsOn, group.endsOn, language)
            var context: [String: Any] = [
                "heading": heading, "course": offering.title.text(language), "organisationName": found.name.text(language),
                "dates": dates, "path": "\(path)/presences", "date": date,
                "dateHint": t(.attendanceDateHint).replacingOccurrences(of: "{dates}", with: dates),
                "csvHref": "\(path)/presences.csv", "classListHref": path, "formToken": visit.secret.formToken,
            ]
            if let notice { context["notice"] = notice }
            var errors = errors
            let answer = try await registrar.acting(session) {
                try await enrolment.getAttendanceSheet(path: .init(sessionId: group.id, date: date))
            }
            switch answer {
            case .ok(let ok):
                let sheet = try ok.body.json
                context["hasSheet"] = true
                // The group's day before and after, one tap each (typing a date on a phone is slow).
                if let day = CalendarDate(sheet.date) {
                    for (key, step) in [("previousDay", -1), ("nextDay", 1)] {
                        let other = day.adding(days: step).description
                        if group.startsOn <= other && other <= group.endsOn {
                            context[key] = ["href": "\(path)/presences?date=\(other)", "label": Formatting.day(other, language)]
                            context["hasDaySteps"] = true
                        }
                    }
                }
                context["dayHeading"] = "\(t(.attendanceOn)) \(Formatting.day(sheet.date, language))"
                context["hasEntries"] = !sheet.entries.isEmpty
                context["entries"] = sheet.entries.map { entry -> [String: Any] in
                    let field = "mark-\(entry.registrationId)"
                    let current = marked[field] ?? entry.status?.rawValue ?? ""
                    return [
                        "name": "\(entry.lastName), \(entry.firstName)",
                        "choices": Status.allCases.map { choice -> [String: Any] in
                            [
                                "field": field, "value": choice.rawValue, "label": Self.statusText(choice, language),
                                "checked": current == choice.rawValue,
                            ]
                        },
                    ]
                }
            case .badRequest, .unprocessableContent:
                // Not a date, or not one of the group's: said next to the date field.
                errors.append((field: "date", message: t(.attendanceDateError)))
            default:
                return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path)
            }
            if let dateError = errors.first(where: { $0.field == "date" }) {
                context["dateInvalid"] = true
                context["dateError"] = dateError.message
            }
            if !errors.isEmpty {
                context["hasErrors"] = true
                context["errors"] = errors.map { ["field": $0.field, "message": $0.message] }
            }
            let title = errors.isEmpty ? heading : t(.errorTitlePrefix) + heading
            return registrar.render(
                "staff-attendance", title: title, context: context, request: request, status: errors.isEmpty ? .ok : .unprocessableContent,
                visit: visit)
        }
    }

    func recordAttendance(_ request: Request, ids: SessionIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        let path = "\(ids.path)/presences"
        return try await registrar.groupPage(request, ids, back: request.uri.description) { session, _, _, group in
            let date = chosenDate(request, group: group)
            var marked: [String: String] = [:]
            var marks: [EnrolmentClient.Operations.RecordAttendance.Input.Body.JsonPayload.MarksPayloadPayload] = []
            for name in form.fields.names(prefix: "mark-") {
                let registration = String(name.dropFirst("mark-".count))
                guard UUID(uuidString: registration) != nil, let value = form.fields[name], let status = Status(rawValue: value), marks.count < 500
                else { continue }
                marked[name] = value
                marks.append(.init(registrationId: registration.lowercased(), status: status))
            }
            guard !marks.isEmpty else {
                return try await attendanceResponse(
                    request, ids: ids, marked: marked, errors: [(field: "sheet", message: Strings.text(.attendanceNothingMarked, language))])
            }
            let answer = try await registrar.acting(session) {
                try await enrolment.recordAttendance(path: .init(sessionId: group.id, date: date), body: .json(.init(marks: marks)))
            }
            switch answer {
            case .ok:  // enrolment took the date: a real one, `YYYY-MM-DD`
                return Response(status: .seeOther, headers: [.location: "\(path)?date=\(date)&fait=presences"])
            case .badRequest, .unprocessableContent:
                // A registration cancelled or moved meanwhile (or a date no longer the group's): nothing was kept; the
                // page shows the group as it is now, with what was ticked, and says so.
                return try await attendanceResponse(
                    request, ids: ids, marked: marked, errors: [(field: "sheet", message: Strings.text(.attendanceChangedError, language))])
            default:
                return try registrar.staffArea.refusal(answer, request: request, back: path)
            }
        }
    }

    func attendanceCSV(_ request: Request, ids: SessionIDs) async throws -> Response {
        try await registrar.groupPage(request, ids) { session, _, offering, group in
            let answer = try await registrar.acting(session) {
                try await enrolment.listAttendance(path: .init(sessionId: group.id), headers: .init(accept: [.init(contentType: .csv)]))
            }
            guard case .ok(let ok) = answer, case .csv(let body) = ok.body else {
                return try registrar.staffArea.refusal(answer, request: request, back: request.uri.path)
            }
            return try await DocumentPages.csvFile(body, name: "presences-\(offering.code)-\(group.name.fr)")
        }
    }

    // MARK: - Writing to the group

    func messageForm(
        _ language: Language, ids: SessionIDs, offering: RegistrarPages.Offering, group: RegistrarPages.Group, subject: String = "",
        body: String = ""
    ) -> FormPage {
        let t = { Strings.text($0, language) }
        var page = FormPage(
            heading: "\(t(.groupMessageTitle)) — \(offering.code) \(group.name.text(language))", intro: t(.groupMessageIntro),
            action: "\(ids.path)/message", submit: t(.groupMessageSubmit),
            fields: [
                .init(name: "subject", label: t(.messageSubject), value: subject, required: true),
                .init(name: "body", label: t(.messageBody), kind: .textarea, value: body, required: true),
            ],
            links: [.init(href: ids.path, label: t(.backToClassList))])
        page.submitOnce = true  // a double tap would mail every family twice
        return page
    }

    func messagePage(_ request: Request, ids: SessionIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        return try await registrar.groupPage(request, ids) { _, _, offering, group in
            kit.formResponse(messageForm(language, ids: ids, offering: offering, group: group), request: request, language: language, signedIn: true)
        }
    }

    func sendMessage(_ request: Request, ids: SessionIDs) async throws -> Response {
        let language = LanguageChoice.of(request)
        let form = try await PostedForm(request, cookies: kit.cookies)
        let path = ids.path
        let subject = form.text("subject", limit: 200)
        let body = form.text("body", limit: 10_000)
        return try await registrar.groupPage(request, ids, back: "\(path)/message") { session, _, offering, group in
            var page = messageForm(language, ids: ids, offering: offering, group: group, subject: subject, body: body)
            // `text` trims: only spaces is empty.
            for (name, value) in [("subject", subject), ("body", body)] where value.isEmpty {
                page.addErrors([Strings.text(.requiredField, language)], to: name)
            }
            guard !page.hasErrors else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            let answer = try await registrar.acting(session) {
                try await enrolment.messageSession(path: .init(sessionId: group.id), body: .json(.init(subject: subject, body: body)))
            }
            switch answer {
            case .accepted(let accepted):
                let count = try accepted.body.json.recipients
                return Response(status: .seeOther, headers: [.location: "\(path)?fait=message&destinataires=\(count)"])
            case .badRequest, .unprocessableContent:
                return try kit.refused(answer, page: page, request: request, language: language, signedIn: true)
            default:
                return try registrar.staffArea.refusal(answer, request: request, back: "\(path)/message")
            }
        }
    }
}
