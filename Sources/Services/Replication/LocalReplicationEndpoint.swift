import BlobStore
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import OCI
import RemoteRegistry

/// This Berth as a replication source (push mode) or target (pull mode), through the same stores
/// the registry's handlers use: blobs are streamed into upload sessions and verified, links and
/// manifests are written in transactions, quotas and immutable tags are honoured.
public struct LocalReplicationEndpoint: ReplicationSource, ReplicationTarget {
    let blobs: BlobStore
    let artifacts: ArtifactStore
    let repositories: RepositoryStore
    let projects: ProjectStore
    let references: BlobReferenceStore
    let sessions: UploadSessionStore
    let quotas: QuotaStore
    let immutableRules: ImmutableRuleStore
    let labelStore: LabelStore
    /// Told of each stored manifest (auto-scan of replicated images).
    let stored: @Sendable (_ manifestID: Int64, _ projectID: Int64) async -> Void

    public init(database: MetadataDatabase, blobs: BlobStore, stored: @escaping @Sendable (Int64, Int64) async -> Void = { _, _ in }) {
        self.blobs = blobs
        artifacts = ArtifactStore(database: database)
        repositories = RepositoryStore(database: database)
        projects = ProjectStore(database: database)
        references = BlobReferenceStore(database: database)
        sessions = UploadSessionStore(database: database)
        quotas = QuotaStore(database: database)
        immutableRules = ImmutableRuleStore(database: database)
        labelStore = LabelStore(database: database)
        self.stored = stored
    }

    public var label: String { "local" }

    // MARK: source

    public func repositories(candidates: [String]?) async throws -> [String] {
        var names: [String] = []
        var after: String?
        while true {
            let page = try await repositories.catalog(page: PageRequest(limit: 1000, after: after), projectIDs: nil)
            names += page
            guard page.count == 1000, let last = page.last else { break }
            after = last
        }
        guard let candidates else { return names }
        return names.filter(Set(candidates).contains)
    }

    public func tags(of repository: String) async throws -> [String] {
        var tags: [String] = []
        var after: String?
        while true {
            let page = try await artifacts.tags(in: try RepositoryName(repository), page: PageRequest(limit: 1000, after: after)) ?? []
            tags += page
            guard page.count == 1000, let last = page.last else { break }
            after = last
        }
        return tags
    }

    public func manifest(_ repository: String, reference: String) async throws -> ReplicatedManifest {
        guard let stored = try await artifacts.manifest(try Reference(reference), in: try RepositoryName(repository), withPayload: true),
              let bytes = stored.payload else {
            throw ReplicationError.notFound("\(repository):\(reference) is not in this registry")
        }
        return ReplicatedManifest(bytes: bytes, mediaType: stored.mediaType, digest: stored.digest,
                                  manifest: try Manifest(bytes: bytes, contentType: stored.mediaType))
    }

    public func referrers(_ repository: String, of digest: Digest) async throws -> [Digest] {
        let name = try RepositoryName(repository)
        var found = try await artifacts.referrers(of: digest, in: name, artifactType: nil).map(\.digest)
        for tag in Manifest.referrerFallbackTags(of: digest) {
            if let tagged = try await artifacts.manifest(.tag(try Tag(tag)), in: name, withPayload: false),
               !found.contains(tagged.digest) {
                found.append(tagged.digest)
            }
        }
        return found
    }

    public func labels(_ repository: String, tag: String) async throws -> [String]? {
        try await labelStore.names(onArtifactTagged: tag, in: repository)
    }

    public func holds(_ repository: String, digest: Digest) async throws -> Bool {
        try await references.linkedSize(digest, in: try RepositoryName(repository)) != nil
    }

    public func openBlob(_ repository: String, digest: Digest, size: Int64, from offset: Int64) async throws -> (body: ByteChunks, resumed: Bool) {
        (Self.read(digest, size: size, from: offset, in: blobs), true)
    }

    /// A stored blob read in 1 MiB ranges as the consumer asks for them.
    static func read(_ digest: Digest, size: Int64, from offset: Int64, in blobs: BlobStore) -> ByteChunks {
        let position = NIOLockedValueBox(offset)
        return ByteChunks(next: {
            let start = position.withLockedValue { $0 }
            guard start < size else { return nil }
            let end = min(size, start + (1 << 20))
            var gathered = ByteBuffer()
            gathered.reserveCapacity(Int(end - start))
            try await blobs.read(digest, range: start..<end) { buffer in
                var buffer = buffer
                gathered.writeBuffer(&buffer)
            }
            position.withLockedValue { $0 = end }
            return gathered
        })
    }

    // MARK: target

