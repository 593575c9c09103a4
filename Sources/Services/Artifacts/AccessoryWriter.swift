import BlobStore
import Foundation
import Metadata
import NIOCore
import OCI

/// Stores an artifact Berth itself produces (an SBOM) as an OCI 1.1 accessory of a stored image:
/// an image manifest with `artifactType`, the empty config, one layer and `subject`, in the
/// subject's repository, so the referrers API, replication and garbage collection treat it as any
/// pushed referrer. Blobs go through the same upload sessions and database links as a push, so a
/// crash leaves at most an upload that expiry removes, never a manifest pointing at nothing.
struct AccessoryWriter: Sendable {
    let blobs: BlobStore
    let database: MetadataDatabase
    let artifacts: ArtifactStore

    init(database: MetadataDatabase, blobs: BlobStore) {
        self.blobs = blobs
        self.database = database
        artifacts = ArtifactStore(database: database)
    }

    /// The OCI empty descriptor's content, `{}`.
    static let emptyConfig: [UInt8] = Array("{}".utf8)

    /// One layer of an accessory: a document, its media type and the file name it is pulled as.
    struct Layer {
        let mediaType: String
        let bytes: [UInt8]
        let title: String
    }

    /// Stores the layers, the empty config and the manifest; returns the manifest's digest. Each
    /// layer is titled (`org.opencontainers.image.title`) so that `oras pull` writes it to a file.
    func store(artifactType: String, layers: [Layer], annotations: [String: String],
               subject: ArtifactRecord) async throws -> Digest {
        let config = try await storeBlob(Self.emptyConfig, in: subject)
        var descriptors: [Descriptor] = []
        for layer in layers {
            let content = try await storeBlob(layer.bytes, in: subject)
            descriptors.append(Descriptor(mediaType: layer.mediaType, digest: content, size: Int64(layer.bytes.count),
                                          annotations: ["org.opencontainers.image.title": layer.title]))
        }
        let manifest = AccessoryManifest(
            artifactType: artifactType,
            config: Descriptor(mediaType: MediaType.ociEmpty, digest: config, size: Int64(Self.emptyConfig.count)),
            layers: descriptors,
            subject: Descriptor(mediaType: subject.mediaType, digest: subject.digest, size: Int64(subject.payload.count)),
            annotations: annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(manifest))
        let parsed = try Manifest(bytes: bytes, contentType: MediaType.ociManifest)
        let digest = Digest.of(bytes)
        try await artifacts.put(
            ManifestRecord(digest: digest, mediaType: parsed.mediaType, artifactType: parsed.artifactType, payload: bytes,
                           subject: parsed.subjectDigest, annotations: parsed.annotations,
                           blobs: parsed.requiredBlobs, children: parsed.requiredManifests),
            tag: nil, in: subject.repositoryName, projectID: subject.projectID)
        return digest
    }

    private func storeBlob(_ bytes: [UInt8], in subject: ArtifactRecord) async throws -> Digest {
        try await BlobImport(database: database, blobs: blobs).store(bytes, in: subject.repositoryName, projectID: subject.projectID)
    }
}

/// The JSON of an accessory's image manifest.
private struct AccessoryManifest: Encodable {
    var schemaVersion = 2
    var mediaType = MediaType.ociManifest
    var artifactType: String
    var config: Descriptor
    var layers: [Descriptor]
    var subject: Descriptor
    var annotations: [String: String]
}
