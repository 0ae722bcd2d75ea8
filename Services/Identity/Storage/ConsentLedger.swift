import Contracts
import Database
import Foundation
import Logging
import Outbox
import PostgresNIO
import ServiceKit

/// The consents an account holder gives and withdraws after sign-up (Law 25: per purpose, recorded with the text's
/// version and the moments), each change announced (`identity.consent.changed`) for the services that act on it.
struct ConsentLedger: Sendable {
    let client: PostgresClient
    /// The service's logger, given where the service is composed.
    let logger: Logger

    struct Given: Sendable, Equatable {
        var purpose: String
        var version: Int
        var givenAt: Date
    }

    /// Purposes given and withdrawn in the account; `personal-information` is given at sign-up and ends with it.
    static let changeable: Set<String> = ["electronic-documents"]

    func given(account: UUID) async throws -> [Given] {
        var found: [Given] = []
        for try await (purpose, version, at) in try await client.query(
            """
            SELECT DISTINCT ON (purpose) purpose, version, accepted_at FROM consents
            WHERE account_id = \(account) AND withdrawn_at IS NULL ORDER BY purpose, version DESC
            """, logger: logger
        ).decode((String, Int, Date).self) {
            found.append(.init(purpose: purpose, version: version, givenAt: at))
        }
        return found
    }

    /// Records the consent to `version` of the purpose's text in force (giving it again while in force changes
    /// nothing); the history of every giving and withdrawal is kept apart (`consent_changes`).
    func give(purpose: String, version: Int, account: UUID, current: Int, at now: Date) async throws -> Given {
        guard version == current else { throw Problem.consentTextOutdated }
        return try await client.transaction(logger: logger) { connection in
            var accepted = now
            var changed = true
            for try await (at, withdrawn) in try await connection.query(
                """
                SELECT accepted_at, withdrawn_at FROM consents WHERE account_id = \(account) AND purpose = \(purpose) AND version = \(version)
                FOR UPDATE
                """, logger: logger
            ).decode((Date, Date?).self) where withdrawn == nil {
                accepted = at
                changed = false
            }
            guard changed else { return Given(purpose: purpose, version: version, givenAt: accepted) }
            try await connection.query(
                """
                INSERT INTO consents (account_id, purpose, version, accepted_at) VALUES (\(account), \(purpose), \(version), \(now))
                ON CONFLICT (account_id, purpose, version) DO UPDATE SET accepted_at = excluded.accepted_at, withdrawn_at = NULL
                """, logger: logger)
            try await announce(purpose: purpose, given: true, textVersion: version, account: account, at: now, on: connection)
            return Given(purpose: purpose, version: version, givenAt: now)
        }
    }

    func withdraw(purpose: String, account: UUID, at now: Date) async throws {
        try await client.transaction(logger: logger) { connection in
            var withdrew = false
            for try await _ in try await connection.query(
                """
                UPDATE consents SET withdrawn_at = \(now) WHERE account_id = \(account) AND purpose = \(purpose) AND withdrawn_at IS NULL
                RETURNING version
                """, logger: logger
            ).decode(Int.self) {
                withdrew = true
            }
            if withdrew { try await announce(purpose: purpose, given: false, textVersion: nil, account: account, at: now, on: connection) }
        }
    }

    /// The account's version grows with each change, so consumers keep the latest whatever the order of delivery.
    private func announce(
        purpose: String, given: Bool, textVersion: Int?, account: UUID, at now: Date, on connection: PostgresConnection
    ) async throws {
        var version: Int64 = 0
        for try await value in try await connection.query(
            "UPDATE accounts SET version = version + 1 WHERE id = \(account) RETURNING version", logger: logger
        ).decode(Int64.self) {
            version = value
        }
        guard version > 0 else { throw Problem.notFound }
        try await connection.query(
            """
            INSERT INTO consent_changes (account_id, purpose, version, given, changed_at)
            VALUES (\(account), \(purpose), \(textVersion), \(given), \(now))
            """, logger: logger)
        try await Outbox.enqueue(
            try PendingEvent(
                routingKey: EventName.consentChanged, subject: account.uuidString.lowercased(), occurredAt: now,
                payload: ConsentChangedEvent(
                    accountId: account, version: version, purpose: purpose, given: given, textVersion: textVersion, changedAt: now)),
            on: connection, logger: logger)
    }
}

extension Problem {
    static let consentTextOutdated = Problem(
        type: "/problems/consent-text-outdated", status: .conflict,
        title: .init(
            fr: "Le texte du consentement a changé depuis son affichage\u{00A0}: lisez la nouvelle version.",
            en: "The consent text changed since it was shown: read the new version."))

    static let consentNotChangeable = Problem.validation([
        FieldError(
            field: "purpose", code: "notChangeable",
            message: .init(
                fr: "Ce consentement se donne à la création du compte et prend fin avec lui.",
                en: "This consent is given when the account is created and ends with it."))
    ])
}
