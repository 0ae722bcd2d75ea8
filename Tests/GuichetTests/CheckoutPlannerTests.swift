import Contracts
import DomainKit
import Foundation
import Testing

@testable import Enrolment

/// The checkout's decisions, without a database: what it registers and charges, and every refusal at once.
@Suite struct CheckoutPlannerTests {
    let payer = CheckoutEvent.Payer(accountId: UUID(), email: "parent@example.org", name: "Marie", language: "fr")
    let planner = CheckoutPlanner(holdDuration: 900)
    let now = Date()

    func line(_ offering: OfferingEvent, _ participant: LineParticipant, cartLineId: UUID? = nil) -> CheckoutRequestLine {
        CheckoutRequestLine(
            participant: participant, offeringId: offering.offeringId, sessionId: offering.sessions[0].sessionId, organisationOfOriginId: nil,
            items: [], cartLineId: cartLineId)
    }

    @Test func pricesEachLineForItsParticipantAndHoldsUntilTheHoldEnds() throws {
        let school = UUID()
        let camp = openOffering(
            priceCents: 26_000, prices: [.init(amount: .init(amountCents: 22_000), organisationOfOriginId: school, residency: nil)], now: now)
        let child = UUID()
        let facts = CheckoutPlanner.Facts(
            offerings: [camp.offeringId: camp],
            participants: [child: .init(name: "Léa Roy", birthDate: "2016-03-04", origin: school, originChain: [school])],
            activeRegistrations: [], cartLinesMissingPlans: [])
        let guest = NewParticipant(firstName: "Noé", lastName: "Roy", birthDate: "2015-05-06")
        let plan = try planner.plan(
            checkoutId: UUID(), payer: payer, sellingOrganisationId: nil, lines: [line(camp, .existing(child)), line(camp, .new(guest))],
            facts: facts, now: now)
        #expect(plan.registrations.map(\.amountCents) == [22_000, 26_000], "the school's price from the record, the base price otherwise")
        #expect(plan.checkout.details.total.amountCents == 48_000)
        #expect(plan.checkout.status == .awaitingPayment && plan.announcesRequest)
        #expect(plan.checkout.details.holdExpiresAt == now + 900)
        #expect(plan.newParticipants.map(\.person.firstName) == ["Noé"])
        #expect(plan.registrations[1].line.participantId == plan.newParticipants[0].id)
        #expect(plan.checkout.details.sellingOrganisationId == camp.sellingOrganisationId)
    }

    /// An offering sold by its items alone (a fund-raiser's lunches) is refused without any: a line that buys
    /// nothing is not a registration confirmed for free.
    @Test func anOfferingSoldByItsItemsNeedsAtLeastOne() throws {
        let lunches = EnrolmentCheckoutTests.macaroni
        let fundRaiser = openOffering(priceCents: 0, items: lunches, now: now)
        #expect(throws: FieldErrors.self) {
            try Pricing.price(fundRaiser, origin: nil, residency: nil, quantities: [.init(itemId: lunches[0].itemId, quantity: 0)])
        }
        let refusal = #expect(throws: FieldErrors.self) { try Pricing.price(fundRaiser, origin: nil, residency: nil, quantities: []) }
        #expect(refusal?.errors.map(\.field) == ["items"] && refusal?.errors.map(\.code) == ["required"])
        let priced = try Pricing.price(fundRaiser, origin: nil, residency: nil, quantities: [.init(itemId: lunches[1].itemId, quantity: 2)])
        #expect(priced.total == 1_100)
        // A seat with a price is a registration on its own; its items stay optional.
        let camp = openOffering(priceCents: 9_500, items: lunches, now: now)
        #expect(try Pricing.price(camp, origin: nil, residency: nil, quantities: []).total == 9_500)
    }

    @Test func aFreeCheckoutIsConfirmedAtOnce() throws {
        let free = openOffering(priceCents: 0, now: now)
        let plan = try planner.plan(
            checkoutId: UUID(), payer: payer, sellingOrganisationId: nil,
            lines: [line(free, .new(.init(firstName: "A", lastName: "B", birthDate: "2014-01-01")))],
            facts: .init(offerings: [free.offeringId: free], participants: [:], activeRegistrations: [], cartLinesMissingPlans: []), now: now)
        #expect(plan.checkout.status == .confirmed && !plan.announcesRequest)
    }

    @Test func everyRefusalIsReportedAtOnceAndNothingIsPlanned() {
        let camp = openOffering(now: now)
        let elsewhere = openOffering(now: now)
        let child = UUID()
        let stranger = UUID()
        let facts = CheckoutPlanner.Facts(
            offerings: [camp.offeringId: camp, elsewhere.offeringId: elsewhere],
            participants: [child: .init(name: "Léa Roy", birthDate: "2016-03-04")],
            activeRegistrations: ["\(child) \(camp.sessions[0].sessionId)"], cartLinesMissingPlans: [])
        let unknown = CheckoutRequestLine(
            participant: .existing(child), offeringId: UUID(), sessionId: UUID(), organisationOfOriginId: nil, items: [])
        #expect(throws: CheckoutRefusal.self) {
            try planner.plan(checkoutId: UUID(), payer: payer, sellingOrganisationId: nil, lines: [], facts: facts, now: now)
        }
        do {
            _ = try planner.plan(
                checkoutId: UUID(), payer: payer, sellingOrganisationId: nil,
                lines: [line(camp, .existing(child)), line(camp, .existing(stranger)), line(elsewhere, .existing(child)), unknown],
                facts: facts, now: now)
            Issue.record("planned a checkout with refused lines")
        } catch {
            guard case .invalid(let errors) = error else { Issue.record("\(error)"); return }
            let codes = Dictionary(errors.map { ($0.field, $0.code) }, uniquingKeysWith: { first, _ in first })
            #expect(codes["lines[0].participantId"] == "alreadyRegistered")
            #expect(codes["lines[1].participantId"] == "unknown", "another family's child reads as unknown")
            #expect(codes["lines[2].offeringId"] == "otherOrganisation")
            #expect(codes["lines[3].offeringId"] == "unknown")
        }
        #expect(throws: CheckoutRefusal.empty) {
            try planner.plan(checkoutId: UUID(), payer: payer, sellingOrganisationId: nil, lines: [], facts: facts, now: now)
        }
    }
}
