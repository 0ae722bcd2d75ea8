import Configuration
import Foundation
import ServiceKit

/// The portal's own settings: where the services it calls answer, and its public address.
struct PortalSettings: Sendable {
    /// The catalogue's, identity's and enrolment's APIs, called by the portal's server (never by the browser).
    var catalogueURL: URL
    var identityURL: URL
    var enrolmentURL: URL
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
        publicBaseURL = try url("public.base.url", "PUBLIC_BASE_URL", "http://127.0.0.1:8080")
    }

    var secureCookies: Bool { publicBaseURL.scheme == "https" }

    /// `scheme://host[:port]` of the public address, as a browser writes it in `Origin`.
    var publicOrigin: String {
        let scheme = publicBaseURL.scheme ?? "http"
        let port = publicBaseURL.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(publicBaseURL.host ?? "")\(port)".lowercased()
    }
}
