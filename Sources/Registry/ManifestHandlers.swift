import HTTPTypes
import Hummingbird
import Metadata
import NIOCore
import OCI

/// `HEAD|GET|PUT|DELETE /v2/<name>/manifests/<reference>`
struct ManifestHandlers {
    let backend: RegistryBackend

    func get(_ request: Request, context: some RegistryContext, repository: RepositoryName, reference: Reference) async throws -> Response {
        if let project = context.registry.project, project.registryID != nil, let proxy = backend.pullThrough {
            let pull = request.method == .get ? Self.event(context, operation: "pull", repository: repository, reference: reference) : nil
            if let upstream = try await proxy.manifest(repository, reference: reference, project: project, pull: pull,
                                                       head: request.method == .head) {
                return Self.response(mediaType: upstream.mediaType, size: upstream.size, digest: upstream.digest, payload: upstream.bytes)
            }
        }
        let withPayload = request.method != .head
        guard let manifest = try await backend.pullCache.manifest(reference, in: repository, withPayload: withPayload,
                                                                  at: context.registry.stamp) else {
            throw RegistryError(.manifestUnknown, "manifest \(reference) not found in \(repository)")
        }
        let accepted = request.headers[values: .accept].flatMap { $0.split(separator: ",") }
            .map { Manifest.bareMediaType(String($0)) }.filter { !$0.isEmpty }
        if !accepted.isEmpty && !accepted.contains(manifest.mediaType) && !accepted.contains("*/*")
            && !accepted.contains("application/*") && !accepted.contains("application/json") {
            throw RegistryError(.manifestUnknown, "manifest \(reference) is \(manifest.mediaType), which the Accept header does not allow")
        }
        if let project = context.registry.project, context.registry.projectHasPullGates {
            try await backend.pullGates.check(manifest, repository: repository, project: project, identity: context.identity,
                                              userAgent: request.headers[.userAgent])
        }
        if request.method == .get {
            // Buffered: a pull costs no database write here (AuditRecorder flushes in batches).
            backend.audit.recordPull(
                Self.event(context, operation: "pull", repository: repository, reference: reference),
                repository: repository.value, manifestID: manifest.id)
            if let project = context.registry.project {
                backend.events?.manifestPulled(PulledManifest(projectID: project.id, repository: repository, digest: manifest.digest,
                                                              reference: reference.description, operatorName: context.identity.name))
            }
        }
        // A cached entry may hold the payload even for a HEAD.
        return Self.response(mediaType: manifest.mediaType, size: manifest.size, digest: manifest.digest,
                             payload: withPayload ? manifest.payload : nil)
    }

    static func response(mediaType: String, size: Int64, digest: Digest, payload: [UInt8]?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = mediaType
        headers[.contentLength] = String(size)
        headers[.dockerContentDigest] = digest.description
        headers[.eTag] = "\"\(digest)\""
        let body: ResponseBody = payload.map { .init(byteBuffer: ByteBuffer(bytes: $0)) } ?? .init()
        return Response(status: .ok, headers: headers, body: body)
    }

