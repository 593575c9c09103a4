import Crypto
import CryptoExtras
import Foundation
import OCI

/// Verifies an OpenID Connect ID token (OIDC Core §3.1.3.7): an RS256 or ES256 signature by one
/// of the provider's keys, the issuer, the audience (our client id), the expiry and issue time
/// with a minute of leeway, and the nonce sent with the login. Anything else, `alg: none`
/// and HMAC algorithms included, is refused: a provider's token must be signed with its key.
public struct IDTokenVerifier: Sendable {
    public let issuer: String
    public let clientID: String
    public static let leewaySeconds: Int64 = 60

    public init(issuer: String, clientID: String) {
        self.issuer = issuer
        self.clientID = clientID
    }

    /// The token's claims, or why it is refused.
    public func verify(_ token: String, keys: JSONWebKeySet, nonce: String?, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> IDTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]) else { throw IDTokenError.malformed("not a signed JWT") }
        struct Header: Decodable { let alg: String; let kid: String? }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else { throw IDTokenError.malformed("unreadable header") }
        // The algorithm decides the key type: RS256 only with RSA keys, ES256 only with P-256 ones.
        guard ["RS256", "ES256"].contains(header.alg) else { throw IDTokenError.rejected("algorithm \(header.alg) is not accepted") }
        let signed = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let candidates = keys.candidates(for: header.kid)
        guard !candidates.isEmpty else { throw IDTokenError.unknownKey(header.kid ?? "") }
        let valid = candidates.contains { key in
            switch (header.alg, key) {
            case ("RS256", .rsa(let key)):
                key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: signed, padding: .insecurePKCS1v1_5)
            case ("ES256", .p256(let key)):
                (try? P256.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: signed) } ?? false
            default:
                false
            }
        }
        guard valid else { throw IDTokenError.rejected("the signature does not verify with the provider's keys") }

        let claims = try IDTokenClaims(json: payload)
        guard claims.string("iss") == issuer else { throw IDTokenError.rejected("issued by \(claims.string("iss") ?? "nobody"), not \(issuer)") }
        guard claims.audiences.contains(clientID) else { throw IDTokenError.rejected("not issued to this client (\(clientID))") }
        if let authorizedParty = claims.string("azp"), authorizedParty != clientID {
            throw IDTokenError.rejected("issued for another party (azp \(authorizedParty))")
        }
        // Compared without adding to the token's numbers, which a provider could make overflow.
        guard let expiry = claims.integer("exp"), expiry >= now - Self.leewaySeconds else { throw IDTokenError.rejected("expired") }
        if let issuedAt = claims.integer("iat"), issuedAt > now + Self.leewaySeconds { throw IDTokenError.rejected("issued in the future") }
        if let nonce, claims.string("nonce") != nonce { throw IDTokenError.rejected("the nonce is not the one of this login") }
        guard let subject = claims.string("sub"), !subject.isEmpty else { throw IDTokenError.rejected("no subject") }
        return claims
    }
}

/// An ID token's payload: the standard claims typed, the rest kept for the user and groups
/// claims an operator names.
public struct IDTokenClaims: Sendable {
    let object: [String: JSONValue]

    public init(json: Data) throws {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: json) else {
            throw IDTokenError.malformed("the payload is not a JSON object")
        }
        self.object = object
    }

    public var subject: String { string("sub") ?? "" }

    public func string(_ name: String) -> String? {
        if case .string(let text) = object[name] { return text }
        return nil
    }

    public func integer(_ name: String) -> Int64? {
        if case .number(let number) = object[name] { return Int64(exactly: number.rounded(.down)) }
        return nil
    }

    /// A claim that is a list of strings, or one string (providers send either for groups).
    public func strings(_ name: String) -> [String] {
        switch object[name] {
        case .string(let text): [text]
        case .array(let items): items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: []
        }
    }

    var audiences: [String] { strings("aud") }
}

public enum IDTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    /// The token names a key the provider does not list (it may have rotated its keys).
    case unknownKey(String)
    case rejected(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "the ID token is malformed: \(reason)"
        case .unknownKey(let id): "the ID token is signed with a key the provider does not list (\(id))"
        case .rejected(let reason): "the ID token is refused: \(reason)"
        }
    }
}
