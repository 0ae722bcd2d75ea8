import Crypto
import Foundation
import HTTPTypes
import Logging
import NIOCore
import PostgresNIO

/// `Idempotency-Key` on unsafe POSTs that create money- or seat-bearing things: the same key and body give the
/// first answer again, never a second effect. Keys live in each service's own `idempotency_keys` table, scoped
/// by caller (an account, or `guest`), and are kept at least `retention`.
public enum Idempotency {
    public static let retention: TimeInterval = 24 * 3600
    public static let replayedHeader = "Idempotent-Replayed"

    /// The table, added to a service's migrations.
    public static let table = """
        CREATE TABLE idempotency_keys (
            scope text NOT NULL,
            key text NOT NULL,
            request_hash bytea NOT NULL,
            response bytea,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (scope, key)
        )
        """

    /// What a claimed key says about this request.
    public enum Claim: Sendable {
        /// First use: do the work, then `complete`.
        case fresh
        /// Already answered: return this body again.
        case replay([UInt8])
    }

    /// The header's value, checked: required, 1 to 255 visible ASCII characters.
    public static func key(_ header: String?) throws(Problem) -> String {
        guard let header, !header.isEmpty else {
            throw .validation([
                .init(
                    field: "Idempotency-Key", code: "required",
                    message: .init(
                        fr: "L'en-tête Idempotency-Key est obligatoire (un identifiant unique par tentative, ex. un UUID).",
                        en: "The Idempotency-Key header is required (one unique value per attempt, e.g. a UUID)."))
            ])
        }
        guard header.utf8.count <= 255, header.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .validation([
                .init(
                    field: "Idempotency-Key", code: "invalid",
                    message: .init(fr: "Au plus 255 caractères ASCII visibles.", en: "At most 255 visible ASCII characters."))
            ])
        }
        return header
    }

    /// A digest of what makes two requests "the same": their body, canonicalised by the caller.
    public static func requestHash(_ parts: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(SHA256.hash(data: try encoder.encode(parts)))
    }

    /// Claims `key` inside the caller's transaction. A concurrent request with the same key waits on the row
    /// until the first commits (then replays it) or rolls back (then goes ahead itself).
    public static func claim(
        scope: String, key: String, requestHash: [UInt8], at: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> Claim {
        let inserted =
            try await connection.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES (\(scope), \(key), \(ByteBuffer(bytes: requestHash)), \(at))
                ON CONFLICT (scope, key) DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count == 1
        if inserted { return .fresh }
        let rows = try await connection.query(
            "SELECT request_hash, response FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)", logger: logger
        ).decode((ByteBuffer, ByteBuffer?).self)
        for try await (storedHash, response) in rows {
            guard Array(storedHash.readableBytesView) == requestHash else { throw Problem.idempotencyKeyReused }
            guard let response else { throw Problem.idempotencyInFlight }
            RequestScope.setResponseHeader(HTTPField.Name(replayedHeader)!, "true")
            return .replay(Array(response.readableBytesView))
        }
        // Deleted between the two statements (expired): treat as in flight, the client retries.
        throw Problem.idempotencyInFlight
    }

    /// Records the answer of a fresh claim, in the same transaction as the work.
    public static func complete(scope: String, key: String, response: [UInt8], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE idempotency_keys SET response = \(ByteBuffer(bytes: response)) WHERE scope = \(scope) AND key = \(key)", logger: logger)
    }

    /// Forgets keys older than `retention`.
    public static func purge(before: Date, client: PostgresClient, logger: Logger) async throws {
        try await client.query("DELETE FROM idempotency_keys WHERE created_at < \(before)", logger: logger)
    }
}

extension Problem {
    public static let idempotencyKeyReused = Problem(
        type: "/problems/idempotency-key-reused", status: .unprocessableContent,
        title: .init(
            fr: "Cette clé d'idempotence a déjà servi pour une autre demande.",
            en: "This idempotency key was already used for a different request."))

    public static let idempotencyInFlight = Problem(
        type: "/problems/idempotency-in-flight", status: .conflict,
        title: .init(
            fr: "La même demande est déjà en cours de traitement. Patientez un instant.",
            en: "The same request is already being processed. Please wait a moment."),
        headers: ["Retry-After": "1"])
}
