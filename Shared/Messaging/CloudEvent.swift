import Foundation

/// A CloudEvents 1.0 event in binary mode over AMQP 0-9-1: the body is the JSON data, attributes are
/// `cloudEvents_*` headers, mirrored in `message_id`, `type`, `timestamp` and `app_id` for RabbitMQ tools.
public struct CloudEvent: Sendable, Equatable {
    public static let typePrefix = "ca.guichet."

    public var id: String
    /// `/guichet/<service>`.
    public var source: String
    /// `ca.guichet.<routing key>.v1`.
    public var type: String
    public var time: Date
    public var subject: String?
    public var dataSchema: String?
    public var traceparent: String?
    public var data: [UInt8]

    public init(
        id: String, source: String, type: String, time: Date, subject: String? = nil, dataSchema: String? = nil,
        traceparent: String? = nil, data: [UInt8]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.subject = subject
        self.dataSchema = dataSchema
        self.traceparent = traceparent
        self.data = data
    }

    /// `ca.guichet.catalogue.offering.published.v1` for routing key `catalogue.offering.published`.
    public static func type(routingKey: String, version: Int = 1) -> String {
        "\(typePrefix)\(routingKey).v\(version)"
    }

    /// The routing key a type travels under (the type without prefix and version).
    public var routingKey: String? {
        guard type.hasPrefix(Self.typePrefix), let dot = type.lastIndex(of: ".") else { return nil }
        return String(type[type.index(type.startIndex, offsetBy: Self.typePrefix.count)..<dot])
    }

    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public var headers: [(String, String)] {
        var headers: [(String, String)] = [
            ("cloudEvents_specversion", "1.0"),
            ("cloudEvents_id", id),
            ("cloudEvents_source", source),
            ("cloudEvents_type", type),
            ("cloudEvents_time", time.formatted(Self.timeFormat)),
        ]
        if let subject { headers.append(("cloudEvents_subject", subject)) }
        if let dataSchema { headers.append(("cloudEvents_dataschema", dataSchema)) }
        if let traceparent { headers.append(("traceparent", traceparent)) }
        return headers
    }

    public func message(exchange: String, appID: String) -> OutgoingMessage {
        OutgoingMessage(
            exchange: exchange, routingKey: routingKey ?? "", messageID: id, type: type, appID: appID, timestamp: time,
            contentType: "application/json", headers: headers, body: data)
    }

    public enum DecodingError: Error, Equatable {
        case missingAttribute(String)
        case unsupportedSpecVersion(String)
        case unsupportedContentType(String)
    }

    /// Reads an event from a delivery; refuses one that lacks a required attribute.
    public init(delivery: Delivery) throws(DecodingError) {
        let headers = delivery.headers
        func required(_ name: String) throws(DecodingError) -> String {
            guard let value = headers["cloudEvents_\(name)"], !value.isEmpty else { throw .missingAttribute(name) }
            return value
        }
        let version = try required("specversion")
        guard version == "1.0" else { throw .unsupportedSpecVersion(version) }
        if let contentType = delivery.contentType, !contentType.hasPrefix("application/json") {
            throw .unsupportedContentType(contentType)
        }
        id = try required("id")
        source = try required("source")
        type = try required("type")
        guard let time = EventJSON.parseTime(try required("time")) else { throw .missingAttribute("time") }
        self.time = time
        subject = headers["cloudEvents_subject"]
        dataSchema = headers["cloudEvents_dataschema"]
        traceparent = headers["traceparent"]
        data = delivery.body
    }
}
