import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The processor's hosted card entry, as Stripe Elements or Moneris Hosted Tokenization serve theirs: a page the
/// merchant frames, on the processor's own origin, so that the card number goes from the payer's browser to the
/// processor and never through the merchant. Its script tokenises the card (`POST /v1/tokens`, same origin) and
/// hands the single-use token to the framing page with `postMessage`, addressed to that page's origin only.
enum HostedCardEntry {
    /// `GET /hosted/card-entry?origin=<the merchant page's origin>&lang=fr|en`. A real processor frames only the
    /// origins a merchant registered; the sandbox frames the one it is told, and only that one (`frame-ancestors`).
    static func page(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        guard let origin = query.get("origin").flatMap(Self.origin) else {
            throw SandboxError(status: .badRequest, code: "invalid_origin", message: "origin must be an http(s) origin")
        }
        let english = query.get("lang") == "en"
        let texts = english ? Texts.english : Texts.french
        let messages =
            (try? JSONSerialization.data(withJSONObject: texts.messages, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let html = """
            <!doctype html>
            <html lang="\(english ? "en" : "fr")">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(texts.title)</title><link rel="stylesheet" href="/hosted/card-entry.css"></head>
            <body><main>
            <form id="card" novalidate data-origin="\(escaped(origin))" data-messages="\(escaped(messages))">
            <div class="field"><label for="number">\(texts.number)</label>
            <input id="number" name="number" autocomplete="cc-number" inputmode="numeric" required aria-describedby="card-error"></div>
            <div class="row">
            <div class="field"><label for="expiry">\(texts.expiry)</label>
            <input id="expiry" name="expiry" autocomplete="cc-exp" inputmode="numeric" required aria-describedby="card-error"></div>
            <div class="field"><label for="cvc">\(texts.cvc)</label>
            <input id="cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" required aria-describedby="card-error"></div>
            </div>
            <p id="card-error" class="error" role="alert"></p>
            <p id="card-status" class="status" role="status"></p>
            <button type="submit">\(texts.submit)</button>
            </form>
            <p class="by">\(texts.by)</p>
            </main><script src="/hosted/card-entry.js"></script></body></html>
            """
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors \(origin)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `scheme://host[:port]` when `text` is exactly an http(s) origin.
    static func origin(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host?.lowercased(), !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-[]:".contains($0)) }),
            url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
        else { return nil }
        // A browser writes no default port in an origin.
        let port = url.port.flatMap { (scheme == "https" && $0 == 443) || (scheme == "http" && $0 == 80) ? nil : $0 }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    struct Texts {
        var title, number, expiry, cvc, submit, by: String
        var messages: [String: String]

        static let french = Texts(
            title: "Carte de paiement", number: "Numéro de la carte", expiry: "Expiration (MM/AA)", cvc: "Code de sécurité (CVC)",
            submit: "Utiliser cette carte", by: "Saisie sécurisée par le processeur de paiement (bac à sable).",
            messages: [
                "invalid_number": "Le numéro de la carte n'est pas valide.", "invalid_expiry": "La date d'expiration n'est pas valide.",
                "invalid_cvc": "Le code de sécurité n'est pas valide.", "other": "La carte n'a pas pu être lue. Vérifiez-la et réessayez.",
                "ready": "Carte {brand} se terminant par {last4} prête. Vous pouvez payer.",
            ])
        static let english = Texts(
            title: "Payment card", number: "Card number", expiry: "Expiry (MM/YY)", cvc: "Security code (CVC)",
            submit: "Use this card", by: "Secure entry by the payment processor (sandbox).",
            messages: [
                "invalid_number": "The card number is not valid.", "invalid_expiry": "The expiry date is not valid.",
                "invalid_cvc": "The security code is not valid.", "other": "The card could not be read. Check it and try again.",
                "ready": "{brand} card ending in {last4} ready. You can pay.",
            ])
    }

    static let script = """
        (function () {
          "use strict";
          var form = document.getElementById("card");
          var origin = form.getAttribute("data-origin");
          var messages = JSON.parse(form.getAttribute("data-messages"));
          var error = document.getElementById("card-error");
          var status = document.getElementById("card-status");
          var fields = { invalid_number: "number", invalid_expiry: "expiry", invalid_cvc: "cvc" };
          function value(id) { return document.getElementById(id).value.replace(/\\s+/g, ""); }
          function refuse(code) {
            error.textContent = messages[code] || messages.other;
            var field = document.getElementById(fields[code] || "number");
            field.setAttribute("aria-invalid", "true");
            field.focus();
            parent.postMessage({ type: "guichet-card-error" }, origin);
          }
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            error.textContent = "";
            status.textContent = "";
            ["number", "expiry", "cvc"].forEach(function (id) { document.getElementById(id).removeAttribute("aria-invalid"); });
            // MM/YY, MM YY or MMYY (a phone's numeric keypad has no slash).
            var digits = document.getElementById("expiry").value.replace(/[^0-9]/g, "");
            var body = { number: value("number"), expMonth: parseInt(digits.slice(0, 2), 10) || 0, expYear: parseInt(digits.slice(2), 10) || 0, cvc: value("cvc") };
            fetch("/v1/tokens", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
              .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); })
              .then(function (answer) {
                if (!answer.ok) { refuse(answer.json.error && answer.json.error.code); return; }
                var card = answer.json.card;
                form.reset();
                var brands = { visa: "Visa", mastercard: "Mastercard", amex: "American Express" };
                status.textContent = messages.ready.replace("{brand}", brands[card.brand] || card.brand).replace("{last4}", card.last4);
                parent.postMessage({ type: "guichet-card-token", token: answer.json.id, brand: card.brand, last4: card.last4 }, origin);
              })
              .catch(function () { refuse("other"); });
          });
        })();
        """

    static let stylesheet = """
        body { margin: 0; font: 1rem/1.5 system-ui, sans-serif; color: #1b1b1b; background: #fff; }
        main { padding: 0.25rem; }
        .field { margin: 0 0 0.75rem; }
        .row { display: flex; gap: 0.75rem; flex-wrap: wrap; }
        .row .field { flex: 1 1 8rem; }
        label { display: block; font-weight: 600; }
        input { box-sizing: border-box; width: 100%; min-height: 44px; font: inherit; padding: 0.4rem; border: 2px solid #5a5a5a; border-radius: 4px; }
        input:focus, button:focus { outline: 3px solid #0b5cad; outline-offset: 2px; }
        input[aria-invalid="true"] { border-color: #b00020; }
        button { min-height: 44px; min-width: 44px; font: inherit; font-weight: 600; padding: 0.5rem 1rem; color: #fff; background: #0b5cad; border: 0; border-radius: 4px; cursor: pointer; }
        .error { color: #b00020; font-weight: 600; margin: 0 0 0.5rem; }
        .error:empty, .status:empty { margin: 0; }
        .status { color: #1d6b2f; font-weight: 600; }
        .by { font-size: 0.875rem; color: #4a4a4a; margin: 0.5rem 0 0; }
        """
}
