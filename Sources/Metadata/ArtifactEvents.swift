import OCI

/// A manifest pushed to the registry (content replicated in is not announced, so two registries
/// replicating to each other do not loop).
public struct PushedManifest: Sendable, Equatable {
    public let manifestID: Int64
    public let projectID: Int64
    public let repository: RepositoryName
    public let digest: Digest
    /// The tags the push set; empty for a push by digest.
    public let tags: [String]
    /// The manifest's `subject`: set for referrers (signatures, SBOMs).
    public let subject: Digest?

    public init(manifestID: Int64, projectID: Int64, repository: RepositoryName, digest: Digest, tags: [String], subject: Digest? = nil) {
        self.subject = subject
        self.manifestID = manifestID
        self.projectID = projectID
        self.repository = repository
        self.digest = digest
        self.tags = tags
    }
}

/// Hears of what changes artifacts, after the change is stored: auto-scan, replication's event
/// triggers (and webhooks later) subscribe. The change has succeeded whatever an observer does,
/// so observers must be quick (enqueue, not work) and never throw.
public protocol ArtifactEventObserver: Sendable {
    func manifestPushed(_ pushed: PushedManifest) async
    /// A tag (`reference` is the tag) or a whole artifact (`reference` is its digest) was deleted.
    func artifactDeleted(repository: RepositoryName, reference: String) async
}

extension ArtifactEventObserver {
    public func manifestPushed(_ pushed: PushedManifest) async {}
    public func artifactDeleted(repository: RepositoryName, reference: String) async {}
}

/// Several observers as one, told in order.
public struct ArtifactEventFanOut: ArtifactEventObserver {
    let observers: [any ArtifactEventObserver]

    public init(_ observers: [any ArtifactEventObserver]) { self.observers = observers }

    public func manifestPushed(_ pushed: PushedManifest) async {
        for observer in observers { await observer.manifestPushed(pushed) }
    }

    public func artifactDeleted(repository: RepositoryName, reference: String) async {
        for observer in observers { await observer.artifactDeleted(repository: repository, reference: reference) }
    }
}
