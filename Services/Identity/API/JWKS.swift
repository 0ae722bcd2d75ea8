import Crypto
import Foundation
import Hummingbird
import JWTKit
import ServiceKit

/// `GET /.well-known/jwks.json`: the public keys access tokens are checked with, for partners. Every key of
/// `JWT_PUBLIC_KEYS` is listed (the current one and, during a rotation, the previous), with the `kid`
/// tokens carry.
enum JWKS {
    /// jwt-kit's key type, so what partners load with jwt-kit (or any RFC 7517 reader) is what we write, with the
    /// `use` member our spec promises (jwt-kit's JWK does not carry it).
    struct PublishedKey: Encodable {
        var key: JWK

        private enum CodingKeys: String, CodingKey { case use }

        func encode(to encoder: any Encoder) throws {
            try key.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("sig", forKey: .use)
        }
    }

    static func document(publicKeysPEM: String) throws -> [UInt8] {
        let keys = try AccessTokenKeys.pemBlocks(in: publicKeysPEM).map { pem -> PublishedKey in
            let raw = try P256.Signing.PublicKey(pemRepresentation: pem).rawRepresentation
            return PublishedKey(
                key: JWK.ecdsa(
                    .es256, identifier: JWKIdentifier(string: try AccessTokenKeys.keyID(publicKeyPEM: pem)),
                    x: Base64URL.encode(raw.prefix(32)), y: Base64URL.encode(raw.suffix(32)), curve: .p256))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(["keys": keys]))
    }

    static func addRoute(to router: Router<GuichetRequestContext>, publicKeysPEM: String) throws {
        let body = try document(publicKeysPEM: publicKeysPEM)
        router.get("/.well-known/jwks.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
