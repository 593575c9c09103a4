import BlobStore
import Foundation
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import OCI
import RemoteRegistry

/// Proxy-cache projects: a project created with `registry_id` serves its upstream's content.
///
/// - A manifest by digest is served from the cache when present; by tag, the upstream is asked for
///   the tag's digest (a HEAD, with its token reused until the upstream refuses it) and the cached copy is
///   served when it matches. Otherwise the upstream's manifest is served and cached in the
///   background once its blobs are here (the client pulls them through the same project).
/// - A missing blob streams from the upstream to the client and into storage at once.
/// - When the upstream is unreachable, rate-limited (429), failing (5xx) or its token service is,
///   a cached copy is served (Harbor answers 404 there); with nothing cached, the answer says why.
public final class ProxyCache: Sendable {
    let endpoints: RegistryEndpointStore
    let artifacts: ArtifactStore
    let projects: ProjectStore
    let references: BlobReferenceStore
    let sessions: UploadSessionStore
    let blobs: BlobStore
    let local: LocalReplicationEndpoint
    let audit: AuditRecorder
    let logger: @Sendable (String) -> Void
    /// One client per endpoint (and version of it), so upstream tokens are reused for their life.
    private let clients = NIOLockedValueBox<[String: RemoteReplicationEndpoint]>([:])
    /// Manifests being cached, so concurrent pulls start one background copy.
    private let caching = NIOLockedValueBox<Set<String>>([])
    /// How long a background cache waits for the client to pull the blobs through.
    let blobWait: Duration

    public init(database: MetadataDatabase, blobs: BlobStore, sealer: any SecretSealer, local: LocalReplicationEndpoint,
                audit: AuditRecorder, blobWait: Duration = .seconds(30), logger: @escaping @Sendable (String) -> Void) {
        endpoints = RegistryEndpointStore(database: database, sealer: sealer)
        artifacts = ArtifactStore(database: database)
        projects = ProjectStore(database: database)
        references = BlobReferenceStore(database: database)
        sessions = UploadSessionStore(database: database)
        self.blobs = blobs
        self.local = local
        self.audit = audit
        self.blobWait = blobWait
        self.logger = logger
    }

    /// Why the upstream could not answer, sorted the way a pull must react.
    public enum UpstreamFailure: Error, Equatable {
        /// 404 from the upstream.
        case notFound
        /// 429: rate-limited (Docker Hub's pull limit, or its login endpoint's).
        case rateLimited(String)
        /// Unreachable, 5xx, refused credentials, a broken token service: the upstream is not usable now.
        case unavailable(String)
    }

    // MARK: manifests

    public enum ManifestAnswer: Sendable {
        case local
        case upstream(ReplicatedManifest)
        /// A HEAD's answer from the upstream's HEAD: nothing fetched, nothing cached.
        case upstreamHead(digest: Digest, mediaType: String, size: Int64)
    }

    /// Decides where a manifest comes from; `pull` is recorded when the manifest gets stored.
    public func manifest(_ repository: RepositoryName, reference: Reference, project: Project, pull: AuditEvent?,
                         head: Bool = false) async throws(UpstreamFailure) -> ManifestAnswer {
        let cached = (try? await artifacts.manifest(reference, in: repository, withPayload: false)) ?? nil
        if case .digest = reference, cached != nil { return .local }
        let settings = (try? await projects.metadata(projectID: project.id)) ?? [:]
        let upstream: RemoteReplicationEndpoint
        do {
            upstream = try await endpoint(of: project)
        } catch {
            if cached != nil { return .local }
            logger("proxy cache \(project.name): its registry endpoint is not usable: \(error)")
            throw .unavailable("the proxy cache's registry endpoint is not usable")
        }
        let name = repository.nameInProject
        let upstreamHead: (digest: Digest, mediaType: String, size: Int64)?
        do {
            upstreamHead = try await upstream.client.manifestHead(upstream.remote(name), reference: reference.description)
        } catch {
            let failure = classify(error, project: project)
            if cached != nil {
                logger("proxy cache \(project.name): serving the cached \(repository):\(reference) because the upstream failed: \(error)")
                return .local
            }
            throw failure
        }
        guard let found = upstreamHead else {
            if cached != nil && settings["proxy_cache_local_on_not_found"] == "true" { return .local }
            throw .notFound
        }
        let digest = found.digest
        if cached?.digest == digest { return .local }
        // A HEAD costs the upstream a HEAD, never a pull against its rate limit.
        if head { return .upstreamHead(digest: digest, mediaType: found.mediaType, size: found.size) }
        let fetched: ReplicatedManifest
        do {
            fetched = try await upstream.manifest(name, reference: digest.description)
        } catch {
            if cached != nil { return .local }
            throw classify(error, project: project)
        }
        startCaching(fetched, repository: repository, tag: reference.tagValue, project: project, upstream: upstream, pull: pull)
        return .upstream(fetched)
    }

