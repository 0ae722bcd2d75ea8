import Foundation
import Mail

/// The mails payment sends (CSSPO: "vous recevrez également une confirmation de paiement").
struct PaymentMails: Sendable {
    let confirmation: MailTemplate
    /// A Relevé 24 issued, to a payer who agreed to electronic delivery: the link, never the slip's numbers.
    let releve24Issued: MailTemplate
    /// A Relevé 24 that waits for the payer's social insurance number.
    let releve24NeedsTaxNumber: MailTemplate
    /// A refund completed: why, what it covers, the card, and its credit note.
    let refundCompleted: MailTemplate
    /// In January: the past year's statement is ready in the account.
    let statementReady: MailTemplate
    /// An invoice staff billed: what it covers, the amount, the due date, and where to pay it by card.
    let invoiceIssued: MailTemplate
    /// A payment plan's instalment refused by the saved card: when it is tried again, or that the family must pay it.
    let instalmentDeclined: MailTemplate
    /// A payment plan's instalment the saved card is charged for in a few days.
    let instalmentReminder: MailTemplate

    init() throws {
        instalmentReminder = try MailTemplate(
            fr: .init(
                subject: "Versement à venir\u{00A0}: {{amount}} le {{dueOn}} pour {{participant}}",
                text: """
                    Bonjour {{name}},

                    Le versement {{number}} de {{count}} ({{amount}}) pour {{participant}}, {{code}} {{title}}, sera prélevé le {{dueOn}} sur la carte enregistrée ({{card}}).

                    Rien à faire si cette carte est toujours bonne. Pour payer avec une autre carte, faites-le avant cette date\u{00A0}: {{link}}

                    Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>Le versement {{number}} de {{count}} (<strong>{{amount}}</strong>) pour {{participant}}, {{code}} {{title}}, sera prélevé le <strong>{{dueOn}}</strong> sur la carte enregistrée ({{card}}).</p>
                    <p>Rien à faire si cette carte est toujours bonne. Pour payer avec une autre carte, faites-le avant cette date.</p>
                    <p><a href="{{link}}">Payer ce versement avec une autre carte</a></p>
                    """),
            en: .init(
                subject: "Upcoming instalment: {{amount}} on {{dueOn}} for {{participant}}",
                text: """
                    Hello {{name}},

                    Instalment {{number}} of {{count}} ({{amount}}) for {{participant}}, {{code}} {{titleEn}}, will be charged on {{dueOn}} to the saved card ({{card}}).

                    Nothing to do if this card is still good. To pay with another card, do so before that date: {{link}}

                    No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>Instalment {{number}} of {{count}} (<strong>{{amount}}</strong>) for {{participant}}, {{code}} {{titleEn}}, will be charged on <strong>{{dueOn}}</strong> to the saved card ({{card}}).</p>
                    <p>Nothing to do if this card is still good. To pay with another card, do so before that date.</p>
                    <p><a href="{{link}}">Pay this instalment with another card</a></p>
                    """))
        instalmentDeclined = try MailTemplate(
            fr: .init(
                subject: "Versement refusé\u{00A0}: {{amount}} pour {{participant}}",
                text: """
                    Bonjour {{name}},

                    Le versement {{number}} de {{count}} ({{amount}}) pour {{participant}}, {{code}} {{title}}, prévu le {{dueOn}}, a été refusé par la carte enregistrée ({{card}}). Rien n'a été débité.
                    {{#retryOn}}Nous réessaierons le {{retryOn}}.{{/retryOn}}{{^retryOn}}Nous ne réessaierons plus\u{00A0}: payez-le par carte dans votre compte.{{/retryOn}}

                    Vous pouvez le payer maintenant avec une autre carte\u{00A0}: {{link}}

                    Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>Le versement {{number}} de {{count}} (<strong>{{amount}}</strong>) pour {{participant}}, {{code}} {{title}}, prévu le {{dueOn}}, a été refusé par la carte enregistrée ({{card}}). Rien n'a été débité.</p>
                    <p>{{#retryOn}}Nous réessaierons le {{retryOn}}.{{/retryOn}}{{^retryOn}}Nous ne réessaierons plus\u{00A0}: payez-le par carte dans votre compte.{{/retryOn}}</p>
                    <p><a href="{{link}}">Payer ce versement avec une autre carte</a></p>
                    """),
            en: .init(
                subject: "Instalment declined: {{amount}} for {{participant}}",
                text: """
                    Hello {{name}},

                    Instalment {{number}} of {{count}} ({{amount}}) for {{participant}}, {{code}} {{titleEn}}, due on {{dueOn}}, was declined by the saved card ({{card}}). Nothing was charged.
                    {{#retryOn}}We will try again on {{retryOn}}.{{/retryOn}}{{^retryOn}}We will not try again: please pay it by card in your account.{{/retryOn}}

                    You can pay it now with another card: {{link}}

                    No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>Instalment {{number}} of {{count}} (<strong>{{amount}}</strong>) for {{participant}}, {{code}} {{titleEn}}, due on {{dueOn}}, was declined by the saved card ({{card}}). Nothing was charged.</p>
                    <p>{{#retryOn}}We will try again on {{retryOn}}.{{/retryOn}}{{^retryOn}}We will not try again: please pay it by card in your account.{{/retryOn}}</p>
                    <p><a href="{{link}}">Pay this instalment with another card</a></p>
                    """))
        invoiceIssued = try MailTemplate(
            fr: .init(
                subject: "Facture {{number}}\u{00A0}: {{total}} à payer d'ici le {{dueOn}}",
                text: """
                    Bonjour {{name}},

                    {{organisation}} vous facture {{total}} pour les inscriptions suivantes, à payer d'ici le {{dueOn}}.
                    {{#lines}}
                    - {{participant}} — {{code}} {{title}}\u{00A0}: {{amount}}
                    {{/lines}}

                    Facture no\u{00A0}{{number}}. Payez-la par carte dans votre compte, où elle se lit et s'imprime\u{00A0}: {{link}}

                    Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>{{organisation}} vous facture <strong>{{total}}</strong> pour les inscriptions suivantes, à payer d'ici le <strong>{{dueOn}}</strong>.</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{title}}\u{00A0}: {{amount}}</li>{{/lines}}</ul>
                    <p>Facture no\u{00A0}{{number}}.</p>
                    <p><a href="{{link}}">Lire et payer ma facture</a></p>
                    """),
            en: .init(
                subject: "Invoice {{number}}: {{total}} due by {{dueOn}}",
                text: """
                    Hello {{name}},

                    {{organisation}} bills you {{total}} for the registrations below, due by {{dueOn}}.
                    {{#lines}}
                    - {{participant}} — {{code}} {{titleEn}}: {{amount}}
                    {{/lines}}

                    Invoice no. {{number}}. Pay it by card in your account, where you can also read and print it: {{link}}

                    No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{organisation}} bills you <strong>{{total}}</strong> for the registrations below, due by <strong>{{dueOn}}</strong>.</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{titleEn}}: {{amount}}</li>{{/lines}}</ul>
                    <p>Invoice no. {{number}}.</p>
                    <p><a href="{{link}}">Read and pay my invoice</a></p>
                    """))
        statementReady = try MailTemplate(
            fr: .init(
                subject: "Votre état de compte {{year}} est prêt",
                text: """
                    Bonjour {{name}},

                    L'état de compte de vos paiements et remboursements de {{year}} est prêt dans votre compte, pour toute la famille ou pour chaque enfant, avec vos reçus et vos notes de crédit. Il se lit et s'imprime ici\u{00A0}: {{link}}

                    Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>L'état de compte de vos paiements et remboursements de {{year}} est prêt dans votre compte, pour toute la famille ou pour chaque enfant, avec vos reçus et vos notes de crédit.</p>
                    <p><a href="{{link}}">Lire et imprimer mon état de compte {{year}}</a></p>
                    """),
            en: .init(
                subject: "Your {{year}} statement is ready",
                text: """
                    Hello {{name}},

                    The statement of your {{year}} payments and refunds is ready in your account, for the whole family or each child, with your receipts and credit notes. Read and print it here: {{link}}

                    No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>The statement of your {{year}} payments and refunds is ready in your account, for the whole family or each child, with your receipts and credit notes.</p>
                    <p><a href="{{link}}">Read and print my {{year}} statement</a></p>
                    """))
        refundCompleted = try MailTemplate(
            fr: .init(
                subject: "Remboursement de {{amount}} (note de crédit {{number}})",
                text: """
                    Bonjour {{name}},

                    {{organisation}} vous a remboursé {{amount}} sur la carte {{card}}, qui avait payé le reçu no\u{00A0}{{receipt}} du {{receiptOn}}.
                    {{#byYou}}Ce remboursement suit l'annulation que vous avez faite, selon la politique de remboursement de l'activité.
                    {{/byYou}}{{#byStaff}}Ce remboursement suit l'annulation faite par l'organisme, selon la politique de remboursement de l'activité.
                    {{/byStaff}}{{#offeringCancelled}}L'organisme a annulé l'activité\u{00A0}: ce qui avait été payé est remboursé en entier.
                    {{/offeringCancelled}}{{#noSeat}}Il ne restait plus de place quand votre paiement est arrivé\u{00A0}: l'inscription n'a pas été faite et son montant est remboursé.
                    {{/noSeat}}{{#afterCancellation}}Ce versement a été prélevé alors que l'inscription venait d'être annulée\u{00A0}: il est remboursé en entier.
                    {{/afterCancellation}}{{#staffReason}}Motif donné par l'organisme\u{00A0}: {{staffReason}}
                    {{/staffReason}}{{#hasLines}}
                    Inscriptions visées\u{00A0}:
                    {{#lines}}
                    - {{participant}} — {{code}} {{title}}
                    {{/lines}}
                    {{/hasLines}}
                    Note de crédit no\u{00A0}{{number}}, du {{issuedOn}}.
                    {{#creditNoteLink}}Votre note de crédit, à lire et à imprimer\u{00A0}: {{creditNoteLink}}
                    {{/creditNoteLink}}{{^creditNoteLink}}Gardez ce courriel comme preuve du remboursement.
                    {{/creditNoteLink}}Le montant paraîtra sur le relevé de votre carte d'ici quelques jours ouvrables. Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>{{organisation}} vous a remboursé <strong>{{amount}}</strong> sur la carte {{card}}, qui avait payé le reçu no\u{00A0}{{receipt}} du {{receiptOn}}.</p>
                    {{#byYou}}<p>Ce remboursement suit l'annulation que vous avez faite, selon la politique de remboursement de l'activité.</p>{{/byYou}}
                    {{#byStaff}}<p>Ce remboursement suit l'annulation faite par l'organisme, selon la politique de remboursement de l'activité.</p>{{/byStaff}}
                    {{#offeringCancelled}}<p>L'organisme a annulé l'activité\u{00A0}: ce qui avait été payé est remboursé en entier.</p>{{/offeringCancelled}}
                    {{#noSeat}}<p>Il ne restait plus de place quand votre paiement est arrivé\u{00A0}: l'inscription n'a pas été faite et son montant est remboursé.</p>{{/noSeat}}{{#afterCancellation}}<p>Ce versement a été prélevé alors que l'inscription venait d'être annulée\u{00A0}: il est remboursé en entier.</p>{{/afterCancellation}}
                    {{#staffReason}}<p>Motif donné par l'organisme\u{00A0}: {{staffReason}}</p>{{/staffReason}}
                    {{#hasLines}}<p>Inscriptions visées\u{00A0}:</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{title}}</li>{{/lines}}</ul>{{/hasLines}}
                    <p>Note de crédit no\u{00A0}{{number}}, du {{issuedOn}}.</p>
                    {{#creditNoteLink}}<p><a href="{{creditNoteLink}}">Votre note de crédit, à lire et à imprimer</a></p>{{/creditNoteLink}}
                    {{^creditNoteLink}}<p>Gardez ce courriel comme preuve du remboursement.</p>{{/creditNoteLink}}
                    <p>Le montant paraîtra sur le relevé de votre carte d'ici quelques jours ouvrables.</p>
                    """),
            en: .init(
                subject: "Refund of {{amount}} (credit note {{number}})",
                text: """
                    Hello {{name}},

                    {{organisation}} refunded {{amount}} to the card {{card}}, which paid receipt {{receipt}} dated {{receiptOn}}.
                    {{#byYou}}This refund follows the cancellation you made, under the activity's refund policy.
                    {{/byYou}}{{#byStaff}}This refund follows the cancellation made by the organisation, under the activity's refund policy.
                    {{/byStaff}}{{#offeringCancelled}}The organisation cancelled the activity: what was paid is refunded in full.
                    {{/offeringCancelled}}{{#noSeat}}No place was left when your payment arrived: the registration was not made and its amount is refunded.
                    {{/noSeat}}{{#afterCancellation}}This instalment was charged just as its registration was cancelled: it is refunded in full.
                    {{/afterCancellation}}{{#staffReason}}Reason given by the organisation: {{staffReason}}
                    {{/staffReason}}{{#hasLines}}
                    Registrations concerned:
                    {{#lines}}
                    - {{participant}} — {{code}} {{titleEn}}
                    {{/lines}}
                    {{/hasLines}}
                    Credit note {{number}}, dated {{issuedOn}}.
                    {{#creditNoteLink}}Your credit note, to read and print: {{creditNoteLink}}
                    {{/creditNoteLink}}{{^creditNoteLink}}Keep this email as proof of the refund.
                    {{/creditNoteLink}}The amount will show on your card statement within a few business days. No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{organisation}} refunded <strong>{{amount}}</strong> to the card {{card}}, which paid receipt {{receipt}} dated {{receiptOn}}.</p>
                    {{#byYou}}<p>This refund follows the cancellation you made, under the activity's refund policy.</p>{{/byYou}}
                    {{#byStaff}}<p>This refund follows the cancellation made by the organisation, under the activity's refund policy.</p>{{/byStaff}}
                    {{#offeringCancelled}}<p>The organisation cancelled the activity: what was paid is refunded in full.</p>{{/offeringCancelled}}
                    {{#noSeat}}<p>No place was left when your payment arrived: the registration was not made and its amount is refunded.</p>{{/noSeat}}{{#afterCancellation}}<p>This instalment was charged just as its registration was cancelled: it is refunded in full.</p>{{/afterCancellation}}
                    {{#staffReason}}<p>Reason given by the organisation: {{staffReason}}</p>{{/staffReason}}
                    {{#hasLines}}<p>Registrations concerned:</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{titleEn}}</li>{{/lines}}</ul>{{/hasLines}}
                    <p>Credit note {{number}}, dated {{issuedOn}}.</p>
                    {{#creditNoteLink}}<p><a href="{{creditNoteLink}}">Your credit note, to read and print</a></p>{{/creditNoteLink}}
                    {{^creditNoteLink}}<p>Keep this email as proof of the refund.</p>{{/creditNoteLink}}
                    <p>The amount will show on your card statement within a few business days.</p>
                    """))
        releve24Issued = try MailTemplate(
            fr: .init(
                subject: "Votre relevé 24 de {{year}} ({{organisation}})",
                text: """
                    Bonjour {{name}},

                    {{organisation}} a émis {{#amended}}un relevé 24 modifié{{/amended}}{{#cancelled}}l'annulation d'un relevé 24{{/cancelled}}{{#original}}votre relevé 24{{/original}} pour les frais de garde de {{participant}} payés en {{year}}.
                    Lisez-le et imprimez-le dans votre compte\u{00A0}: {{link}}

                    Vous recevez ce courriel parce que vous avez accepté de recevoir vos relevés par voie électronique. Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>{{organisation}} a émis {{#amended}}un relevé 24 modifié{{/amended}}{{#cancelled}}l'annulation d'un relevé 24{{/cancelled}}{{#original}}votre relevé 24{{/original}} pour les frais de garde de {{participant}} payés en {{year}}.</p>
                    <p><a href="{{link}}">Lire et imprimer le relevé dans votre compte</a></p>
                    <p>Vous recevez ce courriel parce que vous avez accepté de recevoir vos relevés par voie électronique.</p>
                    """),
            en: .init(
                subject: "Your {{year}} Relevé 24 ({{organisation}})",
                text: """
                    Hello {{name}},

                    {{organisation}} issued {{#amended}}an amended Relevé 24{{/amended}}{{#cancelled}}the cancellation of a Relevé 24{{/cancelled}}{{#original}}your Relevé 24{{/original}} for the childcare fees of {{participant}} paid in {{year}}.
                    Read and print it in your account: {{link}}

                    You receive this email because you agreed to receive your slips electronically. No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{organisation}} issued {{#amended}}an amended Relevé 24{{/amended}}{{#cancelled}}the cancellation of a Relevé 24{{/cancelled}}{{#original}}your Relevé 24{{/original}} for the childcare fees of {{participant}} paid in {{year}}.</p>
                    <p><a href="{{link}}">Read and print the slip in your account</a></p>
                    <p>You receive this email because you agreed to receive your slips electronically.</p>
                    """))
        releve24NeedsTaxNumber = try MailTemplate(
            fr: .init(
                subject: "Votre relevé 24 de {{year}} attend votre numéro d'assurance sociale",
                text: """
                    Bonjour {{name}},

                    {{organisation}} prépare les relevés 24 des frais de garde payés en {{year}} ({{participants}}). Revenu Québec exige le numéro d'assurance sociale de la personne qui a payé\u{00A0}: sans lui, le relevé ne peut pas être émis.
                    Entrez-le dans votre compte\u{00A0}: {{link}}
                    Il est conservé chiffré et ne sert qu'à vos relevés 24.

                    Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>{{organisation}} prépare les relevés 24 des frais de garde payés en {{year}} ({{participants}}). Revenu Québec exige le numéro d'assurance sociale de la personne qui a payé\u{00A0}: sans lui, le relevé ne peut pas être émis.</p>
                    <p><a href="{{link}}">Entrer mon numéro d'assurance sociale</a></p>
                    <p>Il est conservé chiffré et ne sert qu'à vos relevés 24.</p>
                    """),
            en: .init(
                subject: "Your {{year}} Relevé 24 waits for your social insurance number",
                text: """
                    Hello {{name}},

                    {{organisation}} is preparing the Relevé 24 slips for childcare fees paid in {{year}} ({{participants}}). Revenu Québec requires the social insurance number of the person who paid: without it, the slip cannot be issued.
                    Enter it in your account: {{link}}
                    It is kept encrypted and used only for your Relevé 24 slips.

                    No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>{{organisation}} is preparing the Relevé 24 slips for childcare fees paid in {{year}} ({{participants}}). Revenu Québec requires the social insurance number of the person who paid: without it, the slip cannot be issued.</p>
                    <p><a href="{{link}}">Enter my social insurance number</a></p>
                    <p>It is kept encrypted and used only for your Relevé 24 slips.</p>
                    """))
        confirmation = try MailTemplate(
            fr: .init(
                subject: "Paiement reçu : {{total}} (reçu {{number}})",
                text: """
                    Bonjour {{name}},

                    Nous avons reçu votre paiement de {{total}} à {{organisation}}, par carte {{card}}.
                    Reçu no\u{00A0}{{number}}\u{00A0}:
                    {{#lines}}
                    - {{participant}} — {{code}} {{title}} : {{amount}}
                    {{/lines}}

                    {{#receiptLink}}Votre reçu, à lire et à imprimer : {{receiptLink}}
                    {{/receiptLink}}{{#forAccount}}Votre reçu est aussi dans l'historique de vos paiements. {{/forAccount}}{{^forAccount}}Le lien du reçu s'ouvre dans le navigateur qui a servi à payer; gardez ce courriel comme preuve de paiement. {{/forAccount}}Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>Nous avons reçu votre paiement de <strong>{{total}}</strong> à {{organisation}}, par carte {{card}}.</p>
                    <p>Reçu no\u{00A0}{{number}}\u{00A0}:</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{title}} : {{amount}}</li>{{/lines}}</ul>
                    {{#receiptLink}}<p><a href="{{receiptLink}}">Votre reçu, à lire et à imprimer</a></p>{{/receiptLink}}
                    {{#forAccount}}<p>Votre reçu est aussi dans l'historique de vos paiements.</p>{{/forAccount}}
                    {{^forAccount}}<p>Le lien du reçu s'ouvre dans le navigateur qui a servi à payer; gardez ce courriel comme preuve de paiement.</p>{{/forAccount}}
                    """),
            en: .init(
                subject: "Payment received: {{total}} (receipt {{number}})",
                text: """
                    Hello {{name}},

                    We received your payment of {{total}} to {{organisation}}, by card {{card}}.
                    Receipt {{number}}:
                    {{#lines}}
                    - {{participant}} — {{code}} {{titleEn}}: {{amount}}
                    {{/lines}}

                    {{#receiptLink}}Your receipt, to read and print: {{receiptLink}}
                    {{/receiptLink}}{{#forAccount}}Your receipt is also in your payment history. {{/forAccount}}{{^forAccount}}The receipt's link opens in the browser used to pay; keep this email as proof of payment. {{/forAccount}}No reply is needed.
                    """,
                html: """
                    <p>Hello {{name}},</p>
                    <p>We received your payment of <strong>{{total}}</strong> to {{organisation}}, by card {{card}}.</p>
                    <p>Receipt {{number}}:</p>
                    <ul>{{#lines}}<li>{{participant}} — {{code}} {{titleEn}}: {{amount}}</li>{{/lines}}</ul>
                    {{#receiptLink}}<p><a href="{{receiptLink}}">Your receipt, to read and print</a></p>{{/receiptLink}}
                    {{#forAccount}}<p>Your receipt is also in your payment history.</p>{{/forAccount}}
                    {{^forAccount}}<p>The receipt's link opens in the browser used to pay; keep this email as proof of payment.</p>{{/forAccount}}
                    """))
    }
}
