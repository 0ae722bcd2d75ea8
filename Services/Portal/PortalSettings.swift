import Configuration
import Foundation
import ServiceKit

/// The portal's own settings: where the services it calls answer, and its public address.
struct PortalSettings: Sendable {
    /// The catalogue's, identity's and enrolment's APIs, called by the portal's server (never by the browser).
    var catalogueURL: URL
    var identityURL: URL
    var enrolmentURL: URL
    var paymentURL: URL
    /// The card processor's hosted card-entry page, as the payer's browser reaches it (framed by the payment page).
    var cardEntryURL: URL
    /// The address people open (the gateway's): over https, cookies are `Secure` and `__Host-` prefixed.
    var publicBaseURL: URL

    init(reader: ConfigReader) throws {
        func url(_ key: ConfigKey, _ variable: String, _ fallback: String) throws -> URL {
            let text = reader.string(forKey: key, default: fallback)
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ConfigurationError.invalid(variable, "must be an http(s) URL")
            }
            return url
        }
        catalogueURL = try url("catalogue.url", "CATALOGUE_URL", "http://127.0.0.1:8082")
        identityURL = try url("identity.url", "IDENTITY_URL", "http://127.0.0.1:8081")
        enrolmentURL = try url("enrolment.url", "ENROLMENT_URL", "http://127.0.0.1:8083")
        paymentURL = try url("payment.url", "PAYMENT_URL", "http://127.0.0.1:8084")
        publicBaseURL = try url("public.base.url", "PUBLIC_BASE_URL", "http://127.0.0.1:8080")
        cardEntryURL = try url("card.entry.url", "CARD_ENTRY_URL", "http://127.0.0.1:8090/hosted/card-entry")
    }

    var secureCookies: Bool { publicBaseURL.scheme == "https" }

    /// `scheme://host[:port]` of the public address, as a browser writes it in `Origin`.
    var publicOrigin: String { Self.origin(publicBaseURL) }

    /// The card entry's origin: the only one the payment page frames and takes a card token from.
    var cardEntryOrigin: String { Self.origin(cardEntryURL) }

    static func origin(_ url: URL) -> String {
        let scheme = url.scheme ?? "http"
        // A browser writes no default port in an origin.
        let port = url.port.flatMap { (scheme == "https" && $0 == 443) || (scheme == "http" && $0 == 80) ? nil : ":\($0)" } ?? ""
        return "\(scheme)://\(url.host ?? "")\(port)".lowercased()
    }
}
