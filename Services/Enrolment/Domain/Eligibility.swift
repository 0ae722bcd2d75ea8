import Contracts
import Foundation
import DomainKit

/// Who may take a seat, checked when a line is added and again at checkout (the window may have closed since).
enum Eligibility {
    /// The reasons `participant` cannot register to `sessionId` of `offering` at `now`, as field errors under `prefix`.
    static func errors(
        offering: OfferingEvent, sessionId: UUID, birthDate: String, contractVersion: Int?, now: Date, prefix: String = ""
    ) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(.init(field: prefix + field, code: code, message: .init(fr: fr, en: en)))
        }
        let open =
            offering.status == "published"
            && (offering.registrationOpensAt.map { $0 <= now } ?? true)
            && (offering.registrationClosesAt.map { now < $0 } ?? true)
        if !open {
            add(
                "offeringId", "registrationClosed", fr: "Les inscriptions ne sont pas ouvertes pour cette offre.",
                en: "Registration is not open for this offering.")
        }
        guard let session = offering.sessions.first(where: { $0.sessionId == sessionId }) else {
            add("sessionId", "unknown", fr: "Cette session n'existe pas pour cette offre.", en: "This session does not belong to this offering.")
            return errors
        }
        if let birth = CalendarDate(birthDate), let starts = CalendarDate(session.startsOn), let rule = offering.eligibility {
            let age = birth.years(until: starts)
            if let minimum = rule.minimumAge, age < minimum {
                add(
                    "participantId", "tooYoung", fr: "Âge minimum : \(minimum) ans au début de la session.",
                    en: "Minimum age: \(minimum) when the session starts.")
            }
            if let maximum = rule.maximumAge, age > maximum {
                add(
                    "participantId", "tooOld", fr: "Âge maximum : \(maximum) ans au début de la session.",
                    en: "Maximum age: \(maximum) when the session starts.")
            }
        }
        if let contract = offering.contract, contractVersion != contract.version {
            add(
                "contractAcceptance", "required",
                fr: "Acceptez les clauses du contrat (version \(contract.version)) avant de payer.",
                en: "Accept the contract clauses (version \(contract.version)) before paying.")
        }
        return errors
    }

    /// What the organisation's records prove: the organisation of origin (a request may repeat it, never choose
    /// it), membership of an eligible organisation, and the prerequisite courses completed. A guest's or a
    /// hand-added child's participant proves none, so offerings restricted this way need a linked record.
    static func membershipErrors(
        offering: OfferingEvent, requestedOrigin: UUID?, participant: ParticipantFacts, prefix: String = ""
    ) -> [FieldError] {
        var errors: [FieldError] = []
        func add(_ field: String, _ code: String, fr: String, en: String) {
            errors.append(.init(field: prefix + field, code: code, message: .init(fr: fr, en: en)))
        }
        if let requestedOrigin, requestedOrigin != participant.origin {
            add(
                "organisationOfOriginId", "notFromRecord",
                fr: "L'organisme d'origine vient du dossier du participant; liez son dossier pour obtenir ce tarif.",
                en: "The organisation of origin comes from the participant's record; link their record to get this price.")
        }
        if let eligible = offering.eligibility?.eligibleOrganisationIds, !eligible.isEmpty,
            Set(eligible).isDisjoint(with: participant.originChain)
        {
            add(
                "participantId", "notEligible",
                fr: "Cette offre est réservée aux participants des organismes admissibles; liez le dossier du participant.",
                en: "This offering is for participants of eligible organisations only; link the participant's record.")
        }
        if let required = offering.eligibility?.prerequisiteCodes, !required.isEmpty {
            let missing = required.filter { !participant.completedCodes.contains($0) }
            if !missing.isEmpty {
                add(
                    "participantId", "prerequisiteMissing",
                    fr: "Préalable non réussi : \(missing.joined(separator: ", ")).",
                    en: "Prerequisite not completed: \(missing.joined(separator: ", ")).")
            }
        }
        return errors
    }

    /// A plan the offering requires (`documents.interventionPlan == "required"`) that is not attached yet: said on
    /// the cart line and refused at checkout.
    static func planErrors(offering: OfferingEvent, hasPlan: Bool, prefix: String = "") -> [FieldError] {
        guard offering.documents?.interventionPlan == "required", !hasPlan else { return [] }
        return [
            FieldError(
                field: prefix + "documents", code: "interventionPlanRequired",
                message: .init(fr: "Joignez le plan d'intervention avant de payer.", en: "Attach the intervention plan before paying."))
        ]
    }

    /// The participant fields the offering asks (`participantFields`) that the participant's profile or record
    /// does not fill: a guardian fills the profile, a guest answers on the line, staff may override.
    static func fieldErrors(offering: OfferingEvent, participant: ParticipantFacts, prefix: String = "") -> [FieldError] {
        let missing = (offering.participantFields ?? []).filter { !participant.filledFields.contains($0) }
        guard !missing.isEmpty else { return [] }
        return [
            FieldError(
                field: prefix + "participantFields", code: "participantFieldsMissing",
                message: .init(
                    fr: "Renseignements demandés par cette offre et manquants au profil du participant : \(missing.joined(separator: ", ")).",
                    en: "Information this offering asks for, missing from the participant's profile: \(missing.joined(separator: ", "))."))
        ]
    }
}
