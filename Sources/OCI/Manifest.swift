import Foundation

/// A manifest or index as pushed, parsed only as far as the registry needs: its media type, the blobs
/// and child manifests it references (which must exist before it is accepted), its subject and the
/// fields the referrers API reports.
public struct Manifest: Sendable {
    public enum Kind: Sendable { case image, index }

    /// 4 MiB, the limit the distribution spec suggests and Docker Hub enforces.
    public static let maximumSize = 4 * 1024 * 1024

    public let kind: Kind
    public let mediaType: String
    public let config: Descriptor?
    public let layers: [Descriptor]
    public let manifests: [Descriptor]
    public let subject: Descriptor?
    public let annotations: [String: String]?
    /// The artifact type as the referrers API reports it: `artifactType`, else the config media type.
    public let artifactType: String?

    /// Descriptors of the blobs that must already be in the repository (config and distributable
    /// layers): what a copy of the manifest must bring.
    public var requiredBlobDescriptors: [Descriptor] {
        [config].compactMap { $0 } + layers.filter { !MediaType.isNonDistributable($0.mediaType) }
    }

    /// Digests of blobs that must already be in the repository (config and distributable layers).
    public var requiredBlobs: [Digest] {
        requiredBlobDescriptors.compactMap { try? $0.validDigest() }
    }

    /// The tags under which tools that predate the referrers API store an artifact's referrers
    /// (the OCI tag schema `<alg>-<hex>`, and cosign's `.sig`, `.att` and `.sbom`). The schema keeps
    /// at most 64 characters of the hex, so a sha512 subject's tags are valid tags too.
    public static func referrerFallbackTags(of digest: Digest) -> [String] {
        let base = "\(digest.algorithm.rawValue)-\(digest.hex.prefix(64))"
        return [base, base + ".sig", base + ".att", base + ".sbom"]
    }

    /// Digests of child manifests that must already be in the repository (indexes only).
    public var requiredManifests: [Digest] { manifests.compactMap { try? $0.validDigest() } }

    public var subjectDigest: Digest? { try? subject?.validDigest() }

    /// A container image: an image config and only filesystem layers, and no `subject`. Cosign
    /// signatures and attestations (image configs over simplesigning, DSSE or in-toto layers),
    /// buildx attestation manifests, SBOMs and other accessories are artifacts, not images: the
    /// scanner does not read them and the vulnerability gate does not hold them back.
    public var isContainerImage: Bool { subject == nil && isRunnable }

    /// An image config over filesystem layers, whatever its `subject`: something a runtime could
    /// start. Signatures, attestations and SBOMs are not.
    public var isRunnable: Bool {
        kind == .image && MediaType.imageConfigTypes.contains(config?.mediaType ?? "")
            && layers.allSatisfy { MediaType.isFilesystemLayer($0.mediaType) }
    }

    /// Parses and validates `bytes`. `contentType` is the request's Content-Type; when the body also
    /// names a media type the two must agree, as the spec requires.
    public init(bytes: [UInt8], contentType: String?) throws(OCIFormatError) {
        guard bytes.count <= Self.maximumSize else {
            throw .manifestInvalid("manifest is larger than \(Self.maximumSize) bytes")
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(bytes))
        } catch {
            throw .manifestInvalid("manifest is not valid JSON of a manifest or index: \(readableDecodingFailure(error))")
        }
        let declared = contentType.map(Self.bareMediaType).flatMap { $0.isEmpty ? nil : $0 }
        let schema1: Set<String> = [MediaType.dockerSchema1, MediaType.dockerSchema1Signed]
        if body.schemaVersion == 1 || (body.mediaType ?? declared).map(schema1.contains) == true {
            throw .unsupportedManifest("Docker schema 1 manifests are not supported; push with a current client")
        }
        guard body.schemaVersion == 2 else {
            throw .manifestInvalid("schemaVersion must be 2")
        }
        let generic: Set<String> = ["application/json", "application/octet-stream"]
        if let bodyType = body.mediaType, let declared, declared != bodyType, !generic.contains(declared) {
            throw .manifestInvalid("Content-Type '\(declared.prefix(100))' does not match the manifest's mediaType '\(bodyType.prefix(100))'")
        }
        // The media type is served back as Content-Type, so it must be a manifest or index type:
        // a client cannot make the registry serve text/html.
        let known = { (type: String) in MediaType.manifestTypes.contains(type) || MediaType.indexTypes.contains(type) }
        let mediaType = body.mediaType ?? declared.flatMap { known($0) ? $0 : nil }
            ?? (declared.map(generic.contains) == false ? declared! : (body.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest))
        guard known(mediaType) else {
            throw .manifestInvalid("mediaType '\(mediaType.prefix(100))' is not a manifest or index media type")
        }

        let isIndex = MediaType.indexTypes.contains(mediaType) || (!MediaType.manifestTypes.contains(mediaType) && body.manifests != nil)
        if isIndex {
            guard let manifests = body.manifests else { throw .manifestInvalid("an index needs a 'manifests' array") }
            kind = .index
            config = nil
            layers = []
            self.manifests = manifests
            artifactType = body.artifactType
        } else {
            guard let config = body.config else { throw .manifestInvalid("an image manifest needs a 'config' descriptor") }
            guard let layers = body.layers ?? (mediaType == MediaType.ociManifest ? [] : nil) else {
                throw .manifestInvalid("an image manifest needs a 'layers' array")
            }
            kind = .image
            self.config = config
            self.layers = layers
            manifests = []
            artifactType = body.artifactType ?? config.mediaType
        }
        self.mediaType = mediaType
        subject = body.subject
        annotations = body.annotations
        for descriptor in [config, subject].compactMap({ $0 }) + layers + manifests {
            _ = try descriptor.validDigest()
            guard descriptor.size >= 0 else { throw .manifestInvalid("descriptor size must not be negative") }
            guard !descriptor.mediaType.isEmpty else { throw .manifestInvalid("descriptor mediaType must not be empty") }
        }
    }

    /// `application/foo; charset=utf-8` -> `application/foo`
    public static func bareMediaType(_ value: String) -> String {
        String(value.prefix { $0 != ";" }.trimmingSpacesAndTabs)
    }


    private struct Body: Decodable {
        var schemaVersion: Int?
        var mediaType: String?
        var artifactType: String?
        var config: Descriptor?
        var layers: [Descriptor]?
        var manifests: [Descriptor]?
        var subject: Descriptor?
        var annotations: [String: String]?
    }
}
