import CatalogueClient
import DomainKit
import Foundation
import Hummingbird
import ServiceKit

/// Adding a group to an offering, and changing a group: its name, dates, capacity, waitlist, schedule, place and
/// online access (the catalogue's `POST …/sessions` and `PATCH …/sessions/{id}`). When a published group's dates
/// move, enrolment mails the families registered in it; the page says so before saving.
extension OfferingDeskPages {
    typealias Group = CatalogueClient.Components.Schemas.Session
    typealias LocalizedText = CatalogueClient.Components.Schemas.LocalizedText

    struct GroupDraft {
        var nameFr = "", nameEn = "", startsOn = "", endsOn = "", capacity = "", waitlist = "0"
        var scheduleFr = "", scheduleEn = "", locationFr = "", locationEn = "", accessFr = "", accessEn = ""
        var online = false

        init() {}

        init(_ group: Group) {
            (nameFr, nameEn, startsOn, endsOn) = (group.name.fr, group.name.en, group.startsOn, group.endsOn)
            (capacity, waitlist) = (String(group.capacity), String(group.waitlistSize))
            (scheduleFr, scheduleEn) = (group.schedule?.fr ?? "", group.schedule?.en ?? "")
            (locationFr, locationEn) = (group.location?.fr ?? "", group.location?.en ?? "")
            (accessFr, accessEn) = (group.accessInstructions?.fr ?? "", group.accessInstructions?.en ?? "")
            online = group.online ?? false
        }

        init(_ form: PostedForm) {
            nameFr = form.text("nameFr", limit: 100)
            nameEn = form.text("nameEn", limit: 100)
            startsOn = form.text("startsOn", limit: 10)
            endsOn = form.text("endsOn", limit: 10)
            capacity = form.text("capacity", limit: 6)
            waitlist = form.text("waitlist", limit: 6)
            scheduleFr = form.text("scheduleFr", limit: 200)
            scheduleEn = form.text("scheduleEn", limit: 200)
            locationFr = form.text("locationFr", limit: 200)
            locationEn = form.text("locationEn", limit: 200)
            accessFr = form.text("accessFr", limit: 1000)
            accessEn = form.text("accessEn", limit: 1000)
            online = form.checked("online")
        }

        /// The optional texts in both languages, by the French field's name.
        var pairs: [(fr: String, en: String, frName: String, enName: String)] {
            [
                (scheduleFr, scheduleEn, "scheduleFr", "scheduleEn"), (locationFr, locationEn, "locationFr", "locationEn"),
                (accessFr, accessEn, "accessFr", "accessEn"),
            ]
        }
    }

    func groupForm(_ language: Language, ids: IDs, draft: GroupDraft, editing group: Group?, offering: Offering) -> FormPage {
        let t = { Strings.text($0, language) }
        func optional(_ name: String, _ label: Text, _ value: String, hint: Text? = nil, kind: FormPage.Kind = .text) -> FormPage.Field {
            .init(name: name, label: t(label), kind: kind, value: value, hint: hint.map(t) ?? "", required: false)
        }
        var online = FormPage.Field(name: "online", label: t(.groupOnline), kind: .checkbox)
        online.checked = draft.online
        online.required = false
        let heading = "\(group == nil ? t(.addGroupTitle) : t(.editGroupTitle)) — \(offering.code) \(offering.title.text(language))"
        let registered = group?.confirmed ?? 0
        var intro = group == nil ? t(.addGroupIntro) : t(.editGroupIntro)
        if registered > 0 {
            intro += " " + t(.editGroupRegisteredNote).replacingOccurrences(of: "{count}", with: Formatting.number(registered, language))
        }
        return FormPage(
            heading: heading, intro: intro, action: group.map { "\(ids.path)/groupes/\($0.id)/modifier" } ?? "\(ids.path)/nouveau-groupe",
            submit: group == nil ? t(.addGroupSubmit) : t(.editGroupSubmit),
            fields: [
                .init(name: "nameFr", label: t(.groupNameFrenchAny), value: draft.nameFr, autocomplete: "off", hint: t(.groupNameHint)),
                .init(name: "nameEn", label: t(.groupNameEnglishAny), value: draft.nameEn, autocomplete: "off"),
                .init(name: "startsOn", label: t(.groupStartsOn), value: draft.startsOn, autocomplete: "off", hint: t(.dateHint)),
                .init(name: "endsOn", label: t(.groupEndsOn), value: draft.endsOn, autocomplete: "off", hint: t(.dateHint)),
                .init(
                    name: "capacity", label: t(.capacity), kind: .number, value: draft.capacity, inputmode: "numeric",
                    hint: group == nil ? "" : t(.capacityHint)),
                .init(
                    name: "waitlist", label: t(.waitlistSize), kind: .number, value: draft.waitlist, inputmode: "numeric", hint: t(.waitlistSizeHint)),
                optional("scheduleFr", .scheduleFrench, draft.scheduleFr, hint: .scheduleHint),
                optional("scheduleEn", .scheduleEnglish, draft.scheduleEn),
                optional("locationFr", .locationFrench, draft.locationFr),
                optional("locationEn", .locationEnglish, draft.locationEn),
                online,
                optional("accessFr", .accessFrench, draft.accessFr, hint: .accessHint, kind: .textarea),
                optional("accessEn", .accessEnglish, draft.accessEn, kind: .textarea),
            ],
            links: [.init(href: ids.path, label: t(.backToOffering))])
    }