    /// Stores the manifest once what it needs is here: an image's blobs (pulled through by the
    /// client, or fetched here after `blobWait`), an index's children (cached when pulled).
    private func startCaching(_ manifest: ReplicatedManifest, repository: RepositoryName, tag: String?, project: Project,
                              upstream: RemoteReplicationEndpoint, pull: AuditEvent?) {
        let key = "\(repository.value)@\(manifest.digest)/\(tag ?? "")"
        guard caching.withLockedValue({ $0.insert(key).inserted }) else { return }
        Task {
            defer { _ = caching.withLockedValue { $0.remove(key) } }
            do {
                if let id = try await cache(manifest, repository: repository, tag: tag, upstream: upstream), let pull {
                    audit.recordPull(pull, repository: repository.value, manifestID: id)
                }
            } catch {
                logger("proxy cache \(project.name): \(repository)@\(manifest.digest) was not cached: \(error)")
            }
        }
    }

    func cache(_ manifest: ReplicatedManifest, repository: RepositoryName, tag: String?, upstream: RemoteReplicationEndpoint) async throws -> Int64? {
        let deadline = ContinuousClock.now + blobWait
        let blobDescriptors = manifest.manifest.requiredBlobDescriptors
        while true {
            let missingBlobs = try await missing(blobDescriptors, in: repository)
            let missingChildren = try await missingManifests(manifest.manifest.requiredManifests, in: repository)
            if missingBlobs.isEmpty && missingChildren.isEmpty { break }
            guard ContinuousClock.now < deadline else {
                // An index is kept only with its children (pulled by clients); an image's
                // remaining blobs are fetched here.
                guard missingChildren.isEmpty else { return nil }
                for descriptor in missingBlobs {
                    let digest = try descriptor.validDigest()
                    let name = repository.nameInProject
                    try await local.putBlob(digest, size: descriptor.size, in: repository.value, chunked: false) { offset in
                        try await upstream.openBlob(name, digest: digest, size: descriptor.size, from: offset)
                    }
                }
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await local.putManifest(manifest, in: repository.value, reference: tag ?? manifest.digest.description)
        return try await artifacts.manifest(.digest(manifest.digest), in: repository, withPayload: false)?.id
    }

    private func missing(_ descriptors: [Descriptor], in repository: RepositoryName) async throws -> [Descriptor] {
        var missing: [Descriptor] = []
        for descriptor in descriptors {
            let digest = try descriptor.validDigest()
            if try await references.linkedSize(digest, in: repository) == nil { missing.append(descriptor) }
        }
        return missing
    }

    private func missingManifests(_ digests: [Digest], in repository: RepositoryName) async throws -> [Digest] {
        var missing: [Digest] = []
        for digest in digests where try await artifacts.manifest(.digest(digest), in: repository, withPayload: false) == nil {
            missing.append(digest)
        }
        return missing
    }

    // MARK: blobs

    public enum BlobAnswer: Sendable {
        /// Linked from another repository's copy, or absent upstream too.
        case local
        case upstream(size: Int64?, body: ByteChunks, finished: @Sendable (Bool) async -> Void)
    }

    public func blob(_ repository: RepositoryName, digest: Digest, project: Project, head: Bool) async throws(UpstreamFailure) -> BlobAnswer {
        let upstream: RemoteReplicationEndpoint
        let opened: (body: ByteChunks, length: Int64?)
        do {
            upstream = try await endpoint(of: project)
            // A copy stored for another project is linked only once the upstream shows it has the
            // blob: naming a digest must not read another project's layers.
            if let stored = try await references.storedSize(digest),
               try await upstream.holds(repository.nameInProject, digest: digest),
               try await local.linkStored(digest, size: stored, in: repository) {
                return .local
            }
            if head {
                guard let size = try await upstream.client.blobSize(upstream.remote(repository.nameInProject), digest: digest) else { return .local }
                return .upstream(size: size, body: ByteChunks(buffers: []), finished: { _ in })
            }
            let answer = try await upstream.client.openBlob(upstream.remote(repository.nameInProject), digest: digest)
            opened = (answer.body, answer.length)
        } catch {
            let failure = classify(error, project: project)
            if failure == .notFound { return .local }
            throw failure
        }
        let settings = (try? await projects.metadata(projectID: project.id)) ?? [:]
        let kbps = settings["proxy_speed_kb"].flatMap(Int64.init) ?? -1
        let body = opened.body.limited(bytesPerSecond: kbps > 0 ? kbps * 1000 / 8 : 0)
        let tee = BlobTee(blobs: blobs, references: references, sessions: sessions, digest: digest, repository: repository, projectID: project.id,
                          source: body, logger: logger)
        do {
            try await tee.start()
        } catch {
            // Storage refused the copy: the client is still served.
            logger("proxy cache \(project.name): \(digest) is served but not stored: \(error)")
            return .upstream(size: opened.length, body: body, finished: { _ in })
        }
        return .upstream(size: opened.length, body: ByteChunks(next: { try await tee.next() }), finished: { await tee.finish(complete: $0) })
    }

    // MARK: helpers

    private func endpoint(of project: Project) async throws -> RemoteReplicationEndpoint {
        guard let id = project.registryID, let record = try await endpoints.find(id) else {
            throw ReplicationError.notFound("the registry endpoint of proxy project \(project.name) no longer exists")
        }
        let key = "\(record.id)/\(record.updateTime)"
        if let known = clients.withLockedValue({ $0[key] }) { return known }
        let made = try RemoteReplicationEndpoint(endpoint: record)
        clients.withLockedValue { clients in
            clients = clients.filter { !$0.key.hasPrefix("\(record.id)/") }
            clients[key] = made
        }
        return made
    }

    /// Sorts an upstream error into what a pull must do, with a reason fit for any client (no
    /// URL, no account name); the full error goes to the server log.
    func classify(_ error: any Error, project: Project) -> UpstreamFailure {
        let failure: UpstreamFailure
        switch error {
        case RemoteError.status(_, 404, _): return .notFound
        case RemoteError.status(_, 429, _): failure = .rateLimited("the upstream registry answered 429 (rate limited)")
        case RemoteError.unauthorized(_, let reason) where reason.contains("429"):
            failure = .rateLimited("the upstream's token service answered 429 (rate limited)")
        case RemoteError.status(_, let status, _): failure = .unavailable("the upstream registry answered \(status)")
        case RemoteError.unreachable: failure = .unavailable("the upstream registry could not be reached")
        case RemoteError.unauthorized: failure = .unavailable("the upstream registry refused the configured credentials")
        default: failure = .unavailable("the upstream registry could not be used")
        }
        logger("proxy cache \(project.name): \(error)")
        return failure
    }
}

extension Reference {
    /// The tag, when this reference is one.
    var tagValue: String? {
        if case .tag(let tag) = self { return tag.value }
        return nil
    }
}
