import Foundation
import Contracts
import DomainKit
import Mail

/// The mails enrolment sends, in French and English. A confirmation carries the sessions' access instructions
/// (CAL: "toutes les informations nécessaires pour se connecter"), which appear nowhere public.
struct EnrolmentMails: Sendable {
    let confirmation: MailTemplate
    let waitlistOffer: MailTemplate
    /// Staff's own words, framed in both languages (they write in one).
    let sessionMessage: MailTemplate
    /// The organisation's answer to a file-number or link request.
    let recordRequestDecided: MailTemplate
    /// The organisation cancelled an offering: each registration it took with it.
    let offeringCancelled: MailTemplate
    /// The organisation's decision on a refund its policy left to it (`on-request`).
    let refundDecided: MailTemplate
    /// A registration the family or the organisation cancelled: the policy applied and what is refunded.
    let registrationCancelled: MailTemplate
    /// The organisation moved a session's dates: each family registered in it.
    let sessionDatesChanged: MailTemplate

    init() throws {
        confirmation = try MailTemplate(
            fr: .init(
                subject: "Inscription confirmée : {{#registrations}}{{title}} {{/registrations}}",
                text: """
                    Bonjour {{payerName}},

                    Ces inscriptions sont confirmées :
                    {{#registrations}}

                    - {{participant}} — {{code}} {{title}}, {{session}} (du {{startsOn}} au {{endsOn}})
                    {{#schedule}}  Horaire : {{schedule}}{{/schedule}}
                    {{#location}}  Lieu : {{location}}{{/location}}
                    {{#access}}  Pour vous joindre au cours : {{access}}{{/access}}
                    {{/registrations}}

                    Conservez ce courriel. Pour toute question, communiquez avec l'organisme qui offre l'activité.
                    """,
                html: """
                    <p>Bonjour {{payerName}},</p>
                    <p>Ces inscriptions sont confirmées :</p>
                    <ul>{{#registrations}}<li><strong>{{participant}}</strong> — {{code}} {{title}}, {{session}} (du {{startsOn}} au {{endsOn}})
                    {{#schedule}}<br>Horaire : {{schedule}}{{/schedule}}{{#location}}<br>Lieu : {{location}}{{/location}}
                    {{#access}}<br>Pour vous joindre au cours : {{access}}{{/access}}</li>{{/registrations}}</ul>
                    <p>Conservez ce courriel. Pour toute question, communiquez avec l'organisme qui offre l'activité.</p>
                    """),
            en: .init(
                subject: "Registration confirmed: {{#registrations}}{{titleEn}} {{/registrations}}",
                text: """
                    Hello {{payerName}},

                    These registrations are confirmed:
                    {{#registrations}}

                    - {{participant}} — {{code}} {{titleEn}}, {{sessionEn}} ({{startsOnEn}} to {{endsOnEn}})
                    {{#scheduleEn}}  Schedule: {{scheduleEn}}{{/scheduleEn}}
                    {{#locationEn}}  Place: {{locationEn}}{{/locationEn}}
                    {{#accessEn}}  To join the class: {{accessEn}}{{/accessEn}}
                    {{/registrations}}

                    Keep this mail. For any question, contact the organisation offering the activity.
                    """,
                html: """
                    <p>Hello {{payerName}},</p>
                    <p>These registrations are confirmed:</p>
                    <ul>{{#registrations}}<li><strong>{{participant}}</strong> — {{code}} {{titleEn}}, {{sessionEn}} ({{startsOnEn}} to {{endsOnEn}})
                    {{#scheduleEn}}<br>Schedule: {{scheduleEn}}{{/scheduleEn}}{{#locationEn}}<br>Place: {{locationEn}}{{/locationEn}}
                    {{#accessEn}}<br>To join the class: {{accessEn}}{{/accessEn}}</li>{{/registrations}}</ul>
                    <p>Keep this mail. For any question, contact the organisation offering the activity.</p>
                    """))
        sessionMessage = try MailTemplate(
            fr: .init(
                subject: "{{code}} {{title}} : {{subject}}",
                text: """
                    Message de l'organisme au sujet de {{code}} {{title}}, {{session}} :

                    {{body}}
                    """,
                html: """
                    <p>Message de l'organisme au sujet de {{code}} {{title}}, {{session}} :</p>
                    <p style="white-space:pre-wrap">{{body}}</p>
                    """),
            en: .init(
                subject: "{{code}} {{titleEn}}: {{subject}}",
                text: """
                    Message from the organisation about {{code}} {{titleEn}}, {{sessionEn}}:

                    {{body}}
                    """,
                html: """
                    <p>Message from the organisation about {{code}} {{titleEn}}, {{sessionEn}}:</p>
                    <p style="white-space:pre-wrap">{{body}}</p>
                    """))
        recordRequestDecided = try MailTemplate(
            fr: .init(
                subject: "{{organisation}} : votre demande pour {{person}}",
                text: """
                    Bonjour {{name}},

                    {{#approved}}{{organisation}} a accepté votre demande pour {{person}}. Numéro de dossier : {{fileNumber}}.
                    {{person}} est maintenant dans vos enfants et participants sur Guichet : vous pouvez l'inscrire.{{/approved}}
                    {{^approved}}{{organisation}} n'a pas accepté votre demande pour {{person}}.
                    Pour en savoir plus, communiquez avec l'organisme.{{/approved}}
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    {{#approved}}<p>{{organisation}} a accepté votre demande pour <strong>{{person}}</strong>. Numéro de dossier : <strong>{{fileNumber}}</strong>.</p>
                    <p>{{person}} est maintenant dans vos enfants et participants sur Guichet : vous pouvez l'inscrire.</p>{{/approved}}
                    {{^approved}}<p>{{organisation}} n'a pas accepté votre demande pour <strong>{{person}}</strong>.</p>
                    <p>Pour en savoir plus, communiquez avec l'organisme.</p>{{/approved}}
                    """),
            en: .init(
                subject: "{{organisationEn}}: your request for {{person}}",
                text: """
                    Hello {{name}},

                    {{#approved}}{{organisationEn}} accepted your request for {{person}}. File number: {{fileNumber}}.
                    {{person}} is now among your children and participants on Guichet: you can register them.{{/approved}}
                    {{^approved}}{{organisationEn}} did not accept your request for {{person}}.
                    To learn more, contact the organisation.{{/approved}}
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    {{#approved}}<p>{{organisationEn}} accepted your request for <strong>{{person}}</strong>. File number: <strong>{{fileNumber}}</strong>.</p>
                    <p>{{person}} is now among your children and participants on Guichet: you can register them.</p>{{/approved}}
                    {{^approved}}<p>{{organisationEn}} did not accept your request for <strong>{{person}}</strong>.</p>
                    <p>To learn more, contact the organisation.</p>{{/approved}}
                    """))
        offeringCancelled = try MailTemplate(
            fr: .init(
                subject: "Activité annulée : {{code}} {{title}}",
                text: """
                    Bonjour {{name}},

                    L'organisme a annulé {{code}} {{title}}, {{session}}. L'inscription de {{participant}} est donc annulée.
                    {{#paid}}Ce qui a été payé pour cette inscription vous est remboursé en entier sur la carte utilisée ; un avis de remboursement suivra.{{/paid}}

                    Pour toute question, communiquez avec l'organisme.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>L'organisme a annulé <strong>{{code}} {{title}}</strong>, {{session}}. L'inscription de {{participant}} est donc annulée.</p>
                    {{#paid}}<p>Ce qui a été payé pour cette inscription vous est remboursé en entier sur la carte utilisée ; un avis de remboursement suivra.</p>{{/paid}}
                    <p>Pour toute question, communiquez avec l'organisme.</p>
                    """),
            en: .init(
                subject: "Activity cancelled: {{code}} {{titleEn}}",
                text: """
                    Hello {{name}},

                    The organisation cancelled {{code}} {{titleEn}}, {{sessionEn}}. {{participant}}'s registration is therefore cancelled.
                    {{#paid}}What was paid for this registration is refunded in full to the card used; a refund notice will follow.{{/paid}}

                    For any question, contact the organisation.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>The organisation cancelled <strong>{{code}} {{titleEn}}</strong>, {{sessionEn}}. {{participant}}'s registration is therefore cancelled.</p>
                    {{#paid}}<p>What was paid for this registration is refunded in full to the card used; a refund notice will follow.</p>{{/paid}}
                    <p>For any question, contact the organisation.</p>
                    """))
        sessionDatesChanged = try MailTemplate(
            fr: .init(
                subject: "Nouvelles dates\u{00A0}: {{code}} {{title}}",
                text: """
                    Bonjour {{name}},

                    L'organisme a changé les dates de {{code}} {{title}}, {{session}}. Cela concerne l'inscription de {{participants}}.
                    Avant\u{00A0}: du {{startsOnBefore}} au {{endsOnBefore}}.
                    Maintenant\u{00A0}: du {{startsOn}} au {{endsOn}}.

                    L'inscription reste confirmée. Si ces dates ne vous conviennent pas, vous pouvez annuler l'inscription dans le portail, selon la politique de remboursement de l'activité, ou communiquer avec l'organisme.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>L'organisme a changé les dates de <strong>{{code}} {{title}}</strong>, {{session}}. Cela concerne l'inscription de {{participants}}.</p>
                    <p>Avant\u{00A0}: du {{startsOnBefore}} au {{endsOnBefore}}.<br>Maintenant\u{00A0}: <strong>du {{startsOn}} au {{endsOn}}</strong>.</p>
                    <p>L'inscription reste confirmée. Si ces dates ne vous conviennent pas, vous pouvez annuler l'inscription dans le portail, selon la politique de remboursement de l'activité, ou communiquer avec l'organisme.</p>
                    """),
            en: .init(
                subject: "New dates: {{code}} {{titleEn}}",
                text: """
                    Hello {{name}},

                    The organisation changed the dates of {{code}} {{titleEn}}, {{sessionEn}}. This concerns the registration of {{participants}}.
                    Before: {{startsOnBeforeEn}} to {{endsOnBeforeEn}}.
                    Now: {{startsOnEn}} to {{endsOnEn}}.

                    The registration stays confirmed. If these dates do not suit you, you may cancel the registration in the portal, under the activity's refund policy, or contact the organisation.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>The organisation changed the dates of <strong>{{code}} {{titleEn}}</strong>, {{sessionEn}}. This concerns the registration of {{participants}}.</p>
                    <p>Before: {{startsOnBeforeEn}} to {{endsOnBeforeEn}}.<br>Now: <strong>{{startsOnEn}} to {{endsOnEn}}</strong>.</p>
                    <p>The registration stays confirmed. If these dates do not suit you, you may cancel the registration in the portal, under the activity's refund policy, or contact the organisation.</p>
                    """))
        registrationCancelled = try MailTemplate(
            fr: .init(
                subject: "Inscription annulée\u{00A0}: {{participant}}, {{code}} {{title}}",
                text: """
                    Bonjour {{name}},

                    L'inscription de {{participant}} à {{code}} {{title}}, {{session}} (du {{startsOn}} au {{endsOn}}), est annulée {{#byYou}}à votre demande{{/byYou}}{{#byStaff}}par l'organisme{{/byStaff}}. La place est libérée.

                    Politique de remboursement de l'activité\u{00A0}: {{policy}}
                    {{outcome}}

                    Pour toute question, communiquez avec l'organisme. Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>L'inscription de {{participant}} à <strong>{{code}} {{title}}</strong>, {{session}} (du {{startsOn}} au {{endsOn}}), est annulée {{#byYou}}à votre demande{{/byYou}}{{#byStaff}}par l'organisme{{/byStaff}}. La place est libérée.</p>
                    <p>Politique de remboursement de l'activité\u{00A0}: {{policy}}</p>
                    <p>{{outcome}}</p>
                    <p>Pour toute question, communiquez avec l'organisme.</p>
                    """),
            en: .init(
                subject: "Registration cancelled: {{participant}}, {{code}} {{titleEn}}",
                text: """
                    Hello {{name}},

                    {{participant}}'s registration for {{code}} {{titleEn}}, {{sessionEn}} ({{startsOnEn}} to {{endsOnEn}}), is cancelled {{#byYou}}at your request{{/byYou}}{{#byStaff}}by the organisation{{/byStaff}}. The spot is now available to others.

                    The activity's refund policy: {{policyEn}}
                    {{outcomeEn}}

                    For any question, contact the organisation. No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{participant}}'s registration for <strong>{{code}} {{titleEn}}</strong>, {{sessionEn}} ({{startsOnEn}} to {{endsOnEn}}), is cancelled {{#byYou}}at your request{{/byYou}}{{#byStaff}}by the organisation{{/byStaff}}. The spot is now available to others.</p>
                    <p>The activity's refund policy: {{policyEn}}</p>
                    <p>{{outcomeEn}}</p>
                    <p>For any question, contact the organisation.</p>
                    """))
        refundDecided = try MailTemplate(
            fr: .init(
                subject: "Remboursement {{#granted}}accordé{{/granted}}{{^granted}}refusé{{/granted}}\u{00A0}: {{code}} {{title}}",
                text: """
                    Bonjour {{name}},

                    L'inscription de {{participant}} à {{code}} {{title}} est annulée.
                    {{#granted}}L'organisme vous accorde un remboursement de {{amount}}, versé sur la carte utilisée\u{202F}; un avis de remboursement suivra.{{/granted}}
                    {{^granted}}L'organisme ne vous accorde pas de remboursement.{{/granted}}
                    {{#note}}Message de l'organisme\u{00A0}: {{note}}{{/note}}

                    Pour toute question, communiquez avec l'organisme.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>L'inscription de {{participant}} à <strong>{{code}} {{title}}</strong> est annulée.</p>
                    {{#granted}}<p>L'organisme vous accorde un remboursement de <strong>{{amount}}</strong>, versé sur la carte utilisée\u{202F}; un avis de remboursement suivra.</p>{{/granted}}
                    {{^granted}}<p>L'organisme ne vous accorde pas de remboursement.</p>{{/granted}}
                    {{#note}}<p>Message de l'organisme\u{00A0}: {{note}}</p>{{/note}}
                    <p>Pour toute question, communiquez avec l'organisme.</p>
                    """),
            en: .init(
                subject: "Refund {{#granted}}granted{{/granted}}{{^granted}}refused{{/granted}}: {{code}} {{titleEn}}",
                text: """
                    Hello {{name}},

                    {{participant}}'s registration for {{code}} {{titleEn}} is cancelled.
                    {{#granted}}The organisation grants you a refund of {{amountEn}}, paid back to the card used; a refund notice will follow.{{/granted}}
                    {{^granted}}The organisation does not grant a refund.{{/granted}}
                    {{#note}}The organisation's message: {{note}}{{/note}}

                    For any question, contact the organisation.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{participant}}'s registration for <strong>{{code}} {{titleEn}}</strong> is cancelled.</p>
                    {{#granted}}<p>The organisation grants you a refund of <strong>{{amountEn}}</strong>, paid back to the card used; a refund notice will follow.</p>{{/granted}}
                    {{^granted}}<p>The organisation does not grant a refund.</p>{{/granted}}
                    {{#note}}<p>The organisation's message: {{note}}</p>{{/note}}
                    <p>For any question, contact the organisation.</p>
                    """))
        waitlistOffer = try MailTemplate(
            fr: .init(
                subject: "Une place s'est libérée : {{title}}",
                text: """
                    Bonjour {{name}},

                    Une place s'est libérée pour {{participant}} dans {{code}} {{title}}, {{session}}.
                    Elle lui est réservée jusqu'au {{expires}} (heure de l'Est) : passez à la caisse avant cette heure.
                    Ensuite, elle sera offerte à la personne suivante sur la liste d'attente.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>Une place s'est libérée pour <strong>{{participant}}</strong> dans {{code}} {{title}}, {{session}}.</p>
                    <p>Elle lui est réservée jusqu'au <strong>{{expires}}</strong> (heure de l'Est) : passez à la caisse avant cette heure.
                    Ensuite, elle sera offerte à la personne suivante sur la liste d'attente.</p>
                    """),
            en: .init(
                subject: "A seat is free: {{titleEn}}",
                text: """
                    Hello {{name}},

                    A seat is free for {{participant}} in {{code}} {{titleEn}}, {{sessionEn}}.
                    It is held for them until {{expires}} (Eastern time): check out before then.
                    After that, it goes to the next person on the waiting list.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>A seat is free for <strong>{{participant}}</strong> in {{code}} {{titleEn}}, {{sessionEn}}.</p>
                    <p>It is held for them until <strong>{{expires}}</strong> (Eastern time): check out before then.
                    After that, it goes to the next person on the waiting list.</p>
                    """))
    }
}

