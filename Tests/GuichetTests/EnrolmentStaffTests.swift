import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Enrolment

/// Staff (Clara) find students with wildcards, register them without payment, read class lists; guardians and
/// staff cancel, with the refund the offering's policy allows.
@Suite struct EnrolmentStaffTests {
    @Test func staffFindRegisterAndListTheirStudents() async throws {
        let college = UUID()
        let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: college, role: "staff")])
        let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering(seller: college, code: "601-103-MQ", capacity: 30)
            try await withEvents(database) { events in try await events.publish(course) }
            let csv =
                "fileNumber,firstName,lastName,birthDate,group,programme\n" + """
                    1111111,Julie,Leblanc,2006-01-02,01,500.A1
                    2222222,Marc,Leblond,2006-03-04,02,200.B1
                    3333333,Anne,Tremblay,2006-05-06,01,500.A1
                    """
            let imported = try await enrolment.execute(
                uri: "/v1/staff/organisations/\(college.uuidString)/records", method: .put,
                headers: [.authorization: "Bearer \(staffToken)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            #expect(imported.status == .ok)

            func search(_ q: String, token: String? = nil) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/staff/participants?organisation=\(college.uuidString)&q=\(q)", method: .get, headers: bearer(token ?? staffToken))
            }
            func names(_ response: TestResponse) throws -> [String] {
                #expect(response.status == .ok, "\(response.text)")
                return (try response.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["lastName"] as? String }
            }
            #expect(try names(await search("Lebl*")) == ["Leblanc", "Leblond"])
            #expect(try names(await search("lebl")) == [], "without a wildcard, the whole name")
            #expect(try names(await search("%3Feblanc")) == ["Leblanc"], "? is one character")
            #expect(try names(await search("julie%20leblanc")) == ["Leblanc"])
            #expect(try names(await search("2222222")) == ["Leblond"])
            #expect(try names(await search("500.A1")) == ["Leblanc", "Tremblay"], "by programme")
            #expect(try names(await search("%25")) == [], "% is literal")
            #expect(try await search("Lebl*", token: outsider).status == .forbidden)

            let julie = try #require((try await search("Leblanc").json()["items"] as? [[String: Any]])?.first?["id"] as? String)
            let body: [String: Any] = [
                "participantId": julie, "offeringId": course.offeringId.uuidString, "sessionId": course.sessions[0].sessionId.uuidString,
                "fundingSource": "Emploi-Québec",
            ]
            let outsiderTry = try await enrolment.execute(
                uri: "/v1/staff/registrations", method: .post, headers: bearer(outsider, json: true), body: jsonBody(body))
            #expect(outsiderTry.status == .forbidden)
            let registered = try await enrolment.execute(
                uri: "/v1/staff/registrations", method: .post, headers: bearer(staffToken, json: true), body: jsonBody(body))
            #expect(registered.status == .created, "\(registered.text)")
            #expect(try registered.json()["status"] as? String == "confirmed")
            #expect(try await database.seats(course.sessions[0].sessionId) == (30, 0, 1))
            let twice = try await enrolment.execute(
                uri: "/v1/staff/registrations", method: .post, headers: bearer(staffToken, json: true), body: jsonBody(body))
            #expect(try twice.fieldErrors() == ["participantId": "alreadyRegistered"])

            let list = try await enrolment.execute(
                uri: "/v1/staff/sessions/\(course.sessions[0].sessionId.uuidString)/class-list", method: .get, headers: bearer(staffToken))
            let entries = try #require(try list.json()["items"] as? [[String: Any]])
            #expect(entries.map { $0["lastName"] as? String } == ["Leblanc"])
            #expect(entries.first?["fundingSource"] as? String == "Emploi-Québec")
            var csvHeaders = bearer(staffToken)
            csvHeaders[.accept] = "text/csv"
            let exported = try await enrolment.execute(
                uri: "/v1/staff/sessions/\(course.sessions[0].sessionId.uuidString)/class-list", method: .get, headers: csvHeaders)
            #expect(
                exported.text == "lastName,firstName,birthDate,fileNumber,group,fundingSource\nLeblanc,Julie,2006-01-02,1111111,01,Emploi-Québec\n")
            #expect(
                try await enrolment.execute(
                    uri: "/v1/staff/sessions/\(course.sessions[0].sessionId.uuidString)/class-list", method: .get, headers: bearer(outsider)
                ).status == .forbidden)
            // The student's record with the college: this registration, under its term.
            let record = try await enrolment.execute(
                uri: "/v1/staff/participants/\(julie)/record?organisation=\(college.uuidString)", method: .get, headers: bearer(staffToken))
            let terms = try #require(try record.json()["terms"] as? [[String: Any]], "\(record.text)")
            #expect((terms.first?["registrations"] as? [[String: Any]])?.first?["fundingSource"] as? String == "Emploi-Québec")
            #expect(
                try await enrolment.execute(
                    uri: "/v1/staff/participants/\(julie)/record?organisation=\(college.uuidString)", method: .get, headers: bearer(outsider)
                ).status == .forbidden)

            // Staff cancel it: nothing to give back, the seat returns.
            let registration = try #require(try registered.json()["id"] as? String)
            let cancelled = try await enrolment.execute(
                uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(staffToken))
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(((try cancelled.json()["refund"] as? [String: Any])?["amountCents"]) as? Int == 0)
            #expect(try await database.seats(course.sessions[0].sessionId) == (30, 0, 0))
        }
    }

    @Test func staffBillARegistrationToAGuardianAndItsInvoiceFollowsPaymentAndCancellation() async throws {
        let city = UUID()
        let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: city, role: "staff")])
        let (mother, stranger) = (UUID(), UUID())
        let motherToken = try await TestKeys.shared.token(for: mother)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(
                seller: city, code: "CAMP-ETE", priceCents: 12_000, capacity: 5, sessions: 2,
                refundPolicy: .init(kind: "full-before-start", administrationFee: nil))
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(mother, email: "mere@example.org")
                try await events.verifiedAccount(stranger, email: "autre@example.org")
            }
            let csv =
                "fileNumber,firstName,lastName,birthDate,address,phone,guardianEmails,residency,household\n"
                + "H-2001,Léa,Bouchard,2016-02-03,1 rue du Lac,,mere@example.org,resident,\n"
            let imported = try await enrolment.execute(
                uri: "/v1/staff/organisations/\(city.uuidString)/records", method: .put,
                headers: [.authorization: "Bearer \(staffToken)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            #expect(imported.status == .ok, "\(imported.text)")
            let linked = try await enrolment.execute(
                uri: "/v1/participants/links", method: .post, headers: bearer(motherToken, json: true),
                body: jsonBody(["organisationId": city.uuidString, "fileNumber": "H-2001", "birthDate": "2016-02-03"]))
            #expect(linked.status == .ok, "\(linked.text)")
            let child = try #require(try linked.json()["id"] as? String)
            let today = CalendarDate(Date())
            func register(group: Int, payer: UUID, due: CalendarDate) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/staff/registrations", method: .post, headers: bearer(staffToken, json: true),
                    body: jsonBody([
                        "participantId": child, "offeringId": camp.offeringId.uuidString, "sessionId": camp.sessions[group].sessionId.uuidString,
                        "fundingSource": "Famille", "invoice": ["payerAccountId": payer.uuidString, "dueDate": due.description],
                    ]))
            }
            // Only one of the child's guardians, and a due date from today to a year ahead; refused, nothing is made.
            #expect(
                try await register(group: 0, payer: stranger, due: today.adding(days: 30)).fieldErrors() == ["invoice.payerAccountId": "notAGuardian"]
            )
            #expect(try await register(group: 0, payer: mother, due: today.adding(days: -1)).fieldErrors() == ["invoice.dueDate": "outOfRange"])
            #expect(try await database.count("SELECT count(*) FROM enrolment.registrations") == 0)

            let billed = try await register(group: 0, payer: mother, due: today.adding(days: 30))
            #expect(billed.status == .created, "\(billed.text)")
            #expect(((try billed.json()["amount"] as? [String: Any])?["amountCents"] as? Int) == 12_000)
            let registration = try #require(try billed.json()["id"] as? String)
            let requested = try await database.enrolmentEvents(EventName.invoiceRequested)
            #expect(requested.count == 1)
            let invoice = try #require(requested.first)
            #expect((invoice["payer"] as? [String: Any])?["email"] as? String == "mere@example.org")
            #expect((invoice["payer"] as? [String: Any])?["language"] as? String == "fr")
            #expect((invoice["total"] as? [String: Any])?["amountCents"] as? Int == 12_000)
            #expect(invoice["dueDate"] as? String == today.adding(days: 30).description)
            #expect(((invoice["lines"] as? [[String: Any]])?.first?["registrationId"] as? String)?.lowercased() == registration)
            let invoiceId = try #require((invoice["invoiceId"] as? String)?.lowercased())

            // Payment says the family paid it (twice, as a redelivery would).
            let paid = InvoicePaidEvent(
                invoiceId: UUID(uuidString: invoiceId)!, version: 2, invoiceNumber: "VILLE-F-2026-000001", paymentId: UUID(),
                receiptNumber: "VILLE-2026-000001", registrationIds: [UUID(uuidString: registration)!], amount: .init(amountCents: 12_000))
            try await withEvents(database) { events in
                try await events.send(EventName.invoicePaid, from: "payment", paid)
                try await events.send(EventName.invoicePaid, from: "payment", paid)
            }
            try await eventually("the invoice is paid") {
                try await database.count(
                    "SELECT count(*) FROM enrolment.invoices WHERE status = 'paid' AND number = 'VILLE-F-2026-000001' AND receipt_number = 'VILLE-2026-000001'"
                )
                    == 1
            }
            // Cancelled before the start, the paid registration is refunded in full through the invoice's payment.
            let cancelled = try await enrolment.execute(
                uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(staffToken))
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            let refund = try #require(try await database.enrolmentEvents(EventName.refundRequested).first)
            #expect((refund["checkoutId"] as? String)?.lowercased() == invoiceId)
            #expect((refund["amount"] as? [String: Any])?["amountCents"] as? Int == 12_000)
            #expect(try await database.enrolmentEvents(EventName.invoiceCancelled).isEmpty, "a paid invoice is not cancelled")

            // Billed in the other group and cancelled before being paid: the invoice is cancelled, nothing is refunded.
            let second = try await register(group: 1, payer: mother, due: today.adding(days: 10))
            #expect(second.status == .created, "\(second.text)")
            let secondId = try #require(try second.json()["id"] as? String)
            #expect(
                try await enrolment.execute(uri: "/v1/registrations/\(secondId)/cancellation", method: .post, headers: bearer(staffToken)).status
                    == .ok)
            let voided = try await database.enrolmentEvents(EventName.invoiceCancelled)
            #expect(voided.count == 1)
            #expect(voided.first?["version"] as? Int == 2)
            #expect(((voided.first?["lines"] as? [[String: Any]])?.first?["registrationId"] as? String)?.lowercased() == secondId)
            #expect(try await database.enrolmentEvents(EventName.refundRequested).count == 1)

            // The family's card was charged as the cancellation was made: what was paid goes back in full.
            let late = try #require(UUID(uuidString: voided.first?["invoiceId"] as? String ?? ""))
            try await withEvents(database) { events in
                try await events.send(
                    EventName.invoicePaid, from: "payment",
                    InvoicePaidEvent(
                        invoiceId: late, version: 3, invoiceNumber: "VILLE-F-2026-000002", paymentId: UUID(), receiptNumber: "VILLE-2026-000002",
                        registrationIds: [UUID(uuidString: secondId)!], amount: .init(amountCents: 12_000)))
            }
            try await eventually("the late payment is refunded") { try await database.enrolmentEvents(EventName.refundRequested).count == 2 }
            let back = try await database.enrolmentEvents(EventName.refundRequested)[1]
            #expect((back["checkoutId"] as? String)?.lowercased() == late.uuidString.lowercased())
            #expect((back["amount"] as? [String: Any])?["amountCents"] as? Int == 12_000)
            #expect(back["reason"] as? String == "cancelled-by-staff")
        }
    }

    @Test func staffMoveARegistrationToAnotherGroupWithItsSeat() async throws {
        let college = UUID()
        let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: college, role: "staff")])
        let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering(seller: college, code: "601-103-MQ", capacity: 1, sessions: 3)
            let other = openOffering(seller: college, code: "109-101-MQ", capacity: 5)
            try await withEvents(database) { events in
                try await events.publish(course)
                try await events.publish(other)
            }
            let ids = try await importTwoStudents(enrolment, college: college, staffToken: staffToken)
            func register(_ participant: String, group: Int) async throws -> String {
                let answer = try await enrolment.execute(
                    uri: "/v1/staff/registrations", method: .post, headers: bearer(staffToken, json: true),
                    body: jsonBody([
                        "participantId": participant, "offeringId": course.offeringId.uuidString,
                        "sessionId": course.sessions[group].sessionId.uuidString, "fundingSource": "Emploi-Québec",
                    ]))
                #expect(answer.status == .created, "\(answer.text)")
                return try #require(try answer.json()["id"] as? String)
            }
            let julie = try await register(ids[0], group: 0)
            _ = try await register(ids[1], group: 1)
            func move(_ registration: String, to session: UUID, token: String? = nil) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/staff/registrations/\(registration)/session", method: .put, headers: bearer(token ?? staffToken, json: true),
                    body: jsonBody(["sessionId": session.uuidString]))
            }
            #expect(try await move(julie, to: course.sessions[1].sessionId, token: outsider).status == .notFound, "another organisation's staff")
            let full = try await move(julie, to: course.sessions[1].sessionId)
            #expect(try full.status == .conflict && full.json()["type"] as? String == "/problems/session-full", "\(full.text)")
            #expect(try await database.seats(course.sessions[0].sessionId) == (1, 0, 1), "a full group moves nothing")
            #expect(try await move(julie, to: course.sessions[0].sessionId).fieldErrors() == ["sessionId": "same"])
            #expect(try await move(julie, to: other.sessions[0].sessionId).fieldErrors() == ["sessionId": "unknown"])

            let moved = try await move(julie, to: course.sessions[2].sessionId)
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try moved.json()["previousSessionId"] as? String == course.sessions[0].sessionId.uuidString.lowercased())
            #expect(try await database.seats(course.sessions[0].sessionId) == (1, 0, 0))
            #expect(try await database.seats(course.sessions[2].sessionId) == (1, 0, 1))
            let list = try await enrolment.execute(
                uri: "/v1/staff/sessions/\(course.sessions[2].sessionId.uuidString)/class-list", method: .get, headers: bearer(staffToken))
            #expect((try list.json()["items"] as? [[String: Any]])?.map { $0["lastName"] as? String } == ["Leblanc"])
            #expect(
                try await database.count(
                    "SELECT count(*) FROM enrolment.outbox WHERE routing_key = 'enrolment.registration.moved' AND subject = '\(julie)'") == 1)

            // A cancelled registration stays where it was.
            #expect(
                try await enrolment.execute(uri: "/v1/registrations/\(julie)/cancellation", method: .post, headers: bearer(staffToken)).status == .ok)
            let cancelled = try await move(julie, to: course.sessions[0].sessionId)
            #expect(try cancelled.status == .conflict && cancelled.json()["type"] as? String == "/problems/not-movable")
        }
    }

    @Test func staffTakeAttendanceOnTheGroupsDatesKeptAndExported() async throws {
        let college = UUID()
        let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: college, role: "staff")])
        let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
        try await withService(EnrolmentService.self) { enrolment, database in
            let course = openOffering(seller: college, code: "601-103-MQ", capacity: 5, sessions: 2)
            try await withEvents(database) { events in try await events.publish(course) }
            let people = try await importTwoStudents(enrolment, college: college, staffToken: staffToken)
            var registrations: [String] = []
            for (person, group) in zip(people, [0, 1]) {
                let answer = try await enrolment.execute(
                    uri: "/v1/staff/registrations", method: .post, headers: bearer(staffToken, json: true),
                    body: jsonBody([
                        "participantId": person, "offeringId": course.offeringId.uuidString, "sessionId": course.sessions[group].sessionId.uuidString,
                        "fundingSource": "Emploi-Québec",
                    ]))
                registrations.append(try #require(try answer.json()["id"] as? String, "\(answer.text)"))
            }
            let session = course.sessions[0]
            let day = session.startsOn
            let sheetURI = "/v1/staff/sessions/\(session.sessionId.uuidString)/attendance/\(day)"
            func mark(_ marks: [[String: String]], uri: String? = nil, token: String? = nil) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: uri ?? sheetURI, method: .put, headers: bearer(token ?? staffToken, json: true), body: jsonBody(["marks": marks]))
            }
            // Before anything is marked: the group's one confirmed registration, no mark.
            let empty = try await enrolment.execute(uri: sheetURI, method: .get, headers: bearer(staffToken))
            let entries = try #require(try empty.json()["entries"] as? [[String: Any]], "\(empty.text)")
            #expect(entries.map { $0["lastName"] as? String } == ["Leblanc"] && entries[0]["status"] == nil)

            // Another group's registration, a date outside the group, another organisation: refused, nothing kept.
            let wrong = try await mark([
                ["registrationId": registrations[0], "status": "present"], ["registrationId": registrations[1], "status": "late"],
            ])
            #expect(try wrong.fieldErrors() == ["marks[1].registrationId": "not-in-session"], "\(wrong.text)")
            let outside = try await mark(
                [["registrationId": registrations[0], "status": "present"]],
                uri: "/v1/staff/sessions/\(session.sessionId.uuidString)/attendance/2020-01-01")
            #expect(try outside.fieldErrors() == ["date": "outside-session"])
            #expect(try await mark([["registrationId": registrations[0], "status": "present"]], token: outsider).status == .notFound)
            #expect(try await enrolment.execute(uri: sheetURI, method: .get, headers: bearer(outsider)).status == .notFound)
            #expect(try await database.count("SELECT count(*) FROM enrolment.attendance") == 0)

            // Marked late, then present: one mark kept, the last.
            #expect(try await mark([["registrationId": registrations[0], "status": "late"]]).status == .ok)
            let saved = try await mark([["registrationId": registrations[0], "status": "present"]])
            #expect(try (saved.json()["entries"] as? [[String: Any]])?.first?["status"] as? String == "present", "\(saved.text)")
            #expect(try await database.count("SELECT count(*) FROM enrolment.attendance") == 1)

            let export = try await enrolment.execute(
                uri: "/v1/staff/sessions/\(session.sessionId.uuidString)/attendance", method: .get,
                headers: [.authorization: "Bearer \(staffToken)", .accept: "text/csv"])
            let rows = export.text.split(separator: "\n")
            #expect(rows.first == "date,lastName,firstName,status,recordedAt" && rows.count == 2, "\(export.text)")
            #expect(rows.last?.hasPrefix("\(day),Leblanc,Julie,present,") == true, "\(export.text)")
        }
    }

    @Test func anOfferingCancelledByItsOrganisationCancelsRefundsAndTellsItsFamilies() async throws {
        let parent = UUID()
        let parentToken = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(priceCents: 9_500, capacity: 5, refundPolicy: .init(kind: "none", administrationFee: .init(amountCents: 0)))
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
                let checkout = try await checkOutOneChild(enrolment, camp, token: parentToken)
                try await events.charge(checkout, amountCents: 9_500, succeeded: true)
                try await eventually("confirmed") { try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1) }
                _ = try await database.mailbox.waitForMail(to: "parent@example.org")

                // The organisation cancels: even with a "no refund" policy, what was paid goes back.
                var cancelled = camp
                cancelled.version = 2
                cancelled.status = "cancelled"
                try await events.send(EventName.offeringCancelled, from: "catalogue", cancelled)
                try await eventually("the registration is cancelled with its offering") {
                    try await database.count(
                        "SELECT count(*) FROM enrolment.registrations WHERE status = 'cancelled' AND status_reason = 'offering-cancelled'") == 1
                }
                #expect(try await database.seats(camp.sessions[0].sessionId) == (5, 0, 0))
                #expect(
                    try await database.count(
                        "SELECT count(*) FROM enrolment.refund_requests WHERE amount_cents = 9500 AND reason = 'offering-cancelled'") == 1)
                let mail = try await database.mailbox.waitForMail(to: "parent@example.org", count: 2)
                #expect(mail.subject.hasPrefix("Activité annulée") && mail.text.contains("remboursé en entier"), "\(mail.subject) \(mail.text)")

                // The same event again (a redelivery) cancels, refunds and mails nothing more.
                try await events.send(EventName.offeringCancelled, from: "catalogue", cancelled)
                try await Task.sleep(for: .seconds(2))
                #expect(try await database.count("SELECT count(*) FROM enrolment.refund_requests") == 1)
                #expect(try database.mailbox.mails(to: "parent@example.org").count == 2)
            }
        }
    }

    @Test func aGroupWhoseDatesMoveTellsItsFamiliesOnceAndADraftsNobody() async throws {
        let parent = UUID()
        let parentToken = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(priceCents: 9_500, capacity: 5, sessions: 2)
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
                let checkout = try await checkOutOneChild(enrolment, camp, token: parentToken)
                try await events.charge(checkout, amountCents: 9_500, succeeded: true)
                _ = try await database.mailbox.waitForMail(to: "parent@example.org")

                // The first week (where the child is) moves; the second only changes its name.
                var moved = camp
                moved.version = 2
                moved.sessions[0].startsOn = "2027-07-12"
                moved.sessions[0].endsOn = "2027-07-16"
                moved.sessions[1].name = .init(fr: "Semaine B", en: "Week B")
                try await events.send(EventName.offeringUpdated, from: "catalogue", moved)
                let mail = try await database.mailbox.waitForMail(to: "parent@example.org", count: 2)
                #expect(mail.subject.hasPrefix("Nouvelles dates"), "\(mail.subject)")
                #expect(
                    mail.text.contains("du 1 juillet 2027 au 5 juillet 2027") && mail.text.contains("du 12 juillet 2027 au 16 juillet 2027"),
                    "\(mail.text)")
                #expect(try await database.count("SELECT count(*) FROM enrolment.session_date_changes WHERE mailed_at IS NOT NULL") == 1)

                // The same event again, and an older one: nothing more recorded or mailed.
                try await events.send(EventName.offeringUpdated, from: "catalogue", moved)
                try await events.send(EventName.offeringUpdated, from: "catalogue", camp)
                try await Task.sleep(for: .seconds(2))
                #expect(try await database.count("SELECT count(*) FROM enrolment.session_date_changes") == 1)
                #expect(try database.mailbox.mails(to: "parent@example.org").count == 2)

                // A draft's dates move freely: it has nobody to tell.
                var draft = openOffering(capacity: 5)
                draft.status = "draft"
                try await events.send(EventName.offeringUpdated, from: "catalogue", draft)
                draft.version = 2
                draft.sessions[0].startsOn = "2027-08-02"
                try await events.send(EventName.offeringUpdated, from: "catalogue", draft)
                try await eventually("the draft's second version is kept") {
                    try await database.count(
                        "SELECT count(*) FROM enrolment.offering_sessions WHERE id = '\(draft.sessions[0].sessionId.uuidString.lowercased())' AND starts_on = '2027-08-02'"
                    ) == 1
                }
                #expect(try await database.count("SELECT count(*) FROM enrolment.session_date_changes") == 1)
            }
        }
    }

    @Test func aGuardianCancelsBeforeTheStartAndGetsWhatThePolicyAllows() async throws {
        let (parent, stranger) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(
                priceCents: 9_500, capacity: 5, refundPolicy: .init(kind: "full-before-start", administrationFee: .init(amountCents: 1_500)))
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
                let checkout = try await checkOutOneChild(enrolment, camp, token: parentToken)
                let registration =
                    try #require(
                        try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken))
                            .json()["items"] as? [[String: Any]]
                    ).first?["id"] as? String ?? ""
                try await enrolment.execute(uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(parentToken))
                    .problem("/problems/not-cancellable", status: .conflict)
                try await events.charge(checkout, amountCents: 9_500, succeeded: true)
                try await eventually("confirmed") { try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1) }

                // Staff write to everyone registered in the session; the guardian gets it once.
                let staffToken = try await TestKeys.shared.token(
                    for: UUID(), roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")])
                let messages = "/v1/staff/sessions/\(camp.sessions[0].sessionId.uuidString)/messages"
                let message: [String: Any] = ["subject": "Sortie annulée", "body": "La sortie de jeudi est remise à vendredi.\n<b>Merci</b>"]
                #expect(
                    try await enrolment.execute(uri: messages, method: .post, headers: bearer(parentToken, json: true), body: jsonBody(message))
                        .status == .forbidden)
                let sent = try await enrolment.execute(uri: messages, method: .post, headers: bearer(staffToken, json: true), body: jsonBody(message))
                #expect(sent.status == .accepted, "\(sent.text)")
                #expect(try sent.json()["recipients"] as? Int == 1)
                // Two mails, in either order (the confirmation is queued by the mailer, the message at once).
                _ = try await database.mailbox.waitForMail(to: "parent@example.org", count: 2)
                let mail = try #require(try database.mailbox.mails(to: "parent@example.org").first { $0.subject.hasSuffix("Sortie annulée") })
                #expect(mail.html.contains("&lt;b&gt;Merci&lt;/b&gt;"), "staff text never becomes markup")

                #expect(
                    try await enrolment.execute(uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(strangerToken))
                        .status == .notFound)
                // The quote shown before confirming: the same refund, nothing changed, nobody else's.
                #expect(
                    try await enrolment.execute(uri: "/v1/registrations/\(registration)/cancellation", method: .get, headers: bearer(strangerToken))
                        .status == .notFound)
                let quote = try await enrolment.execute(
                    uri: "/v1/registrations/\(registration)/cancellation", method: .get, headers: bearer(parentToken))
                #expect(((try quote.json()["refund"] as? [String: Any])?["amountCents"]) as? Int == 8_000, "\(quote.text)")
                #expect(try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1), "a quote changes nothing")
                // Staff cancelling it would send money back: with a code given 16 minutes ago, they are asked again.
                let staleStaff = try await TestKeys.shared.token(
                    for: UUID(), roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")], secondFactorAt: Date() - 16 * 60)
                try await enrolment.execute(uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(staleStaff))
                    .problem("/problems/second-factor-stale", status: .forbidden)
                #expect(try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1), "nothing cancelled")
                let cancelled = try await enrolment.execute(
                    uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(parentToken))
                #expect(cancelled.status == .ok, "\(cancelled.text)")
                #expect(((try cancelled.json()["refund"] as? [String: Any])?["amountCents"]) as? Int == 8_000, "less the 15 $ fee")
                #expect(try await database.seats(camp.sessions[0].sessionId) == (5, 0, 0))
                let request = try EventJSON.decoder.decode(
                    RefundRequestedEvent.self, from: Data(try await database.outboxPayload(EventName.refundRequested).utf8))
                #expect(request.amount.amountCents == 8_000 && request.reason == "cancelled-by-guardian")
                // The payer is told what was cancelled, the policy applied and what comes back, once.
                _ = try await database.mailbox.waitForMail(to: "parent@example.org", count: 3)
                let notices = try database.mailbox.mails(to: "parent@example.org").filter { $0.subject.hasPrefix("Inscription annulée") }
                #expect(notices.count == 1)
                let notice = try #require(notices.first)
                #expect(notice.text.contains("est annulée à votre demande"), "\(notice.text)")
                #expect(
                    notice.text.contains(
                        "Politique de remboursement de l'activité\u{00A0}: remboursement complet si l'annulation précède le début, moins des frais d'administration de \(MoneyText.format(1_500, english: false))."
                    ), "\(notice.text)")
                #expect(
                    notice.text.contains("\(MoneyText.format(8_000, english: false)) seront remboursés sur la carte qui a payé"), "\(notice.text)")
                func cancellation() async throws -> [String: Any]? {
                    let items = try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken)).json()["items"]
                    return (items as? [[String: Any]])?.first?["cancellation"] as? [String: Any]
                }
                let asked = try #require(try await cancellation())
                #expect(asked["reason"] as? String == "cancelled-by-guardian")
                #expect((asked["policy"] as? [String: Any])?["kind"] as? String == "full-before-start")
                #expect((asked["refund"] as? [String: Any])?["status"] as? String == "requested")

                let (refundId, paymentId) = (UUID(), UUID())
                try await events.send(
                    EventName.refundCompleted, from: "payment",
                    RefundCompletedEvent(
                        refundId: refundId, version: 1, paymentId: paymentId, checkoutId: request.checkoutId,
                        registrationIds: [request.registrationId],
                        amount: request.amount, refundRequestId: request.refundRequestId))
                try await eventually("the refund request is closed") {
                    try await database.count("SELECT count(*) FROM enrolment.refund_requests WHERE status = 'completed'") == 1
                }
                // The family's registrations lead to the credit note.
                let refund = try #require(try await cancellation()?["refund"] as? [String: Any])
                #expect(refund["status"] as? String == "completed")
                #expect((refund["amount"] as? [String: Any])?["amountCents"] as? Int == 8_000)
                #expect(refund["refundId"] as? String == refundId.uuidString.lowercased())
                #expect(refund["paymentId"] as? String == paymentId.uuidString.lowercased())
            }
        }
    }

    /// An `on-request` policy: the guardian's cancellation waits for the organisation, whose staff grant part of it
    /// (asked of payment, the family mailed) once; nothing is asked of payment before.
    @Test func anOnRequestRefundWaitsForTheOrganisationsDecision() async throws {
        let parent = UUID()
        let parentToken = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(
                priceCents: 9_500, capacity: 5, refundPolicy: .init(kind: "on-request", administrationFee: .init(amountCents: 500)))
            let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")])
            let outsider = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: UUID(), role: "staff")])
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
                let checkout = try await checkOutOneChild(enrolment, camp, token: parentToken)
                try await events.charge(checkout, amountCents: 9_500, succeeded: true)
                try await eventually("confirmed") { try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1) }
                // The confirmation mail first: a registration cancelled before the mailer's turn is never confirmed by
                // mail, and the decision's mail below would then be the only one (a race a loaded machine lost).
                _ = try await database.mailbox.waitForMail(to: "parent@example.org")
            }
            let registration =
                try #require(
                    try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken)).json()["items"]
                        as? [[String: Any]]
                ).first?["id"] as? String ?? ""
            let cancellation = "/v1/registrations/\(registration)/cancellation"
            let quote = try await enrolment.execute(uri: cancellation, method: .get, headers: bearer(parentToken)).json()
            #expect((quote["refund"] as? [String: Any])?["amountCents"] as? Int == 9_000 && quote["refundAwaitsDecision"] as? Bool == true)
            let cancelled = try await enrolment.execute(uri: cancellation, method: .post, headers: bearer(parentToken))
            #expect(try cancelled.json()["refundAwaitsDecision"] as? Bool == true, "\(cancelled.text)")
            #expect(try await database.seats(camp.sessions[0].sessionId) == (5, 0, 0), "the seat is freed at once")
            let asked = "SELECT count(*) FROM enrolment.outbox WHERE routing_key = '\(EventName.refundRequested)'"
            #expect(try await database.count(asked) == 0, "nothing asked of payment before the decision")

            let list = "/v1/staff/organisations/\(camp.sellingOrganisationId.uuidString)/refund-requests"
            let listed = try #require(
                try await enrolment.execute(uri: list, method: .get, headers: bearer(staffToken)).json()["items"] as? [[String: Any]])
            #expect(listed.count == 1 && (listed[0]["maximum"] as? [String: Any])?["amountCents"] as? Int == 9_000)
            #expect(listed[0]["status"] as? String == "awaiting-decision" && listed[0]["participantName"] as? String == "Noé Roy", "\(listed)")
            #expect(try await enrolment.execute(uri: list, method: .get, headers: bearer(outsider)).status == .forbidden)
            let request = try #require(listed[0]["id"] as? String)
            let decision = "/v1/staff/refund-requests/\(request)/decision"
            func decide(_ body: [String: Any], token: String? = nil) async throws -> TestResponse {
                try await enrolment.execute(uri: decision, method: .post, headers: bearer(token ?? staffToken, json: true), body: jsonBody(body))
            }
            #expect(try await decide(["grant": true], token: outsider).status == .notFound, "another organisation's")
            let parentAsStaff = try await TestKeys.shared.token(
                for: parent, roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")])
            #expect(try await decide(["grant": true], token: parentAsStaff).status == .forbidden, "the payer does not decide their own refund")
            let stale = try await TestKeys.shared.token(
                for: UUID(), roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")], secondFactorAt: Date() - 16 * 60)
            try await decide(["grant": true], token: stale).problem("/problems/second-factor-stale", status: .forbidden)
            #expect(try await decide(["grant": true, "amountCents": 9_500]).fieldErrors() == ["amountCents": "tooLarge"])
            #expect(try await decide(["grant": false]).fieldErrors() == ["note": "required"])
            #expect(try await database.count(asked) == 0, "refused attempts change nothing")

            // The notice leaves in the mailer's next round, before anyone decides (a person takes longer than a round):
            // decided first, under a loaded machine, it would tell the decision instead (seen once).
            try await eventually("the cancellation's notice") {
                try database.mailbox.mails(to: "parent@example.org").contains { $0.subject.hasPrefix("Inscription annulée") }
            }
            let granted = try await decide(["grant": true, "amountCents": 4_000, "note": "Moitié, la semaine était commencée."])
            #expect(granted.status == .ok, "\(granted.text)")
            #expect(
                try granted.json()["status"] as? String == "requested"
                    && (granted.json()["granted"] as? [String: Any])?["amountCents"] as? Int == 4_000)
            let event = try EventJSON.decoder.decode(
                RefundRequestedEvent.self, from: Data(try await database.outboxPayload(EventName.refundRequested).utf8))
            #expect(event.amount.amountCents == 4_000 && event.reason == "cancelled-by-guardian")
            try await decide(["grant": false, "note": "Non."]).problem("/problems/already-decided", status: .conflict)
            // The confirmation, the cancellation's notice (the organisation decides, at most 90 $), then the decision.
            try await eventually("the decision is mailed") {
                try database.mailbox.mails(to: "parent@example.org").contains { $0.subject.hasPrefix("Remboursement accordé") }
            }
            let notice = try #require(try database.mailbox.mails(to: "parent@example.org").first { $0.subject.hasPrefix("Inscription annulée") })
            #expect(
                notice.text.contains("L'organisme décidera du remboursement, au plus \(MoneyText.format(9_000, english: false))")
                    && notice.text.contains("remboursement décidé par l'organisme, au plus ce qui a été payé, moins des frais d'administration"),
                "\(notice.text)")
            let mail = try #require(try database.mailbox.mails(to: "parent@example.org").first { $0.subject.hasPrefix("Remboursement accordé") })
            #expect(mail.text.contains("40,00 $") && mail.text.contains("Moitié, la semaine était commencée."), "\(mail.text)")
            #expect(
                (try await enrolment.execute(uri: list, method: .get, headers: bearer(staffToken)).json()["items"] as? [[String: Any]])?.isEmpty
                    == true)
        }
    }

    /// Staff who refund the payment from its page have decided: the request awaiting a decision is settled, never
    /// granted on top.
    @Test func aRefundFromThePaymentPageSettlesARequestAwaitingADecision() async throws {
        let parent = UUID()
        let parentToken = try await TestKeys.shared.token(for: parent)
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(priceCents: 9_500, capacity: 5, refundPolicy: .init(kind: "on-request", administrationFee: nil))
            let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: camp.sellingOrganisationId, role: "staff")])
            try await withEvents(database) { events in
                try await events.publish(camp)
                try await events.verifiedAccount(parent, email: "parent@example.org")
                let checkout = try await checkOutOneChild(enrolment, camp, token: parentToken)
                try await events.charge(checkout, amountCents: 9_500, succeeded: true)
                try await eventually("confirmed") { try await database.seats(camp.sessions[0].sessionId) == (5, 0, 1) }
                let registration = try #require(
                    (try await enrolment.execute(uri: "/v1/registrations", method: .get, headers: bearer(parentToken)).json()["items"]
                        as? [[String: Any]])?.first?["id"] as? String)
                #expect(
                    try await enrolment.execute(uri: "/v1/registrations/\(registration)/cancellation", method: .post, headers: bearer(parentToken))
                        .status == .ok)
                let list = "/v1/staff/organisations/\(camp.sellingOrganisationId.uuidString)/refund-requests"
                let request = try #require(
                    (try await enrolment.execute(uri: list, method: .get, headers: bearer(staffToken)).json()["items"] as? [[String: Any]])?.first?[
                        "id"]
                        as? String)
                try await events.send(
                    EventName.refundCompleted, from: "payment",
                    RefundCompletedEvent(
                        refundId: UUID(), version: 1, paymentId: UUID(), checkoutId: try #require(UUID(uuidString: checkout)),
                        registrationIds: [try #require(UUID(uuidString: registration))],
                        amount: .init(amountCents: 3_000), refundRequestId: nil))
                try await eventually("the awaiting request is settled") {
                    try await database.count("SELECT count(*) FROM enrolment.refund_requests WHERE status = 'completed'") == 1
                }
                try await enrolment.execute(
                    uri: "/v1/staff/refund-requests/\(request)/decision", method: .post, headers: bearer(staffToken, json: true),
                    body: jsonBody(["grant": true])
                ).problem("/problems/already-decided", status: .conflict)
                #expect(try await database.count("SELECT count(*) FROM enrolment.outbox WHERE routing_key = '\(EventName.refundRequested)'") == 0)
            }
        }
    }

    @Test func profilesAreSealedAndOnlyGuardiansAndTheirOrganisationsStaffReadThemLogged() async throws {
        let (parent, stranger) = (UUID(), UUID())
        let parentToken = try await TestKeys.shared.token(for: parent)
        let strangerToken = try await TestKeys.shared.token(for: stranger)
        try await withService(EnrolmentService.self) { enrolment, database in
            let outing = {
                var offering = openOffering(priceCents: 0, capacity: 5)
                offering.participantFields = ["health-insurance-number", "allergies"]
                return offering
            }()
            let staffToken = try await TestKeys.shared.token(for: UUID(), roles: [.init(organisationId: outing.sellingOrganisationId, role: "staff")])
            try await withEvents(database) { events in
                try await events.publish(outing)
                try await events.verifiedAccount(parent, email: "parent@example.org")
            }
            let child = try #require(
                try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(parentToken, json: true),
                    body: jsonBody(["firstName": "Noé", "lastName": "Roy", "birthDate": "2014-01-01"])
                ).json()["id"] as? String)
            let profileURI = "/v1/participants/\(child)/profile"
            let bad = try await enrolment.execute(
                uri: profileURI, method: .put, headers: bearer(parentToken, json: true),
                body: jsonBody(["healthInsuranceNumber": "1234", "healthInsuranceExpiry": "2027-13", "permanentCode": "ROY", "phone": "555"]))
            #expect(
                try bad.fieldErrors() == [
                    "healthInsuranceNumber": "invalid", "healthInsuranceExpiry": "invalid", "permanentCode": "invalid", "phone": "invalid",
                ])
            // The spec's lengths, counted in code points as JSON Schema does (schemathesis found a 51-character group kept).
            let long = try await enrolment.execute(
                uri: profileURI, method: .put, headers: bearer(parentToken, json: true),
                body: jsonBody(["group": String(repeating: "e\u{301}", count: 26), "school": String(repeating: "x", count: 201)]))
            #expect(try long.fieldErrors() == ["group": "tooLong", "school": "tooLong"])
            let profile: [String: Any] = [
                "allergies": "Arachides (EpiPen dans le sac)", "healthInsuranceNumber": "ROYN 1401 0199", "healthInsuranceExpiry": "2028-04",
                "permanentCode": "ROYN14010199", "phone": "418 555-0101", "group": "401", "email": "noe@example.org",
                "emergencyContact": ["name": "Julie Roy", "phone": "418 555-0102", "relationship": "tante"],
            ]
            #expect(
                try await enrolment.execute(uri: profileURI, method: .put, headers: bearer(strangerToken, json: true), body: jsonBody(profile)).status
                    == .notFound)
            let saved = try await enrolment.execute(uri: profileURI, method: .put, headers: bearer(parentToken, json: true), body: jsonBody(profile))
            #expect(saved.status == .ok, "\(saved.text)")
            #expect(
                try await database.count(
                    "SELECT count(*) FROM enrolment.participants WHERE position(convert_to('Arachides', 'UTF8') in profile_sealed) > 0 OR position(convert_to('ROYN', 'UTF8') in profile_sealed) > 0"
                ) == 0)

            #expect(
                try await enrolment.execute(uri: profileURI, method: .get, headers: bearer(parentToken)).json()["allergies"] as? String
                    == "Arachides (EpiPen dans le sac)")
            #expect(try await enrolment.execute(uri: profileURI, method: .get, headers: bearer(strangerToken)).status == .notFound)
            #expect(
                try await enrolment.execute(uri: profileURI, method: .get, headers: bearer(staffToken)).status == .notFound,
                "not registered there yet")

            let line: [String: Any] = [
                "participantId": child, "offeringId": outing.offeringId.uuidString, "sessionId": outing.sessions[0].sessionId.uuidString,
            ]
            _ = try await enrolment.execute(uri: "/v1/cart/lines", method: .post, headers: bearer(parentToken, json: true), body: jsonBody(line))
            #expect(
                try await postCheckout(enrolment, ["sellingOrganisationId": outing.sellingOrganisationId.uuidString], token: parentToken).status
                    == .created)
            // The participant has an address of their own: the confirmation goes there too.
            #expect(try await database.mailbox.waitForMail(to: "noe@example.org").text.contains("Noé Roy"))
            let read = try await enrolment.execute(uri: profileURI, method: .get, headers: bearer(staffToken))
            #expect(try read.json()["healthInsuranceNumber"] as? String == "ROYN 1401 0199".uppercased())
            #expect(try read.json()["phone"] == nil && read.json()["emergencyContact"] == nil, "only the fields the outing asked")
            #expect(try await database.count("SELECT count(*) FROM enrolment.profile_reads") == 1, "the staff read is logged, the guardian's are not")

            // The class list shows the fields the outing asked that a list shows (allergies, not the insurance
            // number), and opening it is a logged read too; the stranger's staff see nothing.
            let classList = "/v1/staff/sessions/\(outing.sessions[0].sessionId.uuidString)/class-list"
            let listed = try await enrolment.execute(uri: classList, method: .get, headers: bearer(staffToken))
            #expect(try listed.json()["askedFields"] as? [String] == ["allergies"], "\(listed.text)")
            #expect(try (listed.json()["items"] as? [[String: Any]])?.first?["fields"] as? [String] == ["Arachides (EpiPen dans le sac)"])
            #expect(!listed.text.contains("ROYN"))
            #expect(try await database.count("SELECT count(*) FROM enrolment.profile_reads") == 2, "the class list's read is logged")
            let csv = try await enrolment.execute(
                uri: classList, method: .get, headers: [.authorization: "Bearer \(staffToken)", .accept: "text/csv"])
            #expect(csv.text.hasPrefix("lastName,firstName,birthDate,fileNumber,group,fundingSource,allergies\n"), "\(csv.text)")
            #expect(csv.text.contains("Roy,Noé,2014-01-01,,,,Arachides (EpiPen dans le sac)"), "\(csv.text)")
            #expect(try await enrolment.execute(uri: classList, method: .get, headers: bearer(strangerToken)).status == .forbidden)
            #expect(try await database.count("SELECT count(*) FROM enrolment.profile_reads") == 3)

            func found(_ q: String) async throws -> Int {
                (try await enrolment.execute(
                    uri: "/v1/staff/participants?organisation=\(outing.sellingOrganisationId.uuidString)&q=\(q)", method: .get,
                    headers: bearer(staffToken)
                ).json()["items"] as? [[String: Any]])?.count ?? -1
            }
            #expect(try await found("ROYN1401*") == 1)
            #expect(try await found("418%20555-0101") == 1)
        }
    }

    @Test func refundPoliciesAreAppliedToTheCent() {
        let start = CalendarDate("2027-07-05")!
        let end = CalendarDate("2027-07-14")!
        func refund(_ kind: String, today: String, fee: Int64 = 0) -> Int64 {
            RefundRules.refund(
                paidCents: 10_000, policy: .init(kind: kind, administrationFee: .init(amountCents: fee)), startsOn: start, endsOn: end,
                today: CalendarDate(today)!)
        }
        #expect(refund("none", today: "2027-06-01") == 0)
        #expect(refund("full-before-start", today: "2027-07-04", fee: 1_500) == 8_500)
        #expect(refund("full-before-start", today: "2027-07-05") == 0)
        #expect(refund("pro-rata", today: "2027-07-04") == 10_000)
        #expect(refund("pro-rata", today: "2027-07-10") == 4_000, "4 of 10 days left")
        #expect(refund("pro-rata", today: "2027-07-15") == 0)
        #expect(refund("pro-rata", today: "2027-07-13", fee: 5_000) == 0, "never below zero")
        // On a payment plan, part paid: the days given cost their share of the whole price.
        func planRefund(paid: Int64) -> Int64 {
            RefundRules.refund(
                paidCents: paid, priceCents: 10_000, policy: .init(kind: "pro-rata", administrationFee: nil), startsOn: start, endsOn: end,
                today: CalendarDate("2027-07-10")!)
        }
        #expect(planRefund(paid: 8_000) == 2_000, "6 of 10 days given cost 60 $")
        #expect(planRefund(paid: 5_000) == 0)
    }

    /// The attendance page's previous and next days, across a month's end, a leap day and a year's end.
    @Test func calendarDaysStepAcrossMonthsAndYears() {
        #expect(CalendarDate("2028-02-28")!.adding(days: 1).description == "2028-02-29")
        #expect(CalendarDate("2028-03-01")!.adding(days: -1).description == "2028-02-29")
        #expect(CalendarDate("2026-12-31")!.adding(days: 1).description == "2027-01-01")
        #expect(CalendarDate("2027-03-14")!.days(until: CalendarDate("2027-03-15")!) == 1, "a daylight-saving change is still one day")
    }
}

/// A college's records for Julie Leblanc and Marc Leblond, imported by its staff; their participant ids, Leblanc first.
func importTwoStudents(_ enrolment: any TestClientProtocol, college: UUID, staffToken: String) async throws -> [String] {
    let csv = "fileNumber,firstName,lastName,birthDate\n1111111,Julie,Leblanc,2006-01-02\n2222222,Marc,Leblond,2006-03-04\n"
    let imported = try await enrolment.execute(
        uri: "/v1/staff/organisations/\(college.uuidString)/records", method: .put,
        headers: [.authorization: "Bearer \(staffToken)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    #expect(imported.status == .ok)
    let found = try await enrolment.execute(
        uri: "/v1/staff/participants?organisation=\(college.uuidString)&q=Lebl*", method: .get, headers: bearer(staffToken))
    let ids = try #require(try found.json()["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
    try #require(ids.count == 2)
    return ids
}
