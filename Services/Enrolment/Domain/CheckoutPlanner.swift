import Contracts
import DomainKit
import Foundation

/// Why a checkout cannot be made as asked.
enum CheckoutRefusal: Error, Equatable {
    /// Lines that cannot be registered, each field with its reason; nothing is held.
    case invalid([FieldError])
    /// No line left to register.
    case empty
}

/// Everything a checkout writes, decided before anything is written: the store persists it as is.
struct CheckoutPlan: Sendable {
    struct NewPerson: Sendable {
        var id: UUID
        var person: NewParticipant
        /// A guest's answers to the offering's participant fields, sealed by the store.
        var profile: ParticipantProfile?
    }

    /// One registration per line, in the request's order.
    struct Registration: Sendable {
        var line: CheckoutEvent.Line
        /// The whole price; on a payment plan, the checkout charges `line`'s share (the deposit) only.
        var amountCents: Int64
        var depositCents: Int64?
        var organisationOfOriginId: UUID?
        var contractVersion: Int?
        var contractAcceptedAt: Date?
        var cartLineId: UUID?
    }

    var checkout: Checkout
    var newParticipants: [NewPerson]
    var registrations: [Registration]

    /// The event the checkout's creation announces: a paid one waits for payment, a free one is confirmed.
    var announcesRequest: Bool { checkout.status == .awaitingPayment }
}

/// Decides a checkout from the request and what was read for it (offerings, the payer's participants, their
/// active registrations, which cart lines lack a required plan): prices, eligibility, participant fields and
/// duplicates, every refusal at once. Pure: no clock, no database, no randomness but the identifiers it is given.
struct CheckoutPlanner: Sendable {
    var holdDuration: TimeInterval
    var newIdentifier: @Sendable () -> UUID = { UUID() }

    struct Facts: Sendable {
        var offerings: [UUID: OfferingEvent]
        /// The payer's own participants (a guest has none).
        var participants: [UUID: ParticipantFacts]
        /// "participant session" pairs already held or confirmed.
        var activeRegistrations: Set<String>
        /// Cart lines of offerings requiring an intervention plan that have none attached.
        var cartLinesMissingPlans: Set<UUID>
    }

    /// `paymentPlans`: the payer chose to pay a deposit now, and the rest in instalments, on the lines whose offering
    /// allows it.
    func plan(
        checkoutId: UUID, payer: CheckoutEvent.Payer, sellingOrganisationId: UUID?, lines: [CheckoutRequestLine], facts: Facts, now: Date,
        paymentPlans: Bool = false
    ) throws(CheckoutRefusal) -> CheckoutPlan {
        var instalments: [CheckoutEvent.Instalment] = []
        let today = CalendarDate(now).description
        var participants = facts.participants
        var errors: [FieldError] = []
        var newParticipants: [CheckoutPlan.NewPerson] = []
        var registrations: [CheckoutPlan.Registration] = []
        var seen = Set<String>()
        var seller = sellingOrganisationId
        for (index, line) in lines.enumerated() {
            let prefix = "lines[\(index)]."
            guard let offering = facts.offerings[line.offeringId] else {
                errors.append(.init(field: prefix + "offeringId", code: "unknown", message: .init(fr: "Offre inconnue.", en: "Unknown offering.")))
                continue
            }
            if seller == nil { seller = offering.sellingOrganisationId }
            if offering.sellingOrganisationId != seller {
                errors.append(
                    .init(
                        field: prefix + "offeringId", code: "otherOrganisation",
                        message: .init(
                            fr: "Une commande regroupe les offres d'un seul organisme.", en: "A checkout holds one organisation's offerings.")))
                continue
            }
            let participantId: UUID
            switch line.participant {
            case .existing(let id):
                participantId = id
                guard participants[id] != nil else {
                    errors.append(.unknownParticipant(prefix + "participantId"))
                    continue
                }
            case .new(let person):
                participantId = newIdentifier()
                newParticipants.append(.init(id: participantId, person: person, profile: line.guestProfile))
                participants[participantId] = .init(
                    name: "\(person.firstName) \(person.lastName)", birthDate: person.birthDate, residency: nil,
                    filledFields: Set(line.guestProfile?.filledFields ?? []))
            }
            let person = participants[participantId]!
            errors += Eligibility.errors(
                offering: offering, sessionId: line.sessionId, birthDate: person.birthDate, contractVersion: line.contractVersion, now: now,
                prefix: prefix)
            errors += Eligibility.membershipErrors(
                offering: offering, requestedOrigin: line.organisationOfOriginId, participant: person, prefix: prefix)
            errors += Eligibility.fieldErrors(offering: offering, participant: person, prefix: prefix)
            let pair = "\(participantId) \(line.sessionId)"
            if facts.activeRegistrations.contains(pair) || !seen.insert(pair).inserted {
                errors.append(.alreadyRegistered(prefix + "participantId"))
            }
            let priced: PricedLine
            do {
                priced = try Pricing.price(offering, origin: person.origin, residency: person.residency, quantities: line.items)
            } catch {
                errors += error.errors.map { FieldError(field: prefix + $0.field, code: $0.code, message: $0.message) }
                continue
            }
            let session = offering.sessions.first { $0.sessionId == line.sessionId }
            var event = CheckoutEvent.Line(
                registrationId: newIdentifier(), participantId: participantId, participantName: person.name, offeringId: offering.offeringId,
                offeringCode: offering.code, offeringTitle: offering.title, sessionId: line.sessionId,
                unitPrice: .init(amountCents: priced.unitPrice), items: priced.items, taxes: priced.taxes,
                subtotal: .init(amountCents: priced.subtotal), releve24: offering.childcareReceipt ?? false,
                participantBirthDate: person.birthDate, sessionStartDate: session?.startsOn, sessionEndDate: session?.endsOn)
            var deposit: Int64?
            if paymentPlans, let terms = offering.paymentPlan, let parts = terms.split(totalCents: priced.total, today: today) {
                let lines = event.split(parts)
                event = lines[0]
                deposit = parts[0]
                for (line, date) in zip(lines.dropFirst(), terms.instalmentDates) {
                    instalments.append(.init(instalmentId: newIdentifier(), dueDate: date, line: line))
                }
            }
            registrations.append(
                .init(
                    line: event, amountCents: priced.total, depositCents: deposit, organisationOfOriginId: line.organisationOfOriginId,
                    contractVersion: line.contractVersion, contractAcceptedAt: line.contractAcceptedAt, cartLineId: line.cartLineId))
        }
        // A required intervention plan must be attached to its line before paying.
        for (index, line) in lines.enumerated() {
            guard let offering = facts.offerings[line.offeringId] else { continue }
            let hasPlan = !(line.cartLineId.map(facts.cartLinesMissingPlans.contains) ?? true)
            errors += Eligibility.planErrors(offering: offering, hasPlan: hasPlan, prefix: "lines[\(index)].")
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        guard let seller, !registrations.isEmpty else { throw .empty }

        let total = registrations.reduce(Int64(0)) { $0 + $1.line.totalCents }
        let details = CheckoutEvent(
            checkoutId: checkoutId, version: 1, sellingOrganisationId: seller, payer: payer, lines: registrations.map(\.line),
            total: .init(amountCents: total), holdExpiresAt: now + holdDuration, instalments: instalments.isEmpty ? nil : instalments)
        // Nothing to pay (a free activity): confirmed at once.
        let checkout = Checkout(status: total == 0 ? .confirmed : .awaitingPayment, details: details, createdAt: now)
        return CheckoutPlan(checkout: checkout, newParticipants: newParticipants, registrations: registrations)
    }
}