    /// The group of the offering, or nil (another offering's, or none).
    static func group(_ offering: Offering, _ id: String?) -> Group? {
        offering.sessions.first { $0.id == id?.lowercased() }
    }

    func groupPage(_ request: Request, ids: IDs, group id: String?) async throws -> Response {
        let language = LanguageChoice.of(request)
        if let id, let refused = registrar.staffArea.notFoundUnlessIDs([id], request) { return refused }
        return try await changingOffering(request, ids: ids) { session, offering in
            let group = Self.group(offering, id)
            if id != nil, group == nil { return registrar.staffArea.notFound(request) }
            let form = groupForm(language, ids: ids, draft: group.map(GroupDraft.init) ?? GroupDraft(), editing: group, offering: offering)
            return kit.formResponse(form, request: request, language: language, signedIn: true)
        }
    }

    func saveGroup(_ request: Request, ids: IDs, group id: String?) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        let form = try await PostedForm(request, cookies: kit.cookies)
        if let id, let refused = registrar.staffArea.notFoundUnlessIDs([id], request) { return refused }
        let back = id.map { "\(ids.path)/groupes/\($0)/modifier" } ?? "\(ids.path)/nouveau-groupe"
        return try await changingOffering(request, ids: ids, back: back) { session, offering in
            let group = Self.group(offering, id)
            if id != nil, group == nil { return registrar.staffArea.notFound(request) }
            let draft = GroupDraft(form)
            var page = groupForm(language, ids: ids, draft: draft, editing: group, offering: offering)
            // What the form itself can tell (a number, a date, a text in one language only); the rest is the catalogue's.
            let capacity = Int(draft.capacity).flatMap { $0 >= 0 ? $0 : nil }
            if capacity == nil { page.addErrors([t(.capacityError)], to: "capacity") }
            let waitlist = Int(draft.waitlist.isEmpty ? "0" : draft.waitlist).flatMap { $0 >= 0 ? $0 : nil }
            if waitlist == nil { page.addErrors([t(.capacityError)], to: "waitlist") }
            for (name, value) in [("startsOn", draft.startsOn), ("endsOn", draft.endsOn)] where CalendarDate(value) == nil {
                page.addErrors([t(.dateError)], to: name)
            }
            for pair in draft.pairs where pair.fr.isEmpty != pair.en.isEmpty {
                page.addErrors([t(.bothLanguagesError)], to: pair.fr.isEmpty ? pair.frName : pair.enName)
            }
            guard !page.hasErrors, let capacity, let waitlist else {
                return kit.formResponse(page, request: request, language: language, status: .unprocessableContent, signedIn: true)
            }
            func text(_ fr: String, _ en: String) -> LocalizedText? { fr.isEmpty ? nil : .init(fr: fr, en: en) }
            let name = LocalizedText(fr: draft.nameFr, en: draft.nameEn)
            let answer: any Sendable
            if let group {
                // An empty text takes the schedule, place or instructions away.
                let body = CatalogueClient.Components.Schemas.SessionUpdate(
                    name: name, startsOn: draft.startsOn, endsOn: draft.endsOn, capacity: capacity, waitlistSize: waitlist,
                    schedule: .init(fr: draft.scheduleFr, en: draft.scheduleEn), location: .init(fr: draft.locationFr, en: draft.locationEn),
                    online: draft.online, accessInstructions: .init(fr: draft.accessFr, en: draft.accessEn))
                let changed = try await registrar.acting(session) {
                    try await catalogue.updateSession(path: .init(offeringId: offering.id, sessionId: group.id), body: .json(body))
                }
                if case .ok = changed { return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=groupe-modifie"]) }
                answer = changed
            } else {
                let body = CatalogueClient.Components.Schemas.NewSession(
                    name: name, startsOn: draft.startsOn, endsOn: draft.endsOn, capacity: capacity, waitlistSize: waitlist,
                    schedule: text(draft.scheduleFr, draft.scheduleEn), location: text(draft.locationFr, draft.locationEn), online: draft.online,
                    accessInstructions: text(draft.accessFr, draft.accessEn))
                let added = try await registrar.acting(session) {
                    try await catalogue.addSession(path: .init(offeringId: offering.id), body: .json(body))
                }
                if case .created = added { return Response(status: .seeOther, headers: [.location: "\(ids.path)?fait=groupe-ajoute"]) }
                answer = added
            }
            switch try ServiceProblem.of(answer).status {
            case 400, 409, 422:
                page.formErrorsTarget = "capacity"  // what names no field: the capacity below the seats taken, mostly
                return try kit.refused(
                    answer, page: page, request: request, language: language, signedIn: true,
                    fields: [
                        "name.fr": "nameFr", "name.en": "nameEn", "startsOn": "startsOn", "endsOn": "endsOn", "capacity": "capacity",
                        "waitlistSize": "waitlist", "registrationClosesAt": "endsOn",
                    ])
            default: return try registrar.staffArea.refusal(answer, request: request, back: back)
            }
        }
    }
}
