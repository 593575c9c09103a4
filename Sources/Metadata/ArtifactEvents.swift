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
    /// Who pushed: a user or robot name.
    public let operatorName: String?

    public init(manifestID: Int64, projectID: Int64, repository: RepositoryName, digest: Digest, tags: [String], subject: Digest? = nil,
                operatorName: String? = nil) {
        self.subject = subject
        self.operatorName = operatorName
        self.manifestID = manifestID
        self.projectID = projectID
        self.repository = repository
        self.digest = digest
        self.tags = tags
    }
}

/// A manifest served to a client (`reference` as the client asked: a tag or a digest).
public struct PulledManifest: Sendable, Equatable {
    public let projectID: Int64
    public let repository: RepositoryName
    public let digest: Digest
    public let reference: String
    /// nil for an anonymous pull.
    public let operatorName: String?

    public init(projectID: Int64, repository: RepositoryName, digest: Digest, reference: String, operatorName: String?) {
        self.projectID = projectID
        self.repository = repository
        self.digest = digest
        self.reference = reference
        self.operatorName = operatorName
    }
}

/// A push refused because it would exceed the project's storage quota.
public struct QuotaRefusal: Sendable, Equatable {
    public let projectID: Int64
    public let repository: RepositoryName
    public let reference: String
    public let message: String
    public let operatorName: String?

    public init(projectID: Int64, repository: RepositoryName, reference: String, message: String, operatorName: String?) {
        self.projectID = projectID
        self.repository = repository
        self.reference = reference
        self.message = message
        self.operatorName = operatorName
    }
}

/// Hears of what changes artifacts, after the change is stored: auto-scan, replication's event
/// triggers and webhooks subscribe. The change has succeeded whatever an observer does, so
/// observers must be quick (enqueue, not work) and never throw; a pull is never made to wait.
public protocol ArtifactEventObserver: Sendable {
    func manifestPushed(_ pushed: PushedManifest) async
    /// A tag (`reference` is the tag) or a whole artifact (`reference` is its digest) was deleted.
    func artifactDeleted(repository: RepositoryName, reference: String, operatorName: String?) async
    func manifestPulled(_ pulled: PulledManifest)
    func quotaExceeded(_ refusal: QuotaRefusal) async
}

extension ArtifactEventObserver {
    public func manifestPushed(_ pushed: PushedManifest) async {}
    public func artifactDeleted(repository: RepositoryName, reference: String, operatorName: String?) async {}
    public func manifestPulled(_ pulled: PulledManifest) {}
    public func quotaExceeded(_ refusal: QuotaRefusal) async {}
}

/// Several observers as one, told in order.
public struct ArtifactEventFanOut: ArtifactEventObserver {
    let observers: [any ArtifactEventObserver]

    public init(_ observers: [any ArtifactEventObserver]) { self.observers = observers }

    public func manifestPushed(_ pushed: PushedManifest) async {
        for observer in observers { await observer.manifestPushed(pushed) }
    }

    public func artifactDeleted(repository: RepositoryName, reference: String, operatorName: String?) async {
        for observer in observers { await observer.artifactDeleted(repository: repository, reference: reference, operatorName: operatorName) }
    }

    public func manifestPulled(_ pulled: PulledManifest) {
        for observer in observers { observer.manifestPulled(pulled) }
    }

    public func quotaExceeded(_ refusal: QuotaRefusal) async {
        for observer in observers { await observer.quotaExceeded(refusal) }
    }
}
