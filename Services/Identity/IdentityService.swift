import Configuration
import Database
import Foundation
import Hummingbird
import OpenAPIHummingbird
import Logging
import Mail
import ServiceKit
import ServiceLifecycle
import Contracts
import Outbox

/// Identity: accounts, verification, sign-in tokens, password reset and staff roles.
enum IdentityService: ServiceDefinition {
    static let name = "identity"
    static let defaultPort = 8081
    static let migrations = IdentityMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    static let eventHandlers: [String: EventHandler] = [
        EventName.organisationCreated: OrganisationProjection.handler,
        EventName.organisationUpdated: OrganisationProjection.handler,
    ]

    static func addRoutes(to router: Router<GuichetRequestContext>, environment: ServiceEnvironment) async throws {
        let settings = try IdentitySettings(reader: environment.settings.reader)
        let codec = SecretCodec(codeHashKey: settings.codeHashKey)
        let postgres = environment.postgres
        let api = IdentityAPI(
            consentTexts: PostgresConsentTextRepository(client: postgres),
            accounts: AccountStore(client: postgres, codec: codec, mailKey: MailQueue.key(fromSecret: settings.codeHashKey)), sessions: SessionStore(client: postgres),
            staff: StaffStore(client: postgres), throttles: ThrottleStore(client: postgres),
            hasher: PasswordHasher(cost: settings.bcryptCost, threads: settings.bcryptThreads, queueLimit: settings.bcryptQueueLimit),
            signer: try await AccessTokenSigner(privateKeyPEM: settings.privateKeyPEM), codec: codec, mails: try IdentityMails(),
            settings: settings, clock: environment.clock)
        try api.registerHandlers(on: router, configuration: .guichet)
        try JWKS.addRoute(to: router, publicKeysPEM: environment.settings.accessTokenPublicKeys)
    }

    /// The mail relay delivers what sign-up, reset and changes queued; it runs once the schema is migrated.
    static func backgroundServices(environment: ServiceEnvironment) throws -> [any Service] {
        let settings = try IdentitySettings(reader: environment.settings.reader)
        return [
            MailRelay(
                client: environment.postgres, transport: MailTransports.from(reader: environment.settings.reader),
                key: MailQueue.key(fromSecret: settings.codeHashKey), logger: environment.logger)
        ]
    }

    static let commandsHelp = "\n  sign-token ACCOUNT_ID [ROLE@ORGANISATION_ID ...]  print a 12-hour access token (needs JWT_PRIVATE_KEY_FILE)"

    /// `sign-token`: an access token for smoke tests and demo data, signed with the private key on disk.
    static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool {
        guard command == "sign-token" else { return false }
        guard let account = arguments.first.flatMap(UUID.init(uuidString:)) else {
            throw ConfigurationError.invalid("ACCOUNT_ID", "sign-token needs an account UUID")
        }
        let roles = try arguments.dropFirst().map { argument -> OrganisationRole in
            let parts = argument.split(separator: "@")
            guard parts.count == 2, let organisation = UUID(uuidString: String(parts[1])) else {
                throw ConfigurationError.invalid("ROLE@ORGANISATION_ID", "cannot read \(argument)")
            }
            return OrganisationRole(organisationId: organisation, role: String(parts[0]))
        }
        let path = reader.string(forKey: "jwt.private.key.file", default: ".local/keys/access-token-private.pem")
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        let signer = try await AccessTokenSigner(privateKeyPEM: pem)
        let now = Date()
        print(try await signer.sign(AccessTokenClaims(accountId: account, issuedAt: now, expiresAt: now + 12 * 3600, roles: roles)))
        return true
    }
}
