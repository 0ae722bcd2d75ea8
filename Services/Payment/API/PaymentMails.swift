import Foundation
import Mail

/// The mails payment sends (CSSPO: "vous recevrez également une confirmation de paiement").
struct PaymentMails: Sendable {
    let confirmation: MailTemplate
    /// A Relevé 24 issued, to a payer who agreed to electronic delivery: the link, never the slip's numbers.
    let releve24Issued: MailTemplate
    /// A Relevé 24 that waits for the payer's social insurance number.
    let releve24NeedsTaxNumber: MailTemplate

    init() throws {
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
                    Reçu no {{number}} :
                    {{#lines}}
                    - {{participant}} — {{code}} {{title}} : {{amount}}
                    {{/lines}}

                    {{#receiptLink}}Votre reçu, à lire et à imprimer : {{receiptLink}}
                    {{/receiptLink}}{{#forAccount}}Votre reçu est aussi dans l'historique de vos paiements. {{/forAccount}}{{^forAccount}}Le lien du reçu s'ouvre dans le navigateur qui a servi à payer; gardez ce courriel comme preuve de paiement. {{/forAccount}}Ce courriel ne demande pas de réponse.
                    """,
                html: """
                    <p>Bonjour {{name}},</p>
                    <p>Nous avons reçu votre paiement de <strong>{{total}}</strong> à {{organisation}}, par carte {{card}}.</p>
                    <p>Reçu no {{number}} :</p>
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