    func put(_ request: Request, context: some RegistryContext, repository: RepositoryName, reference: Reference) async throws -> Response {
        let bytes = try await Self.collect(request.body, limit: Manifest.maximumSize)
        let manifest = try Manifest(bytes: bytes, contentType: request.headers[.contentType])
        let digest: Digest
        var tags: [Tag] = []
        switch reference {
        case .digest(let expected):
            digest = Digest.of(bytes, algorithm: expected.algorithm)
            guard digest == expected else {
                throw RegistryError(.digestInvalid, "manifest has digest \(digest), not \(expected)")
            }
            // OCI 1.1.1: tags may be given as `?tag=` when pushing by digest.
            tags = try request.uri.queryParameters.getAll("tag").map { try Tag(String($0)) }
        case .tag(let tag):
            digest = Digest.of(bytes)
            tags = [tag]
        }
        guard let project = context.registry.project else { throw RegistryError(.unknown, "request has no project") }
        let record = ManifestRecord(
            digest: digest, mediaType: manifest.mediaType, artifactType: manifest.artifactType, payload: bytes,
            subject: manifest.subjectDigest, annotations: manifest.annotations,
            blobs: manifest.requiredBlobs, children: manifest.requiredManifests)
        try await backend.immutableRules.refuseMoving(tags.map(\.value), to: digest.description, in: repository.value, projectID: project.id)
        if let excess = try await backend.quotas.excess(projectID: project.id, addingManifest: digest, size: Int64(bytes.count)) {
            await backend.events?.quotaExceeded(QuotaRefusal(projectID: project.id, repository: repository,
                                                             reference: tags.first?.value ?? digest.description,
                                                             message: excess.message, operatorName: context.identity.name))
            throw RegistryError(.denied, excess.message)
        }
        let announce = await backend.outbox(OutboxEvent(
            type: OutboxEvent.pushed, projectID: project.id, repository: repository.value, digest: digest.description,
            details: .init(tags: tags.map(\.value), operatorName: context.identity.name)))
        let manifestID = try await backend.artifacts.put(record, tag: tags.first, in: repository, projectID: project.id, announce: announce)
        for tag in tags.dropFirst() {
            try await backend.artifacts.put(record, tag: tag, in: repository, projectID: project.id)
        }
        let pushed: [Reference] = tags.isEmpty ? [.digest(digest)] : tags.map { .tag($0) }
        for reference in pushed {
            await backend.audit.record(Self.event(context, operation: "push", repository: repository, reference: reference))
        }
        await backend.events?.manifestPushed(PushedManifest(manifestID: manifestID, projectID: project.id, repository: repository,
                                                            digest: digest, tags: tags.map(\.value), subject: manifest.subjectDigest,
                                                            operatorName: context.identity.name))
        var headers = HTTPFields()
        headers[.location] = "/v2/\(repository)/manifests/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        if let subject = manifest.subjectDigest { headers[.ociSubject] = subject.description }
        return Response(status: .created, headers: headers)
    }

    func delete(context: some RegistryContext, repository: RepositoryName, reference: Reference) async throws -> Response {
        guard let project = context.registry.project else { throw RegistryError(.unknown, "request has no project") }
        switch reference {
        case .digest(let digest):
            let tags = try await backend.immutableRules.tags(ofDigest: digest.description, in: repository.value)
            try await backend.immutableRules.refuseDeleting(tags, in: repository.value, projectID: project.id)
            try await backend.artifacts.deleteManifest(digest, in: repository, announce: await backend.outbox(OutboxEvent(
                type: OutboxEvent.deleted, projectID: project.id, repository: repository.value, digest: digest.description,
                details: .init(tags: tags, operatorName: context.identity.name))))
        case .tag(let tag):
            try await backend.immutableRules.refuseDeleting([tag.value], in: repository.value, projectID: project.id)
            guard try await backend.artifacts.deleteTag(tag, in: repository) else {
                throw RegistryError(.manifestUnknown, "tag \(tag) not found in \(repository)")
            }
        }
        await backend.audit.record(Self.event(context, operation: "delete", repository: repository, reference: reference))
        await backend.events?.artifactDeleted(repository: repository, reference: reference.description, operatorName: context.identity.name)
        return Response(status: .accepted, headers: [.contentLength: "0"])
    }

    /// An audit line naming the artifact as Harbor does: `project/repo:tag` or `project/repo@digest`.
    static func event(_ context: some RegistryContext, operation: String, repository: RepositoryName, reference: Reference) -> AuditEvent {
        let resource = switch reference {
        case .tag(let tag): "\(repository):\(tag.value)"
        case .digest(let digest): "\(repository)@\(digest)"
        }
        return AuditEvent(projectID: context.registry.project?.id, operation: operation, resourceType: "artifact",
                          resource: resource, username: context.identity.name ?? "anonymous")
    }

    /// Reads a small request body, refusing it (413) as soon as it passes `limit`.
    static func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            guard bytes.count + buffer.readableBytes <= limit else {
                throw RegistryError(.sizeInvalid, "manifest is larger than \(limit) bytes", status: .contentTooLarge)
            }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }
}
