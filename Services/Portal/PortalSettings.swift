import Configuration
import Foundation
import ServiceKit

/// The portal's own settings: where the services it calls answer.
struct PortalSettings: Sendable {
    /// The catalogue's API, called by the portal's server (never by the browser).
    var catalogueURL: URL

    init(reader: ConfigReader) throws {
        let text = reader.string(forKey: "catalogue.url", default: "http://127.0.0.1:8082")
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
            throw ConfigurationError.invalid("CATALOGUE_URL", "must be an http(s) URL")
        }
        catalogueURL = url
    }
}
