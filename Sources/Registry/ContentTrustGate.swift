import BlobStore
import Metadata
import NIOCore
import OCI

/// Harbor's content trust: with project metadata `enable_content_trust_cosign` a manifest pull
/// needs a cosign signature accessory, with `enable_content_trust` a notation one; otherwise 412
/// `PROJECTPOLICYVIOLATION` in Harbor's words. A signature on an index covers the images it lists.
///
/// Beyond Harbor, which only asks that a signature exists: when the project holds trusted keys
/// (`/projects/{p}/signature-keys`), a cosign signature counts only if its simple-signing payload
/// names the signed manifest's digest and its ECDSA signature verifies against one of them.
struct ContentTrustGate: Sendable {
    let artifacts: ArtifactStore
    let blobs: BlobStore
    let signatureKeys: SignatureKeyStore

    func check(_ manifest: StoredManifest, inputs: GateInputs, projectID: Int64) async throws {
        guard inputs.cosignRequired || inputs.notationRequired else { return }
        // Pulling a signature (or any accessory) itself is never gated.
        guard let candidates = try await artifacts.signatureCandidates(manifestID: manifest.id) else { return }
        let accessories = candidates.compactMap { candidate in
            (try? Manifest(bytes: candidate.payload, contentType: candidate.mediaType)).map { (subject: candidate.subject, manifest: $0) }
        }
        if inputs.cosignRequired {
            let cosign = accessories.filter { AccessoryType.of($0.manifest) == .cosignSignature }
            guard !cosign.isEmpty else { throw RegistryError(.projectPolicyViolation, "The image is not signed by cosign.") }
            let keys = try await signatureKeys.keys(projectID: projectID).compactMap { try? TrustedSigningKey(pem: $0.publicKey) }
            if !keys.isEmpty {
                guard try await anyVerifies(cosign, keys: keys) else {
                    throw RegistryError(.projectPolicyViolation, "The image is not signed by cosign with a key this project trusts.")
                }
            }
        }
        if inputs.notationRequired, !accessories.contains(where: { AccessoryType.of($0.manifest) == .notationSignature }) {
            throw RegistryError(.projectPolicyViolation, "The image is not signed by notation.")
        }
    }

    private func anyVerifies(_ signatures: [(subject: Digest, manifest: Manifest)], keys: [TrustedSigningKey]) async throws -> Bool {
        for (subject, manifest) in signatures {
            for signature in CosignSignature.signatures(in: manifest) {
                guard let digest = try? signature.layer.validDigest(), let payload = try await read(digest, size: signature.layer.size) else { continue }
                if signature.verifies(payload: payload, subject: subject, keys: keys) { return true }
            }
        }
        return false
    }

    /// A simple-signing payload (at most `CosignSignature.payloadLimit` bytes), or nil when the
    /// blob is missing or its size is not the descriptor's.
    private func read(_ digest: Digest, size: Int64) async throws -> [UInt8]? {
        guard size <= CosignSignature.payloadLimit, try await blobs.size(of: digest) == size else { return nil }
        var bytes: [UInt8] = []
        try await blobs.read(digest, range: 0..<size) { buffer in bytes += buffer.readableBytesView }
        return bytes
    }
}
