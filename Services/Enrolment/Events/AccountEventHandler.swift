import Contracts
import Outbox

/// Keeps guardians' contacts from identity (`identity.account.*`): the payer's email and name at checkout and
/// the addresses of confirmation mails. A deleted account's contact is forgotten.
enum AccountEventHandler {
    static let contact = EventHandler(AccountContactEvent.self) { account, context in
        try await AccountContacts.keep(account, on: context.connection, logger: context.logger)
    }

    static let deleted = EventHandler(AccountDeletedEvent.self) { account, context in
        try await AccountContacts.forget(account.accountId, on: context.connection, logger: context.logger)
    }
}
