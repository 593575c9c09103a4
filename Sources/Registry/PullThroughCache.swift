import Metadata
import NIOCore
import OCI

/// A manifest a proxy-cache project serves from its upstream (not stored here yet). `bytes` is
/// nil for a HEAD, answered from the upstream's HEAD alone.
public struct ProxiedManifest: Sendable {
    public let bytes: [UInt8]?
    public let size: Int64
    public let mediaType: String
    public let digest: Digest

    public init(bytes: [UInt8]?, size: Int64, mediaType: String, digest: Digest) {
        self.bytes = bytes
        self.size = size
        self.mediaType = mediaType
        self.digest = digest
    }
}

/// A blob streamed from the upstream to the client, stored on the way. `next` yields the bytes;
/// `finished` is called once with whether the client received them all (only then is the copy kept).
public struct ProxiedBlob: Sendable {
    public let size: Int64?
    public let next: @Sendable () async throws -> ByteBuffer?
    public let finished: @Sendable (_ complete: Bool) async -> Void

    public init(size: Int64?, next: @escaping @Sendable () async throws -> ByteBuffer?, finished: @escaping @Sendable (Bool) async -> Void) {
        self.size = size
        self.next = next
        self.finished = finished
    }
}

/// The pull-through side of proxy-cache projects (`registry_id` set): the registry asks it before
/// serving a manifest or a blob such a project does not hold. Implemented over the remote-registry
/// client by the composition root; the registry works without one.
public protocol PullThroughCache: Sendable {
    /// nil: serve the local copy (it is current, or the upstream failed and a copy exists);
    /// otherwise the upstream's manifest, which a GET caches in the background (`pull` is its
    /// audit line, recorded and counted once the manifest is stored); a HEAD (`pull` nil) only
    /// asks the upstream's HEAD. Throws `RegistryError` when neither side can answer.
    func manifest(_ repository: RepositoryName, reference: Reference, project: Project, pull: AuditEvent?, head: Bool) async throws -> ProxiedManifest?
    /// nil: the blob is now linked locally (it was stored for another repository) or the upstream
    /// does not have it either (the handler answers BLOB_UNKNOWN). For `head`, only the size is
    /// asked of the upstream and nothing is stored.
    func blob(_ repository: RepositoryName, digest: Digest, project: Project, head: Bool) async throws -> ProxiedBlob?
}
