import Database
import Foundation
import PostgresNIO
import ServiceKit
import Testing

@testable import Catalogue
@testable import Enrolment
@testable import Identity
@testable import Payment

@Suite struct DatabaseTests {
    static let migrations: [String: [Migration]] = [
        "identity": IdentityService.migrations, "catalogue": CatalogueService.migrations,
        "enrolment": EnrolmentService.migrations, "payment": PaymentService.migrations,
    ]

    @Test(arguments: ["identity", "catalogue", "enrolment", "payment"])
    func migrationsRunOnceWhenInstancesStartTogether(service: String) async throws {
        try await TestDatabase.withDatabase { database in
            let migrations = try #require(Self.migrations[service])
            let migrator = try Migrator(schema: service, migrations: migrations)
            let clients = try (0..<3).map { _ in try database.serviceClient(service) }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in clients {
                    group.addTask {
                        try await withRunning(client) { try await migrator.apply(client: client, logger: TestEnvironment.logger) }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(applied.sorted() == migrations.map(\.version), "each step applied by exactly one instance")
            let recorded = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(service).schema_migrations"), logger: TestEnvironment.logger
                )
                .collect().first!.decode(Int.self)
            }
            #expect(recorded == migrations.count)
            // A later start applies nothing.
            let later = try database.serviceClient(service)
            let again = try await withRunning(later) { try await migrator.apply(client: later, logger: TestEnvironment.logger) }
            #expect(again.isEmpty)
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TestDatabase.withDatabase { database in
            let client = try database.serviceClient("catalogue")
            let broken = try Migrator(
                schema: "catalogue",
                migrations: [
                    Migration(1, "half", ["CREATE TABLE half_done (x int)", "SELECT no_such_function()"])
                ])
            await #expect(throws: PSQLError.self) {
                try await withRunning(client) { try await broken.apply(client: client, logger: TestEnvironment.logger) }
            }
            let exists = try await TestDatabase.admin(database: database.name) { connection in
                try await connection.query("SELECT to_regclass('catalogue.half_done') IS NOT NULL", logger: TestEnvironment.logger)
                    .collect().first!.decode(Bool.self)
            }
            #expect(exists == false)
        }
    }

    @Test func aServiceRefusesASchemaFromANewerBuild() async throws {
        try await TestDatabase.withDatabase { database in
            let client = try database.serviceClient("payment")
            let newer = try Migrator(schema: "payment", migrations: PaymentService.migrations + [Migration(99, "future", ["SELECT 1"])])
            let current = try Migrator(schema: "payment", migrations: PaymentService.migrations)
            try await withRunning(client) {
                try await newer.apply(client: client, logger: TestEnvironment.logger)
                await #expect(throws: MigrationError.self) {
                    try await current.apply(client: client, logger: TestEnvironment.logger)
                }
            }
        }
    }

    /// Each role reaches its own schema only: no reading, writing or creating in another service's.
    @Test(arguments: ["identity", "catalogue", "enrolment", "payment"])
    func aServiceRoleCannotReachAnotherSchema(service: String) async throws {
        try await TestDatabase.withDatabase { database in
            // Every schema gets its tables first, as the four services would on start.
            for (owner, migrations) in Self.migrations {
                let client = try database.serviceClient(owner)
                try await withRunning(client) {
                    try await Migrator(schema: owner, migrations: migrations).apply(client: client, logger: TestEnvironment.logger)
                }
            }
            let tables = ["identity": "consent_texts", "catalogue": "categories", "enrolment": "participants", "payment": "payments"]
            let client = try database.serviceClient(service)
            try await withRunning(client) {
                let own = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(tables[service]!)"), logger: TestEnvironment.logger)
                    .collect().first!.decode(Int.self)
                #expect(own >= 0)
                for (other, table) in tables where other != service {
                    for sql in [
                        "SELECT * FROM \(other).\(table)",
                        "SELECT * FROM \(other).schema_migrations",
                        "CREATE TABLE \(other).intruder (x int)",
                        "DELETE FROM \(other).\(table)",
                    ] {
                        do {
                            try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
                            Issue.record("guichet_\(service) could run: \(sql)")
                        } catch let error as PSQLError {
                            #expect(error.serverInfo?[.sqlState] == "42501", "permission denied expected for \(sql): \(String(reflecting: error))")
                        }
                    }
                }
                do {
                    try await client.query("CREATE TABLE public.intruder (x int)", logger: TestEnvironment.logger)
                    Issue.record("guichet_\(service) could create in public")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "42501")
                }
            }
        }
    }
}
