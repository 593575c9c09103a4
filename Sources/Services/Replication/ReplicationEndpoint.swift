import OCI
import RemoteRegistry

/// A manifest as replication moves it: the exact bytes (their digest must not change), the
/// media type to send them with, and the parsed form for the blobs and children they name.
public struct ReplicatedManifest: Sendable {
    public let bytes: [UInt8]
    public let mediaType: String
    public let digest: Digest
    public let manifest: Manifest

    public init(bytes: [UInt8], mediaType: String, digest: Digest, manifest: Manifest) {
        self.bytes = bytes
        self.mediaType = mediaType
        self.digest = digest
        self.manifest = manifest
    }
}

/// Where replication reads from: this Berth (push mode) or a remote registry (pull mode).
public protocol ReplicationSource: Sendable {
    /// A description for logs: `local` or the endpoint's URL.
    var label: String { get }
    /// Repository names to consider. `candidates` are exact names when the name filter has no
    /// wildcard (then no listing is needed, which registries without `_catalog` need).
    func repositories(candidates: [String]?) async throws -> [String]
    func tags(of repository: String) async throws -> [String]
    func manifest(_ repository: String, reference: String) async throws -> ReplicatedManifest
    /// Digests of manifests whose `subject` is `digest` (signatures, SBOMs, attestations).
    func referrers(_ repository: String, of digest: Digest) async throws -> [Digest]
    /// Whether `repository` can serve the blob: the proof a target asks for before it links a copy
    /// it already stores instead of receiving the bytes.
    func holds(_ repository: String, digest: Digest) async throws -> Bool
    /// Names of the labels on the artifact `tag` names; nil when the source cannot tell.
    func labels(_ repository: String, tag: String) async throws -> [String]?
    /// The blob's bytes from `offset` on; `resumed` is false when they start at 0 regardless.
    func openBlob(_ repository: String, digest: Digest, size: Int64, from offset: Int64) async throws -> (body: ByteChunks, resumed: Bool)
}

/// Where replication writes to.
public protocol ReplicationTarget: Sendable {
    var label: String { get }
    /// Makes sure `repository` can be written (creates its project where projects exist).
    func prepare(_ repository: String) async throws
    func manifestDigest(_ repository: String, reference: String) async throws -> Digest?
    /// True when the target already serves the blob in `repository`, or linked it there without a
    /// transfer: a copy it stores for another repository (only once `sourceHolds` confirms the
    /// source has the content, so naming a digest never grants it), or a cross-repository mount
    /// from `mountFrom`.
    func hasOrMounts(_ digest: Digest, size: Int64, in repository: String, mountFrom: String?,
                     sourceHolds: @escaping @Sendable () async throws -> Bool) async throws -> Bool
    /// Stores the blob, streaming. `open(offset)` opens the source from `offset`; a broken
    /// transfer resumes from what the target holds where it can (this Berth; a remote with
    /// `chunked`), and otherwise starts again.
    func putBlob(_ digest: Digest, size: Int64, in repository: String, chunked: Bool,
                 open: @escaping @Sendable (Int64) async throws -> (body: ByteChunks, resumed: Bool)) async throws
    func putManifest(_ manifest: ReplicatedManifest, in repository: String, reference: String) async throws
    /// Deletes a tag or a digest; false when the target had none.
    func delete(_ repository: String, reference: String) async throws -> Bool
}

/// How often one blob copy resumes after a broken transfer before the task fails (and is retried
/// by the job system).
enum BlobResume {
    static let attempts = 5
}
