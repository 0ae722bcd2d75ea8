import Foundation
import Logging
import NIOCore
import PostgresNIO

/// What is said of a letter without reading it.
struct ParentLetterInfo: Sendable, Equatable {
    var sizeBytes: Int
    var uploadedAt: Date
}

/// The letter to parents an organisation attaches to an offering (a PDF): public like the offering, so kept as is.
struct ParentLetterStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    /// The largest letter accepted (a few scanned pages).
    static let maximumBytes = 5 * 1024 * 1024

    /// Stores the letter (replacing an earlier one) and says what is now said of it.
    func replace(offering: UUID, with bytes: [UInt8], by account: UUID, at now: Date) async throws -> ParentLetterInfo {
        try await client.query(
            """
            INSERT INTO parent_letters (offering_id, size_bytes, bytes, uploaded_by, uploaded_at)
            VALUES (\(offering), \(bytes.count), \(ByteBuffer(bytes: bytes)), \(account), \(now))
            ON CONFLICT (offering_id) DO UPDATE
            SET size_bytes = excluded.size_bytes, bytes = excluded.bytes, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at
            """, logger: logger)
        return ParentLetterInfo(sizeBytes: bytes.count, uploadedAt: now)
    }

    func remove(offering: UUID) async throws {
        try await client.query("DELETE FROM parent_letters WHERE offering_id = \(offering)", logger: logger)
    }

    func info(offering: UUID) async throws -> ParentLetterInfo? {
        for try await (size, at) in try await client.query(
            "SELECT size_bytes, uploaded_at FROM parent_letters WHERE offering_id = \(offering)", logger: logger
        ).decode((Int, Date).self) {
            return ParentLetterInfo(sizeBytes: size, uploadedAt: at)
        }
        return nil
    }

    func bytes(offering: UUID) async throws -> [UInt8]? {
        for try await buffer in try await client.query(
            "SELECT bytes FROM parent_letters WHERE offering_id = \(offering)", logger: logger
        ).decode(ByteBuffer.self) {
            return Array(buffer.readableBytesView)
        }
        return nil
    }
}
