import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, throwing what the body threw (a `Problem`, say) rather than PostgresNIO's wrapper.
    public func transaction<Result>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }
}

extension Error {
    /// PostgreSQL's SQLSTATE when this is a server error (23505 unique violation, 23503 foreign key…).
    public var sqlState: String? {
        (self as? PSQLError)?.serverInfo?[.sqlState]
    }
}
