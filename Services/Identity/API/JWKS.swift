import Crypto
import Foundation
import Hummingbird
import ServiceKit

/// `GET /.well-known/jwks.json`: the public keys access tokens are checked with, for partners. Every key of
/// `JWT_PUBLIC_KEYS` is listed (the current one and, during a rotation, the previous), with the `kid`
/// tokens carry.
enum JWKS {
    struct Key: Encodable {
        let kty = "EC"
        let crv = "P-256"
        let alg = "ES256"
        let use = "sig"
        var kid: String
        var x: String
        var y: String
    }

    static func document(publicKeysPEM: String) throws -> [UInt8] {
        let keys = try AccessTokenKeys.pemBlocks(in: publicKeysPEM).map { pem -> Key in
            let raw = try P256.Signing.PublicKey(pemRepresentation: pem).rawRepresentation
            return Key(kid: try AccessTokenKeys.keyID(publicKeyPEM: pem), x: base64URL(raw.prefix(32)), y: base64URL(raw.suffix(32)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(["keys": keys]))
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
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
