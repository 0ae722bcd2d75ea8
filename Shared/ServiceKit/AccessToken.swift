import Crypto
import Foundation
import JWTKit

/// A staff right given to an account within one organisation (and the organisations below it).
public struct OrganisationRole: Codable, Sendable, Hashable {
    public var organisationId: UUID
    public var role: String

    public init(organisationId: UUID, role: String) {
        self.organisationId = organisationId
        self.role = role
    }
}

/// The claims of an access token signed by identity and verified by every service.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public static let issuer = "guichet-identity"
    public static let audience = "guichet"

    public var sub: SubjectClaim
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var roles: [OrganisationRole]
    /// The sign-in session the token was issued in (signing out revokes it).
    public var sid: String?
    /// A platform administrator (from identity's `ADMIN_EMAILS`): creates organisations and their first staff.
    public var admin: Bool?
    /// How the holder proved who they are (RFC 8176): `pwd`, and `otp` once the second factor was given.
    public var amr: [String]?
    /// When the second factor was last given (seconds since 1970), so a service can ask for it again.
    public var secondFactorTime: Int?

    enum CodingKeys: String, CodingKey {
        case sub, iss, aud, iat, exp, roles, sid, admin, amr
        case secondFactorTime = "mfa_time"
    }

    public init(
        accountId: UUID, issuedAt: Date, expiresAt: Date, roles: [OrganisationRole] = [], sessionId: UUID? = nil,
        isAdmin: Bool = false, secondFactorAt: Date? = nil
    ) {
        sub = .init(value: accountId.uuidString.lowercased())
        iss = .init(value: Self.issuer)
        aud = .init(value: [Self.audience])
        iat = .init(value: issuedAt)
        exp = .init(value: expiresAt)
        self.roles = roles
        sid = sessionId?.uuidString.lowercased()
        admin = isAdmin ? true : nil
        amr = secondFactorAt == nil ? ["pwd"] : ["pwd", "otp"]
        secondFactorTime = secondFactorAt.map { Int($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// Signature, issuer and audience are checked here; expiry against the injected clock in `AccessTokenVerifier`.
    public func verify(using algorithm: some JWTAlgorithm) throws {
        guard iss.value == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer") }
        try aud.verifyIntendedAudience(includes: Self.audience)
    }
}

/// Who made the request, from a verified access token.
public struct Principal: Sendable, Equatable {
    public var accountId: UUID
    public var roles: [OrganisationRole]
    public var sessionId: UUID?
    public var isAdmin: Bool
    /// When the holder last gave their second factor in this session; nil if they signed in with a password only.
    public var secondFactorAt: Date?

    public init(
        accountId: UUID, roles: [OrganisationRole], sessionId: UUID? = nil, isAdmin: Bool = false, secondFactorAt: Date? = nil
    ) {
        self.accountId = accountId
        self.roles = roles
        self.sessionId = sessionId
        self.isAdmin = isAdmin
        self.secondFactorAt = secondFactorAt
    }

    public func has(role: String, in organisationId: UUID) -> Bool {
        roles.contains { $0.organisationId == organisationId && $0.role == role }
    }
}

public enum AccessTokenKeys {
    /// Key id shared by signer and verifiers: the start of the SHA-256 of the public key's DER form,
    /// so a rotated key gets a new id with no registry to keep.
    public static func keyID(publicKeyPEM: String) throws -> String {
        let key = try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM)
        let digest = SHA256.hash(data: key.derRepresentation)
        return Hex.string(digest.prefix(12))
    }

    /// Splits a file holding several PEM public keys (current and previous, during a rotation).
    public static func pemBlocks(in text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----BEGIN") { current = [] }
            current.append(Substring(trimmed))
            if trimmed.hasPrefix("-----END") { blocks.append(current.joined(separator: "\n")) }
        }
        return blocks
    }
}

/// Verifies identity's ES256 access tokens with public keys from configuration; identity need not be up.
public struct AccessTokenVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let clock: any WallClock
    public let keyIDs: [String]

    public init(publicKeysPEM: String, clock: any WallClock) async throws {
        let keys = JWTKeyCollection()
        var ids: [String] = []
        for pem in AccessTokenKeys.pemBlocks(in: publicKeysPEM) {
            let kid = try AccessTokenKeys.keyID(publicKeyPEM: pem)
            await keys.add(ecdsa: try ES256PublicKey(pem: pem), kid: JWKIdentifier(string: kid))
            ids.append(kid)
        }
        guard !ids.isEmpty else { throw ConfigurationError.invalid("JWT_PUBLIC_KEYS", "no PEM public key found") }
        self.keys = keys
        self.clock = clock
        self.keyIDs = ids
    }

    public func verify(_ token: String) async throws(Problem) -> Principal {
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .invalidToken
        }
        guard claims.exp.value > clock.now(), let accountId = UUID(uuidString: claims.sub.value) else {
            throw .invalidToken
        }
        return Principal(
            accountId: accountId, roles: claims.roles, sessionId: claims.sid.flatMap(UUID.init(uuidString:)),
            isAdmin: claims.admin == true,
            secondFactorAt: claims.amr?.contains("otp") == true
                ? claims.secondFactorTime.map { Date(timeIntervalSince1970: TimeInterval($0)) } : nil)
    }
}

/// Signs access tokens; used by identity, and by tests to act as a signed-in person.
public struct AccessTokenSigner: Sendable {
    private let keys: JWTKeyCollection
    public let keyID: String

    public init(privateKeyPEM: String) async throws {
        let privateKey = try ES256PrivateKey(pem: privateKeyPEM)
        let publicPEM = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM).publicKey.pemRepresentation
        keyID = try AccessTokenKeys.keyID(publicKeyPEM: publicPEM)
        keys = JWTKeyCollection()
        await keys.add(ecdsa: privateKey, kid: JWKIdentifier(string: keyID))
    }

    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }
}

extension Principal {
    /// Staff rights in an organisation (identity lists the organisations below a staff member's own in the
    /// token, so a school service centre's staff act on its schools); platform admins have them everywhere.
    /// Only with the second factor given: a staff member signed in with a password alone acts as a family does.
    public func isStaff(of organisationId: UUID) -> Bool {
        secondFactorAt != nil && (isAdmin || has(role: "staff", in: organisationId) || has(role: "admin", in: organisationId))
    }

    /// How long a second factor counts as recent, for sensitive actions (refunds, roles, record imports).
    public static let recentSecondFactorWindow: TimeInterval = 15 * 60

    /// The second factor given within `recentSecondFactorWindow` of `now`.
    public func hasRecentSecondFactor(at now: Date) -> Bool {
        secondFactorAt.map { now.timeIntervalSince($0) <= Self.recentSecondFactorWindow } ?? false
    }

    /// The organisation's administrator (its staff list, its logs), or a platform admin; with the second factor.
    public func isOrganisationAdmin(of organisationId: UUID) -> Bool {
        secondFactorAt != nil && (isAdmin || has(role: "admin", in: organisationId))
    }
}
