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
    /// Projects and manifests as pulls read them, kept while nothing they depend on changes.
    public let pullCache: PullCache
    public let uploadSessions: UploadSessionStore
    public let quotas: QuotaStore
    public let immutableRules: ImmutableRuleStore
    public let policy: any AccessPolicy
    /// Shared with the Harbor API; buffers pulls so that serving a manifest writes nothing.
    public let audit: AuditRecorder
    let pullGates: PullGates
    /// Told of every stored manifest and deletion (auto-scan, replication); nil when nothing listens.
    public let events: (any ArtifactEventObserver)?
    /// Serves proxy-cache projects from their upstream; nil when the binary has none.
    public let pullThrough: (any PullThroughCache)?
    /// Whether a project has webhooks listening for an outbox event type (`PUSH_ARTIFACT`,
    /// `DELETE_ARTIFACT`): only then does a push or deletion write its event. nil: never.
    public let listensFor: (@Sendable (_ projectID: Int64, _ eventType: String) async -> Bool)?
    /// Where committed blobs are handed to the HTTP pipeline for `sendfile`; nil when the server
    /// cannot send files (TLS, or storage that is not a local disk) and blobs are read in chunks.
    public let fileHandoff: FileRegionHandoff?

    public init(blobs: BlobStore, database: MetadataDatabase, policy: any AccessPolicy, audit: AuditRecorder,
                events: (any ArtifactEventObserver)? = nil, pullThrough: (any PullThroughCache)? = nil,
                listensFor: (@Sendable (_ projectID: Int64, _ eventType: String) async -> Bool)? = nil,
                fileHandoff: FileRegionHandoff? = nil) {
        self.listensFor = listensFor
        self.fileHandoff = fileHandoff
        self.blobs = blobs
        self.blobReferences = BlobReferenceStore(database: database)
        self.artifacts = ArtifactStore(database: database)
        self.repositories = RepositoryStore(database: database)
        self.projects = ProjectStore(database: database)
        self.pullCache = PullCache(database: database)
        self.uploadSessions = UploadSessionStore(database: database)
        self.quotas = QuotaStore(database: database)
        self.immutableRules = ImmutableRuleStore(database: database)
        self.policy = policy
        self.audit = audit
        self.events = events
        self.pullThrough = pullThrough
        self.pullGates = PullGates(
            reports: ScanReportStore(database: database),
            contentTrust: ContentTrustGate(artifacts: artifacts, blobs: blobs, signatureKeys: SignatureKeyStore(database: database)),
            vulnerabilities: VulnerabilityGate(artifacts: artifacts),
            policy: policy)
    }
}

extension RegistryBackend {
    /// `event` when some webhook listens for it, else nil (nothing written).
    func outbox(_ event: OutboxEvent) async -> OutboxEvent? {
        guard let listensFor, await listensFor(event.projectID, event.type) else { return nil }
        return event
    }
}
