import Crypto
import Foundation

/// A cosign signature as it sits in a registry: a simple-signing payload (a layer of the signature
/// manifest) that names the signed manifest's digest, and an ECDSA signature over that payload in
/// the layer's `dev.cosignproject.cosign/signature` annotation (base64 of the DER encoding).
public struct CosignSignature: Sendable {
    public static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    /// A simple-signing payload is a few hundred bytes; larger layers are not read.
    public static let payloadLimit: Int64 = 64 * 1024

    /// The layer holding the payload and its signature.
    public let layer: Descriptor
    public let signature: P256.Signing.ECDSASignature

    /// The signed layers of a cosign signature manifest (one per signature cosign appended).
    public static func signatures(in manifest: Manifest) -> [CosignSignature] {
        manifest.layers.compactMap { layer in
            guard layer.mediaType == AccessoryType.cosignSimpleSigning, layer.size <= payloadLimit,
                  let encoded = layer.annotations?[signatureAnnotation], let der = Data(base64Encoded: encoded),
                  let signature = try? P256.Signing.ECDSASignature(derRepresentation: der) else { return nil }
            return CosignSignature(layer: layer, signature: signature)
        }
    }

    /// Whether `payload` (this layer's bytes) names `subject` as the signed image and the signature
    /// over it verifies against one of `keys`. A signature moved to another image fails the first
    /// check; a payload edited after signing fails the second.
    public func verifies(payload: [UInt8], subject: Digest, keys: [TrustedSigningKey]) -> Bool {
        guard Self.signedDigest(in: payload) == subject.description else { return false }
        return keys.contains { $0.key.isValidSignature(signature, for: payload) }
    }

    /// `critical.image.docker-manifest-digest` of a simple-signing payload.
    public static func signedDigest(in payload: [UInt8]) -> String? {
        struct SimpleSigning: Decodable {
            struct Critical: Decodable {
                struct Image: Decodable {
                    let digest: String
                    enum CodingKeys: String, CodingKey { case digest = "docker-manifest-digest" }
                }
                let image: Image
            }
            let critical: Critical
        }
        return (try? JSONDecoder().decode(SimpleSigning.self, from: Data(payload)))?.critical.image.digest
    }
}

/// A public key a project trusts to sign its images: ECDSA P-256 in PEM, as
/// `cosign generate-key-pair` writes `cosign.pub`.
public struct TrustedSigningKey: Sendable {
    public let key: P256.Signing.PublicKey
    /// `sha256:<hex>` of the key's DER (SubjectPublicKeyInfo) encoding, to tell keys apart.
    public let fingerprint: String

    public struct Invalid: Error, CustomStringConvertible {
        public let description = "public_key must be an ECDSA P-256 public key in PEM (-----BEGIN PUBLIC KEY-----), as cosign generate-key-pair writes it"
    }

    public init(pem: String) throws(Invalid) {
        do {
            key = try P256.Signing.PublicKey(pemRepresentation: pem.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw Invalid()
        }
        fingerprint = Digest.of(Array(key.derRepresentation), algorithm: .sha256).description
    }
}
