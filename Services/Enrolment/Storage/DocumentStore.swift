import Contracts
import Crypto
import Foundation
import Logging
import Messaging
import NIOCore
import PostgresNIO
import ServiceKit

/// Intervention plans: checked by content and size against the offering's rules, sealed at rest, readable only by
/// the participant's guardians and the selling organisation's staff.
struct DocumentStore: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger
    let key: SymmetricKey

    enum Target: Sendable {
        case cartLine(UUID)
        case registration(UUID)
    }

    /// The largest file any offering may ask for; the offering's own limit applies below it.
    static let absoluteMaximumBytes = 20 * 1024 * 1024

    func upload(_ bytes: [UInt8], to target: Target, schoolYear: String?, by account: UUID, at now: Date) async throws -> DocumentInfo? {
        return try await client.transaction(logger: logger) { connection in
            // Whose and which offering: the account's own cart line, or a registration of a participant they are a guardian of.
            var owner: (participant: UUID, offering: String, cartLine: UUID?, registration: UUID?)?
            switch target {
            case .cartLine(let line):
                for try await (participant, document) in try await connection.query(
                    """
                    SELECT c.participant_id, o.document::text FROM cart_lines c JOIN offerings o ON o.id = c.offering_id
                    WHERE c.id = \(line) AND c.account_id = \(account)
                    """, logger: logger
                ).decode((UUID, String).self) {
                    owner = (participant, document, line, nil)
                }
            case .registration(let registration):
                for try await (participant, document) in try await connection.query(
                    """
                    SELECT r.participant_id, o.document::text FROM registrations r JOIN offerings o ON o.id = r.offering_id
                    JOIN participant_guardians g ON g.participant_id = r.participant_id AND g.account_id = \(account)
                    WHERE r.id = \(registration) AND r.status IN ('held', 'confirmed')
                    """, logger: logger
                ).decode((UUID, String).self) {
                    owner = (participant, document, nil, registration)
                }
            }
            guard let owner else { return nil }
            let offering = try EventJSON.decoder.decode(OfferingEvent.self, from: Data(owner.offering.utf8))
            guard let rules = offering.documents, rules.interventionPlan != "not-asked" else { throw Problem.documentNotAsked }
            guard bytes.count <= min(rules.maximumBytes, Self.absoluteMaximumBytes) else {
                throw Problem.payloadTooLarge(maximumBytes: min(rules.maximumBytes, Self.absoluteMaximumBytes))
            }
            guard let type = DocumentRules.sniff(bytes), rules.acceptedTypes.contains(type) else {
                throw Problem.unsupportedDocument(accepted: rules.acceptedTypes)
            }
            let id = UUID()
            let sealed = try ChaChaPoly.seal(bytes, using: key, authenticating: Array(id.uuidString.utf8)).combined
            if let line = owner.cartLine {
                try await connection.query("DELETE FROM documents WHERE cart_line_id = \(line) AND kind = 'intervention-plan'", logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO documents (id, kind, participant_id, offering_id, cart_line_id, registration_id, school_year, content_type, size_bytes,
                    sealed, uploaded_by, uploaded_at)
                VALUES (\(id), 'intervention-plan', \(owner.participant), \(offering.offeringId), \(owner.cartLine), \(owner.registration),
                    \(schoolYear), \(type), \(bytes.count), \(ByteBuffer(data: sealed)), \(account), \(now))
                """, logger: logger)
            return DocumentInfo(id: id, kind: "intervention-plan", contentType: type, sizeBytes: bytes.count, schoolYear: schoolYear, uploadedAt: now)
        }
    }

    /// The file if `principal` is a guardian of its participant or staff of the offering's seller; nil otherwise.
    /// Each opening is logged (who, when) for the organisation's admin, in the same transaction as the read.
    func download(id: UUID, principal: Principal, at now: Date) async throws -> (contentType: String, bytes: [UInt8])? {
        try await client.transaction(logger: logger) { connection in
            for try await (type, sealed, seller, isGuardian) in try await connection.query(
                """
                SELECT d.content_type, d.sealed, o.selling_organisation_id,
                       EXISTS (SELECT 1 FROM participant_guardians g WHERE g.participant_id = d.participant_id AND g.account_id = \(principal.accountId))
                FROM documents d JOIN offerings o ON o.id = d.offering_id WHERE d.id = \(id)
                """, logger: logger
            ).decode((String, ByteBuffer, UUID, Bool).self) {
                guard isGuardian || principal.isStaff(of: seller) else { return nil }
                let box = try ChaChaPoly.SealedBox(combined: Data(sealed.readableBytesView))
                let bytes = Array(try ChaChaPoly.open(box, using: key, authenticating: Array(id.uuidString.utf8)))
                try await connection.query(
                    """
                    INSERT INTO document_reads (document_id, organisation_id, account_id, read_at)
                    VALUES (\(id), \(seller), \(principal.accountId), \(now))
                    """, logger: logger)
                return (type, bytes)
            }
            return nil
        }
    }

    struct StaffDocument: Sendable {
        var info: DocumentInfo
        var registrationId: UUID
        var participantName: String
        var offeringCode: String
        var offeringTitle: LocalizedText
    }

    /// The documents of the organisation's registrations, newest first (never their bytes).
    func documents(organisation: UUID, limit: Int) async throws -> [StaffDocument] {
        var found: [StaffDocument] = []
        for try await (id, kind, type, size, year, at, registration, participant, code, titleFr, titleEn) in try await client.query(
            """
            SELECT d.id, d.kind, d.content_type, d.size_bytes, d.school_year, d.uploaded_at, d.registration_id,
                   p.first_name || ' ' || p.last_name, o.code, o.title_fr, o.title_en
            FROM documents d JOIN offerings o ON o.id = d.offering_id JOIN participants p ON p.id = d.participant_id
            WHERE o.selling_organisation_id = \(organisation) AND d.registration_id IS NOT NULL
            ORDER BY d.uploaded_at DESC, d.id DESC LIMIT \(limit)
            """, logger: logger
        ).decode((UUID, String, String, Int, String?, Date, UUID, String, String, String, String).self) {
            found.append(
                StaffDocument(
                    info: DocumentInfo(id: id, kind: kind, contentType: type, sizeBytes: size, schoolYear: year, uploadedAt: at),
                    registrationId: registration, participantName: participant, offeringCode: code, offeringTitle: .init(fr: titleFr, en: titleEn)))
        }
        return found
    }

    struct Read: Sendable {
        var documentId: UUID
        var participantName: String
        var offeringCode: String
        var readerAccountId: UUID
        var readerName: String?
        var readAt: Date
    }

    /// Who opened the organisation's documents, newest first.
    func reads(organisation: UUID, limit: Int) async throws -> [Read] {
        var found: [Read] = []
        for try await (document, participant, code, reader, name, at) in try await client.query(
            """
            SELECT r.document_id, p.first_name || ' ' || p.last_name, o.code, r.account_id, c.first_name || ' ' || c.last_name, r.read_at
            FROM document_reads r JOIN documents d ON d.id = r.document_id JOIN participants p ON p.id = d.participant_id
            JOIN offerings o ON o.id = d.offering_id LEFT JOIN account_contacts c ON c.account_id = r.account_id
            WHERE r.organisation_id = \(organisation)
            ORDER BY r.read_at DESC, r.id DESC LIMIT \(limit)
            """, logger: logger
        ).decode((UUID, String, String, UUID, String?, Date).self) {
            found.append(
                Read(documentId: document, participantName: participant, offeringCode: code, readerAccountId: reader, readerName: name, readAt: at))
        }
        return found
    }

    /// The documents attached to these cart lines or registrations (what is listed, never the bytes), oldest first.
    func attached(to target: [Target]) async throws -> [UUID: [DocumentInfo]] {
        let lines = target.compactMap { if case .cartLine(let id) = $0 { id } else { nil } }
        let registrations = target.compactMap { if case .registration(let id) = $0 { id } else { nil } }
        guard !lines.isEmpty || !registrations.isEmpty else { return [:] }
        var found: [UUID: [DocumentInfo]] = [:]
        for try await (line, registration, id, kind, type, size, year, at) in try await client.query(
            """
            SELECT cart_line_id, registration_id, id, kind, content_type, size_bytes, school_year, uploaded_at FROM documents
            WHERE cart_line_id = ANY(\(lines)) OR registration_id = ANY(\(registrations))
            ORDER BY uploaded_at, id
            """, logger: logger
        ).decode((UUID?, UUID?, UUID, String, String, Int, String?, Date).self) {
            let info = DocumentInfo(id: id, kind: kind, contentType: type, sizeBytes: size, schoolYear: year, uploadedAt: at)
            // A plan attached in the cart follows its line to the registration: listed under whichever was asked.
            if let line, lines.contains(line) { found[line, default: []].append(info) }
            if let registration, registrations.contains(registration) { found[registration, default: []].append(info) }
        }
        return found
    }

    /// At checkout: the lines' plans follow them to their registrations; a required plan must be there.
    static func missingRequiredPlans(cartLines: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        guard !cartLines.isEmpty else { return [] }
        var present = Set<UUID>()
        for try await line in try await connection.query(
            "SELECT cart_line_id FROM documents WHERE cart_line_id = ANY(\(cartLines)) AND kind = 'intervention-plan'", logger: logger
        ).decode(UUID.self) {
            present.insert(line)
        }
        return Set(cartLines).subtracting(present)
    }
}
