import Foundation
import Mail

/// The mails payment sends (CSSPO: "vous recevrez également une confirmation de paiement").
struct PaymentMails: Sendable {
    let confirmation: MailTemplate

    init() throws {
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
