import Logging
import PostgresNIO

/// One versioned step of a service's schema. Statements run one by one (the extended protocol
/// takes a single statement each), all in one transaction with the record of the step.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(_ version: Int, _ name: String, _ statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case wrongSchema(expected: String, found: String?)
    case unorderedVersions
    case unknownVersionApplied(Int)

    public var description: String {
        switch self {
        case .wrongSchema(let expected, let found):
            "the role's search_path resolves to schema \(found ?? "none"), expected \(expected): run the database setup (deploy/postgres/setup.sh)"
        case .unorderedVersions: "migration versions must be unique and increasing"
        case .unknownVersionApplied(let version):
            "the schema has migration \(version), which this build does not know: is an older build running against a newer schema?"
        }
    }
}

/// Applies a service's migrations. An advisory lock taken inside the transaction makes instances that
/// start together wait for each other, so each step runs exactly once.
public struct Migrator: Sendable {
    public let schema: String
    public let migrations: [Migration]

    public init(schema: String, migrations: [Migration]) throws {
        guard zip(migrations, migrations.dropFirst()).allSatisfy({ $0.version < $1.version }) else {
            throw MigrationError.unorderedVersions
        }
        self.schema = schema
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Returns the versions applied by this call (empty when another instance already did the work).
    @discardableResult
    public func apply(client: PostgresClient, logger: Logger) async throws -> [Int] {
        // `transaction` reports what failed inside (a migration's SQL, a refused schema), not the wrapper.
        try await applyInTransaction(client: client, schema: schema, migrations: migrations, logger: logger)
    }

    private func applyInTransaction(
        client: PostgresClient, schema: String, migrations: [Migration], logger: Logger
    ) async throws -> [Int] {
        try await client.transaction(logger: logger) { connection in
            let current = try await connection.query("SELECT current_schema()", logger: logger)
                .collect().first?.decode(String?.self)
            guard current == schema else { throw MigrationError.wrongSchema(expected: schema, found: current) }
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("guichet.migrations." + schema)))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            if let unknown = applied.first(where: { version in !migrations.contains { $0.version == version } }) {
                throw MigrationError.unknownVersionApplied(unknown)
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
                logger.info("migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
    }

    /// The highest version recorded, or nil when the migrations table does not exist yet.
    public func appliedVersion(client: PostgresClient, logger: Logger) async throws -> Int? {
        let exists =
            try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .collect().first?.decode(Bool.self) ?? false
        guard exists else { return nil }
        return try await client.query("SELECT max(version) FROM schema_migrations", logger: logger)
            .collect().first?.decode(Int?.self) ?? nil
    }
}