extension EnrolmentMails {
    /// The refund policy in a sentence, for the cancellation notice.
    static func policySentence(_ policy: RefundPolicy?, english: Bool) -> String {
        let fee = (policy?.administrationFee?.amountCents ?? 0) > 0 ? policy?.administrationFee?.amountCents : nil
        let base: String
        switch (policy?.kind, english) {
        case ("full-before-start", false): base = "remboursement complet si l'annulation précède le début"
        case ("full-before-start", true): base = "full refund when cancelled before the start"
        case ("pro-rata", false): base = "remboursement des jours pas encore donnés"
        case ("pro-rata", true): base = "refund of the days not yet given"
        case ("on-request", false): base = "remboursement décidé par l'organisme, au plus ce qui a été payé"
        case ("on-request", true): base = "refund decided by the organisation, at most what was paid"
        case (_, false): base = "aucun remboursement"
        case (_, true): base = "no refund"
        }
        guard let fee, policy?.kind != "none", policy != nil else { return base + "." }
        let amount = MoneyText.format(fee, english: english)
        return base + (english ? ", less an administration fee of \(amount)." : ", moins des frais d'administration de \(amount).")
    }

    /// What the family gets back: `refund` is the request's status and amount, nil when nothing is asked.
    static func outcomeSentence(refund: (status: String, cents: Int64)?, paidOnline: Bool, english: Bool) -> String {
        guard paidOnline else {
            return english
                ? "Nothing was paid online for this registration: nothing is refunded to a card."
                : "Rien n'a été payé en ligne pour cette inscription\u{00A0}: rien n'est remboursé sur une carte."
        }
        if refund?.status == "refused" {
            return english ? "The organisation did not grant a refund." : "L'organisme n'a pas accordé de remboursement."
        }
        guard let refund, refund.cents > 0 else {
            return english ? "Under this policy, nothing is refunded." : "Selon cette politique, rien n'est remboursé."
        }
        let amount = MoneyText.format(refund.cents, english: english)
        if refund.status == "completed" {
            return english
                ? "\(amount) were refunded to the card that paid; the credit note is sent to you by email."
                : "\(amount) ont été remboursés sur la carte qui a payé\u{202F}; la note de crédit vous est envoyée par courriel."
        }
        if refund.status == "awaiting-decision" {
            return english
                ? "The organisation will decide the refund, at most \(amount); you will receive its decision by email."
                : "L'organisme décidera du remboursement, au plus \(amount)\u{202F}; vous recevrez sa décision par courriel."
        }
        return english
            ? "\(amount) will be refunded to the card that paid; the credit note will follow by email."
            : "\(amount) seront remboursés sur la carte qui a payé\u{202F}; la note de crédit suivra par courriel."
    }
}
