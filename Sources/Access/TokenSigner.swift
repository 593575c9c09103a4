import Crypto
import CryptoExtras
import Foundation

/// Signs and verifies the registry's bearer tokens: RS256 JWTs as Harbor issues them. The claims
/// are written by hand (whole-second `exp`/`iat`/`nbf`, Docker clients reject fractions) and RSA
/// verification costs about 25 µs, which matters because every `/v2/` request verifies one.
public struct TokenSigner: Sendable {
    public static let issuer = "harbor-token-issuer"
    public static let audience = "harbor-registry"

    private let privateKey: _RSA.Signing.PrivateKey
    private let publicKey: _RSA.Signing.PublicKey
    public let keyID: String

    public init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
        let fingerprint = SHA256.hash(data: publicKey.derRepresentation)
        self.keyID = Base64URL.encode(Data(fingerprint.prefix(15)))
    }

    /// A new 2048-bit key, as PEM.
    public static func newKeyPEM() throws -> String {
        try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    }

    public init(pem: String) throws {
        self.init(privateKey: try _RSA.Signing.PrivateKey(pemRepresentation: pem))
    }

    public func sign(_ claims: TokenClaims) throws -> String {
        let header = #"{"alg":"RS256","typ":"JWT","kid":"\#(keyID)"}"#
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(try encoder.encode(claims))
        let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The claims of a token this signer issued that is valid now; nil for anything else.
    public func verify(_ token: String, now: Int64 = Int64(Date().timeIntervalSince1970)) -> TokenClaims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData), header.alg == "RS256",
              let signature = Base64URL.decode(parts[2]),
              publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                         for: Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)),
                                         padding: .insecurePKCS1v1_5),
              let payload = Base64URL.decode(parts[1]),
              let claims = try? JSONDecoder().decode(TokenClaims.self, from: payload)
        else { return nil }
        // One minute of leeway for clocks of several nodes, as Harbor allows.
        guard claims.iss == Self.issuer, claims.aud == Self.audience,
              claims.exp + 60 >= now, claims.nbf - 60 <= now else { return nil }
        return claims
    }

    private struct Header: Decodable { let alg: String }
}

/// Harbor's token claims (`src/pkg/token/claims/v2`).
public struct TokenClaims: Codable, Sendable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int64
    public var nbf: Int64
    public var iat: Int64
    public var jti: String
    public var access: [TokenAccess]

    public init(subject: String, access: [TokenAccess], issuedAt: Int64, lifetime: Int64) {
        iss = TokenSigner.issuer
        sub = subject
        aud = TokenSigner.audience
        iat = issuedAt
        nbf = issuedAt
        exp = issuedAt + lifetime
        jti = Base64URL.encode(Data((0..<12).map { _ in UInt8.random(in: 0...255) }))
        self.access = access
    }
}

/// One resource of a token: `{"type":"repository","name":"library/app","actions":["pull"]}`.
public struct TokenAccess: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var actions: [String]

    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        self.actions = actions
    }
}

public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
