import Metadata
import OCI
import RemoteRegistry

/// A remote registry as a replication source or target, through its adapter's rules: Harbor (and
/// another Berth) lists repositories and creates projects through `/api/v2.0`; Docker Hub's
/// official images live under `library/`; the others are plain distribution registries.
public struct RemoteReplicationEndpoint: ReplicationSource, ReplicationTarget {
    public let client: RemoteRegistryClient
    public let adapter: RegistryAdapter
    /// Size of each PATCH when the policy copies by chunk (Harbor's 10 MiB).
    static let chunkSize: Int64 = 10 << 20

    public init(endpoint: RegistryEndpointRecord) throws {
        guard let adapter = RegistryAdapter(rawValue: endpoint.type) else { throw ReplicationError.badRequest("unknown adapter \(endpoint.type)") }
        guard !endpoint.secretUnreadable else {
            throw ReplicationError.failed("the stored secret of registry \(endpoint.name) does not open with this instance's key "
                                          + "(was secret_key changed?): enter it again")
        }
        self.adapter = adapter
        // Docker Hub's registry lives beside the address users know it by.
        let url = adapter == .dockerHub && endpoint.url.hasSuffix("://hub.docker.com") ? "https://registry-1.docker.io" : endpoint.url
        client = RemoteRegistryClient(endpoint: url, credentials: Self.credentials(of: endpoint),
                                      http: try OutgoingHTTP.client(insecure: endpoint.insecure, caCertificate: endpoint.caCertificate))
    }

    /// Basic credentials, or a token sent as it is (`oauth`, `secret`).
    static func credentials(of endpoint: RegistryEndpointRecord) -> RemoteCredentials? {
        switch endpoint.credentialType {
        case "basic" where !endpoint.accessKey.isEmpty:
            RemoteCredentials(username: endpoint.accessKey, password: endpoint.accessSecret)
        case "oauth", "secret":
            endpoint.accessSecret.isEmpty ? nil : RemoteCredentials(authorization: "Bearer " + endpoint.accessSecret)
        default:
            nil
        }
    }

    public var label: String { client.endpoint }

    /// The name on the remote side: Docker Hub keeps official images under `library/`.
    func remote(_ repository: String) -> String {
        adapter == .dockerHub && !repository.contains("/") ? "library/" + repository : repository
    }

    // MARK: source

    public func repositories(candidates: [String]?) async throws -> [String] {
        if let candidates { return candidates }
        switch adapter {
        case .harbor: return try await client.harborRepositories()
        default: return try await client.catalog()
        }
    }

    public func tags(of repository: String) async throws -> [String] {
        try await client.tags(remote(repository))
    }

    public func manifest(_ repository: String, reference: String) async throws -> ReplicatedManifest {
        let fetched = try await client.manifest(try RepositoryName(remote(repository)), reference: try Reference(reference))
        return ReplicatedManifest(bytes: fetched.bytes, mediaType: fetched.mediaType.isEmpty ? fetched.manifest.mediaType : fetched.mediaType,
                                  digest: fetched.digest, manifest: fetched.manifest)
    }

    public func referrers(_ repository: String, of digest: Digest) async throws -> [Digest] {
        try await client.referrers(remote(repository), of: digest)
    }

    /// Labels are not read from remote registries.
    public func labels(_ repository: String, tag: String) async throws -> [String]? { nil }

    public func holds(_ repository: String, digest: Digest) async throws -> Bool {
        try await client.blobSize(remote(repository), digest: digest) != nil
    }

    public func openBlob(_ repository: String, digest: Digest, size: Int64, from offset: Int64) async throws -> (body: ByteChunks, resumed: Bool) {
        let opened = try await client.openBlob(remote(repository), digest: digest, from: offset)
        return (opened.body, opened.resumed)
    }

    // MARK: target

    public func prepare(_ repository: String) async throws {
        guard adapter == .harbor, let project = repository.split(separator: "/").first else { return }
        try await client.harborEnsureProject(String(project))
    }

    public func manifestDigest(_ repository: String, reference: String) async throws -> Digest? {
        try await client.manifestHead(remote(repository), reference: reference)?.digest
    }

    public func hasOrMounts(_ digest: Digest, size: Int64, in repository: String, mountFrom: String?,
                            sourceHolds: @escaping @Sendable () async throws -> Bool) async throws -> Bool {
        let name = remote(repository)
        if try await client.blobSize(name, digest: digest, forPush: true) != nil { return true }
        guard let mountFrom, mountFrom != repository else { return false }
        return try await client.mountBlob(digest, from: remote(mountFrom), into: name)
    }

    public func putBlob(_ digest: Digest, size: Int64, in repository: String, chunked: Bool,
                        open: @escaping @Sendable (Int64) async throws -> (body: ByteChunks, resumed: Bool)) async throws {
        let name = remote(repository)
        var location = try await client.startUpload(name)
        do {
            guard chunked else {
                try await client.uploadWhole(name, location: location, digest: digest, size: size, body: try await open(0).body)
                return
            }
            var offset: Int64 = 0
            var failures = 0
            while offset < size {
                let length = min(Self.chunkSize, size - offset)
                do {
                    let source = try await open(offset)
                    guard source.resumed || offset == 0 else { throw ReplicationError.badRequest("the source cannot resume at byte \(offset)") }
                    location = try await client.uploadChunk(name, location: location, offset: offset, length: length,
                                                            body: source.body.prefix(bytes: length))
                    offset += length
                } catch let error where !(error is CancellationError) {
                    failures += 1
                    guard failures < BlobResume.attempts else { throw error }
                    // The session keeps what arrived: continue from the target's count, once it has
                    // finished taking the broken chunk.
                    try await Task.sleep(for: .milliseconds(100 * failures))
                    offset = try await client.uploadOffset(name, location: location, acknowledged: offset)
                }
            }
            try await client.finishUpload(name, location: location, digest: digest)
        } catch {
            await client.cancelUpload(name, location: location)
            throw error
        }
    }

    public func putManifest(_ manifest: ReplicatedManifest, in repository: String, reference: String) async throws {
        try await client.putManifest(remote(repository), reference: reference, bytes: manifest.bytes, mediaType: manifest.mediaType)
    }

    public func delete(_ repository: String, reference: String) async throws -> Bool {
        let name = remote(repository)
        if (try? Digest(parsing: reference)) == nil {
            // Distribution deletes manifests only by digest; deleting a tag deletes what it names there.
            guard let head = try await client.manifestHead(name, reference: reference) else { return false }
            do {
                return try await client.deleteManifest(name, reference: reference)
            } catch RemoteError.status(_, let status, _) where status == 400 || status == 405 {
                return try await client.deleteManifest(name, reference: head.digest.description)
            }
        }
        return try await client.deleteManifest(name, reference: reference)
    }
}
