import Access
import BlobStore
import Metadata
import OCI

/// What the registry handlers work with: the blob store and the metadata stores.
public struct RegistryBackend: Sendable {
    public let blobs: BlobStore
    public let blobReferences: BlobReferenceStore
    public let artifacts: ArtifactStore
    public let repositories: RepositoryStore
    public let projects: ProjectStore
    public let uploadSessions: UploadSessionStore
    public let quotas: QuotaStore
    public let immutableRules: ImmutableRuleStore
    public let policy: any AccessPolicy
    /// Shared with the Harbor API; buffers pulls so that serving a manifest writes nothing.
    public let audit: AuditRecorder
    let vulnerabilityGate: VulnerabilityGate
    /// Told of every stored manifest (auto-scan); nil when nothing listens.
    public let pushObserver: (any ManifestPushObserver)?

    public init(blobs: BlobStore, database: MetadataDatabase, policy: any AccessPolicy, audit: AuditRecorder,
                pushObserver: (any ManifestPushObserver)? = nil) {
        self.blobs = blobs
        self.blobReferences = BlobReferenceStore(database: database)
        self.artifacts = ArtifactStore(database: database)
        self.repositories = RepositoryStore(database: database)
        self.projects = ProjectStore(database: database)
        self.uploadSessions = UploadSessionStore(database: database)
        self.quotas = QuotaStore(database: database)
        self.immutableRules = ImmutableRuleStore(database: database)
        self.policy = policy
        self.audit = audit
        self.pushObserver = pushObserver
        self.vulnerabilityGate = VulnerabilityGate(reports: ScanReportStore(database: database),
                                                   artifacts: artifacts,
                                                   policy: policy)
    }
}

/// What a stored manifest push tells its observer.
public struct PushedManifest: Sendable, Equatable {
    public let manifestID: Int64
    public let projectID: Int64
    public let repository: RepositoryName
    public let digest: Digest
}

/// Hears of each manifest the registry stored, after it is stored; the push has succeeded
/// whatever the observer does, so it must be quick (enqueue, not work).
public protocol ManifestPushObserver: Sendable {
    func manifestPushed(_ pushed: PushedManifest) async
}
