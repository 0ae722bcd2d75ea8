import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Testing

@testable import Enrolment

/// A full session's waitlist: visible positions, a freed seat held for the next in line, unclaimed offers pass on.
@Suite struct EnrolmentWaitlistTests {
    @Test func aFreedSeatIsOfferedInTurnAndAnUnclaimedOfferPassesOn() async throws {
        let (holder, first, second) = (UUID(), UUID(), UUID())
        let tokens = try await [holder, first, second].asyncMap { try await TestKeys.shared.token(for: $0) }
        try await withService(EnrolmentService.self) { enrolment, database in
            let camp = openOffering(capacity: 1)
            let session = camp.sessions[0].sessionId
            try await withEvents(database) { events in
                try await events.publish(camp)
                for (account, email) in zip([holder, first, second], ["holder@example.org", "first@example.org", "second@example.org"]) {
                    try await events.verifiedAccount(account, email: email)
                }
            }
            var children: [String] = []
            for (index, token) in tokens.enumerated() {
                let child = try await enrolment.execute(
                    uri: "/v1/participants", method: .post, headers: bearer(token, json: true),
                    body: jsonBody(["firstName": "Enfant", "lastName": "\(index)", "birthDate": "2015-01-01"]))
                children.append(try #require(try child.json()["id"] as? String))
            }
            func checkout(_ index: Int) async throws -> TestResponse {
                let line: [String: Any] = [
                    "participantId": children[index], "offeringId": camp.offeringId.uuidString, "sessionId": session.uuidString,
                ]
                _ = try await enrolment.execute(
                    uri: "/v1/cart/lines", method: .post, headers: bearer(tokens[index], json: true), body: jsonBody(line))
                return try await postCheckout(enrolment, ["sellingOrganisationId": camp.sellingOrganisationId.uuidString], token: tokens[index])
            }
            func join(_ index: Int) async throws -> TestResponse {
                try await enrolment.execute(
                    uri: "/v1/sessions/\(session.uuidString)/waitlist", method: .post, headers: bearer(tokens[index], json: true),
                    body: jsonBody(["participantId": children[index]]))
            }
            func entry(_ index: Int) async throws -> [String: Any] {
                let list = try await enrolment.execute(uri: "/v1/waitlist", method: .get, headers: bearer(tokens[index])).json()
                return (list["items"] as? [[String: Any]])?.first ?? [:]
            }

            try await join(1).problem("/problems/seats-available", status: .conflict)
            #expect(try await checkout(0).status == .created)
            #expect(try await join(1).json()["position"] as? Int == 1)
            #expect(try await join(2).json()["position"] as? Int == 2)
            try await join(2).problem("/problems/already-waiting", status: .conflict)
            try await postCheckout(enrolment, guestCheckout(camp)).problem("/problems/session-full", status: .conflict)

            // The holder never pays: the seat is held for the first in line, who is mailed.
            try await database.execute("UPDATE enrolment.checkouts SET hold_expires_at = now() - interval '1 second'")
            try await eventually("the first in line is offered the seat") { try await entry(1)["status"] as? String == "offered" }
            #expect(try await database.seats(session) == (1, 1, 0), "held for the offer")
            #expect(try await entry(2)["position"] as? Int == 1, "the second moves up")
            let mail = try await database.mailbox.waitForMail(to: "first@example.org")
            #expect(mail.subject.contains("Une place s'est libérée"), "\(mail.subject)")
            try await postCheckout(enrolment, guestCheckout(camp, children: [("Rapide", "2015-01-01")])).problem(
                "/problems/session-full", status: .conflict)

            // The first lets the offer lapse: it passes on.
            try await database.execute(
                "UPDATE enrolment.waitlist_entries SET offer_expires_at = now() - interval '1 second' WHERE status = 'offered'")
            try await eventually("the offer passes to the second") { try await entry(2)["status"] as? String == "offered" }
            #expect(try await entry(1)["status"] as? String == "expired")
            #expect(try await database.seats(session) == (1, 1, 0))

            // The second checks out: the held seat is taken over, never claimed twice.
            let taken = try await checkout(2)
            #expect(taken.status == .created, "\(taken.text)")
            #expect(try await database.seats(session) == (1, 1, 0))
            #expect(try await entry(2)["status"] as? String == "claimed")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
