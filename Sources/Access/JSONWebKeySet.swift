import Crypto
import CryptoExtras
import Foundation

/// An OpenID provider's signing keys (RFC 7517), as its `jwks_uri` serves them: RSA keys for
/// RS256 and P-256 keys for ES256. Keys of other types or uses are skipped, not refused, since
/// providers list encryption keys beside signing ones.
public struct JSONWebKeySet: Sendable {
    public enum Key: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
    }

    public let keys: [(id: String?, key: Key)]

    public init(json: Data) throws {
        struct Document: Decodable { let keys: [Entry] }
        struct Entry: Decodable {
            let kty: String
            let kid: String?
            let use: String?
            let crv: String?
            let n: String?, e: String?, x: String?, y: String?
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: json) } catch {
            throw IDTokenError.malformed("the provider's key set is not JSON Web Keys")
        }
        keys = document.keys.compactMap { entry in
            guard entry.use == nil || entry.use == "sig" else { return nil }
            switch entry.kty {
            case "RSA":
                guard let n = entry.n.flatMap(Base64URL.decode), let e = entry.e.flatMap(Base64URL.decode),
                      let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return nil }
                return (entry.kid, .rsa(key))
            case "EC" where entry.crv == "P-256":
                guard let x = entry.x.flatMap(Base64URL.decode), let y = entry.y.flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                      let key = try? P256.Signing.PublicKey(rawRepresentation: x + y) else { return nil }
                return (entry.kid, .p256(key))
            default:
                return nil
            }
        }
    }

    /// The keys a token with this `kid` may be signed with: the one with the id, or every key
    /// when the token names none.
    func candidates(for keyID: String?) -> [Key] {
        guard let keyID else { return keys.map(\.key) }
        return keys.filter { $0.id == keyID }.map(\.key)
    }

    public func contains(keyID: String) -> Bool { keys.contains { $0.id == keyID } }
}