    /// Creates the repository's project (private) when it does not exist, as Harbor's pull
    /// replication does.
    public func prepare(_ repository: String) async throws {
        let name = try RepositoryName(repository)
        _ = try await projects.createIfMissing(name: name.projectName, isPublic: false, ownerID: nil)
    }

    public func manifestDigest(_ repository: String, reference: String) async throws -> Digest? {
        try await artifacts.manifest(try Reference(reference), in: try RepositoryName(repository), withPayload: false)?.digest
    }

    /// Blob bytes are stored once for the whole registry: a blob another repository has is linked,
    /// not copied, once the source shows it holds the content too.
    public func hasOrMounts(_ digest: Digest, size: Int64, in repository: String, mountFrom: String?,
                            sourceHolds: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        let name = try RepositoryName(repository)
        if try await references.linkedSize(digest, in: name, renew: true) != nil { return true }
        guard let stored = try await references.storedSize(digest), try await sourceHolds() else { return false }
        return try await linkStored(digest, size: stored, in: name)
    }

    /// Links a stored blob into `name` after the project's quota allows it; false when the blob
    /// went (a garbage collection) in the meantime.
    func linkStored(_ digest: Digest, size: Int64, in name: RepositoryName) async throws -> Bool {
        let project = try await project(of: name)
        if let excess = try await quotas.excess(projectID: project.id, adding: [(digest, size)]) {
            throw ReplicationError.failed(excess.message)
        }
        return try await references.linkStored(digest, to: name, projectID: project.id) != nil
    }

    public func putBlob(_ digest: Digest, size: Int64, in repository: String, chunked: Bool,
                        open: @escaping @Sendable (Int64) async throws -> (body: ByteChunks, resumed: Bool)) async throws {
        let name = try RepositoryName(repository)
        let project = try await project(of: name)
        let upload = UploadID.random()
        try await blobs.startUpload(upload)
        try await sessions.create(id: upload.value, repository: name)
        do {
            var failures = 0
            while true {
                let offset = try await blobs.uploadedSize(upload) ?? 0
                do {
                    let source = try await open(offset)
                    if offset > 0 && !source.resumed {
                        // The source sends the whole blob again: start the session over.
                        try await blobs.cancelUpload(upload)
                        try await blobs.startUpload(upload)
                    }
                    try await blobs.append(upload, body: source.body)
                    break
                } catch let error where !(error is CancellationError) {
                    failures += 1
                    guard failures < BlobResume.attempts else { throw error }
                }
            }
            try await blobs.completeUpload(upload, digest: digest) { size, publish in
                if let excess = try await quotas.excess(projectID: project.id, adding: [(digest, size)]) {
                    throw ReplicationError.failed(excess.message)
                }
                try await references.link(digest, size: size, to: name, projectID: project.id, publish: publish)
            }
            try await sessions.delete(id: upload.value)
        } catch {
            try? await blobs.cancelUpload(upload)
            try? await sessions.delete(id: upload.value)
            throw error
        }
    }

    public func putManifest(_ manifest: ReplicatedManifest, in repository: String, reference: String) async throws {
        let name = try RepositoryName(repository)
        let project = try await project(of: name)
        let tagValue: Tag? = if case .tag(let tag) = try Reference(reference) { tag } else { nil }
        if let tagValue {
            try await immutableRules.refuseMoving([tagValue.value], to: manifest.digest.description, in: name.value, projectID: project.id)
        }
        if let excess = try await quotas.excess(projectID: project.id, addingManifest: manifest.digest, size: Int64(manifest.bytes.count)) {
            throw ReplicationError.failed(excess.message)
        }
        let record = ManifestRecord(
            digest: manifest.digest, mediaType: manifest.mediaType, artifactType: manifest.manifest.artifactType, payload: manifest.bytes,
            subject: manifest.manifest.subjectDigest, annotations: manifest.manifest.annotations,
            blobs: manifest.manifest.requiredBlobs, children: manifest.manifest.requiredManifests)
        let id = try await artifacts.put(record, tag: tagValue, in: name, projectID: project.id)
        await stored(id, project.id)
    }

    public func delete(_ repository: String, reference: String) async throws -> Bool {
        let name = try RepositoryName(repository)
        switch try Reference(reference) {
        case .tag(let tag):
            return try await artifacts.deleteTag(tag, in: name)
        case .digest(let digest):
            guard try await artifacts.manifest(.digest(digest), in: name, withPayload: false) != nil else { return false }
            try await artifacts.deleteManifest(digest, in: name)
            return true
        }
    }

    private func project(of name: RepositoryName) async throws -> Project {
        guard let project = try await projects.find(name: name.projectName) else {
            throw ReplicationError.notFound("project \(name.projectName) does not exist in this registry")
        }
        return project
    }
}
