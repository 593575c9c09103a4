/// What Harbor calls an artifact's accessory: a manifest that exists for another one (its
/// `subject`), shown under it rather than beside it and deleted with it. The type names are
/// Harbor's, so scripts that filter `accessories[].type` keep working.
public enum AccessoryType: String, Sendable, CaseIterable {
    case cosignSignature = "signature.cosign"
    case notationSignature = "signature.notation"
    case harborSBOM = "sbom.harbor"
    /// Any other referrer (an attestation, an SBOM made elsewhere, an annotation artifact).
    case subjectAccessory = "subject.accessory"

    public static let cosignArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json"
    public static let cosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
    public static let notationArtifactType = "application/vnd.cncf.notary.signature"
    public static let harborSBOMArtifactType = "application/vnd.goharbor.harbor.sbom.v1"

    /// The type of a manifest that has a subject: by its artifact type, and for cosign's legacy
    /// layout (an image config over simple-signing layers) by its layers.
    public static func of(_ manifest: Manifest) -> AccessoryType {
        switch manifest.artifactType {
        case cosignArtifactType: return .cosignSignature
        case notationArtifactType: return .notationSignature
        case harborSBOMArtifactType: return .harborSBOM
        default:
            return manifest.layers.contains { $0.mediaType == cosignSimpleSigning } ? .cosignSignature : .subjectAccessory
        }
    }

    /// The subject named by cosign's legacy signature tag `sha256-<hex>.sig`, which cosign writes
    /// when the registry (or cosign's configuration) does not use OCI 1.1 referrers.
    public static func legacyCosignSubject(ofTag tag: String) -> Digest? {
        guard tag.hasSuffix(".sig"), tag.hasPrefix("sha256-") else { return nil }
        let hex = tag.dropFirst("sha256-".count).dropLast(".sig".count)
        return try? Digest(parsing: "sha256:\(hex)")
    }
}
