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
import Projections

/// Identity: accounts, verification, sign-in tokens, password reset and staff roles.
enum IdentityService: ServiceDefinition {
    static let name = "identity"
    static let defaultPort = 8081
    static let migrations = IdentityMigrations.all
    static var openAPIDocument: [UInt8] { PackageResources.openapi_yaml }
    static var openAPIJSON: [UInt8] { PackageResources.openapi_json }

    /// Built once from the environment; routes and background work share them.
    struct Parts: Sendable {
        let settings: IdentitySettings
        let api: IdentityAPI
        let mailTransport: any MailTransport
    }

    static func makeParts(environment: ServiceEnvironment) async throws -> Parts {
        let settings = try IdentitySettings(reader: environment.settings.reader)
        let codec = SecretCodec(codeHashKey: settings.codeHashKey)
        let postgres = environment.postgres
        let api = IdentityAPI(
            consentTexts: PostgresConsentTextRepository(client: postgres, logger: environment.logger),
            consents: ConsentLedger(client: postgres, logger: environment.logger),
            accounts: AccountStore(
                client: postgres, logger: environment.logger, codec: codec, mailKey: MailQueue.key(fromSecret: settings.codeHashKey)),
            sessions: SessionStore(client: postgres, logger: environment.logger),
            secondFactors: SecondFactorStore(
                client: postgres, logger: environment.logger, mailKey: MailQueue.key(fromSecret: settings.codeHashKey)),
            staff: StaffStore(client: postgres, logger: environment.logger),
            throttles: ThrottleStore(client: postgres, logger: environment.logger),
            hasher: PasswordHasher(cost: settings.bcryptCost, threads: settings.bcryptThreads, queueLimit: settings.bcryptQueueLimit),
            signer: try await AccessTokenSigner(privateKeyPEM: settings.privateKeyPEM), codec: codec, mails: try IdentityMails(),
            settings: settings, clock: environment.clock)
        return Parts(settings: settings, api: api, mailTransport: MailTransports.from(reader: environment.settings.reader))
    }

    static func eventHandlers(parts: Parts) -> [String: EventHandler] {
        [
            EventName.organisationCreated: OrganisationProjection.handler,
            EventName.organisationUpdated: OrganisationProjection.handler,
        ]
    }

    static func addRoutes(to router: Router<GuichetRequestContext>, parts: Parts, environment: ServiceEnvironment) throws {
        try parts.api.registerHandlers(on: router, configuration: .guichet)
        try JWKS.addRoute(to: router, publicKeysPEM: environment.settings.accessTokenPublicKeys)
    }

    /// The mail relay delivers what sign-up, reset and changes queued; it runs once the schema is migrated.
    static func backgroundServices(parts: Parts, environment: ServiceEnvironment) -> [any Service] {
        [
            MailRelay(
                client: environment.postgres, transport: parts.mailTransport, key: MailQueue.key(fromSecret: parts.settings.codeHashKey),
                logger: environment.logger)
        ]
    }

    static let commandsHelp = """

          sign-token [--second-factor] ACCOUNT_ID [ROLE@ORGANISATION_ID ...]
                                   print a 12-hour access token (needs JWT_PRIVATE_KEY_FILE); --second-factor:
                                   as if the second factor had just been given
        """

    /// `sign-token`: an access token for smoke tests and demo data, signed with the private key on disk.
    static func runCommand(_ command: String, arguments: [String], reader: ConfigReader, logger: Logger) async throws -> Bool {
        guard command == "sign-token" else { return false }
        let secondFactor = arguments.first == "--second-factor"
        let arguments = secondFactor ? Array(arguments.dropFirst()) : arguments
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
        print(
            try await signer.sign(
                AccessTokenClaims(
                    accountId: account, issuedAt: now, expiresAt: now + 12 * 3600, roles: roles, secondFactorAt: secondFactor ? now : nil)))
        return true
    }
}
