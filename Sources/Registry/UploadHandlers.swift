import Access
import BlobStore
import HTTPTypes
import Hummingbird
import Metadata
import OCI

/// Blob uploads: `POST /v2/<name>/blobs/uploads/` (monolithic with `digest`, cross-repository
/// `mount`, or a new session) and `GET|PATCH|PUT|DELETE /v2/<name>/blobs/uploads/<id>`.
struct UploadHandlers {
    let backend: RegistryBackend

    /// Chunks of any size are accepted; clients that honour the header may send small ones.
    static let minimumChunkLength = 1

    func start(_ request: Request, context: some RegistryContext, repository: RepositoryName) async throws -> Response {
        let query = request.uri.queryParameters
        if let mountDigest = query["mount"].map(String.init), let from = query["from"].map(String.init) {
            if let response = try await mount(digest: mountDigest, from: from, into: repository, context: context) {
                return response
            }
        }
        let id = UploadID.random()
        try await backend.blobs.startUpload(id)
        try await backend.uploadSessions.create(id: id.value, repository: repository)

        if let digestText = query["digest"].map(String.init) {
            do {
                let digest = try Digest(parsing: digestText)
                return try await finish(id, request: request, context: context, repository: repository, digest: digest)
            } catch {
                // A failed monolithic upload leaves no session behind: the client never saw its id.
                try? await backend.blobs.cancelUpload(id)
                try? await backend.uploadSessions.delete(id: id.value)
                throw error
            }
        }
        var headers = sessionHeaders(repository: repository, id: id, size: 0)
        headers[.ociChunkMinLength] = String(Self.minimumChunkLength)
        return Response(status: .accepted, headers: headers)
    }

    /// Links a blob the caller can already read in `from`; nil means "open a session instead", which
    /// is what the spec asks for when the mount cannot be done.
    private func mount(digest text: String, from: String, into repository: RepositoryName,
                       context: some RegistryContext) async throws -> Response? {
        guard let digest = try? Digest(parsing: text), let source = try? RepositoryName(from),
              let sourceProject = try await backend.projects.find(name: source.projectName),
              try await backend.policy.allowedActions(for: context.identity, repository: source, in: sourceProject).contains(.pull),
              let project = context.registry.project
        else { return nil }
        if let excess = try await backend.quotas.excess(projectID: project.id, adding: [digest]) {
            throw RegistryError(.denied, excess.message)
        }
        guard try await backend.blobReferences.mount(digest, from: source, to: repository, projectID: project.id) != nil else { return nil }
        return created(repository: repository, digest: digest)
    }

    func status(repository: RepositoryName, id: String) async throws -> Response {
        let upload = try await session(id, repository: repository)
        guard let size = try await backend.blobs.uploadedSize(upload) else { throw BlobStoreError.uploadUnknown(id) }
        var headers = sessionHeaders(repository: repository, id: upload, size: size)
        headers[.contentLength] = "0"
        return Response(status: .noContent, headers: headers)
    }

    func patch(_ request: Request, repository: RepositoryName, id: String) async throws -> Response {
        let upload = try await session(id, repository: repository)
        let offset = try contentRangeStart(request)
        let size = try await backend.blobs.append(upload, body: request.body, expectedOffset: offset)
        try await backend.uploadSessions.touch(id: upload.value)
        var headers = sessionHeaders(repository: repository, id: upload, size: size)
        headers[.contentLength] = "0"
        return Response(status: .accepted, headers: headers)
    }

    func put(_ request: Request, context: some RegistryContext, repository: RepositoryName, id: String) async throws -> Response {
        let upload = try await session(id, repository: repository)
        guard let digestText = request.uri.queryParameters["digest"] else {
            throw RegistryError(.digestInvalid, "the digest query parameter is required to complete an upload")
        }
        let digest = try Digest(parsing: digestText)
        return try await finish(upload, request: request, context: context, repository: repository, digest: digest)
    }

    func cancel(repository: RepositoryName, id: String) async throws -> Response {
        let upload = try await session(id, repository: repository)
        try await backend.blobs.cancelUpload(upload)
        try await backend.uploadSessions.delete(id: upload.value)
        return Response(status: .noContent, headers: [.contentLength: "0"])
    }

    /// Appends the request body (if any), verifies the digest and publishes the blob.
    private func finish(_ upload: UploadID, request: Request, context: some RegistryContext,
                        repository: RepositoryName, digest: Digest) async throws -> Response {
        let offset = try contentRangeStart(request)
        try await backend.blobs.append(upload, body: request.body, expectedOffset: offset)
        guard let project = context.registry.project else { throw RegistryError(.unknown, "request has no project") }
        let references = backend.blobReferences, quotas = backend.quotas
        do {
            try await backend.blobs.completeUpload(upload, digest: digest) { size, publish in
                if let excess = try await quotas.excess(projectID: project.id, adding: [(digest, size)]) {
                    throw RegistryError(.denied, excess.message)
                }
                try await references.link(digest, size: size, to: repository, projectID: project.id, publish: publish)
            }
        } catch let refusal as RegistryError where refusal.code == .denied {
            await backend.events?.quotaExceeded(QuotaRefusal(projectID: project.id, repository: repository, reference: digest.description,
                                                             message: refusal.message, operatorName: context.identity.name))
            throw refusal
        }
        try await backend.uploadSessions.delete(id: upload.value)
        return created(repository: repository, digest: digest)
    }

    private func created(repository: RepositoryName, digest: Digest) -> Response {
        var headers = HTTPFields()
        headers[.location] = "/v2/\(repository)/blobs/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    private func session(_ id: String, repository: RepositoryName) async throws -> UploadID {
        guard let upload = UploadID(id), try await backend.uploadSessions.repository(of: id) == repository else {
            throw RegistryError(.blobUploadUnknown, "upload session \(id.prefix(64)) is unknown to repository \(repository)")
        }
        return upload
    }

    /// The first byte of a `Content-Range: <start>-<end>` chunk, or nil for a streamed body.
    private func contentRangeStart(_ request: Request) throws -> Int64? {
        guard let value = request.headers[.contentRange] else { return nil }
        let spec = value.hasPrefix("bytes ") ? String(value.dropFirst(6)) : value
        let bounds = spec.split(separator: "-", maxSplits: 1)
        // Bounded well below Int64.max so that the length arithmetic cannot overflow.
        guard bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1].prefix { $0 != "/" }),
              start >= 0, end >= start - 1, end < Int64(1) << 50 else {
            throw RegistryError(.blobUploadInvalid, "Content-Range must be <start>-<end>", status: .rangeNotSatisfiable)
        }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length != end - start + 1 {
            throw RegistryError(.sizeInvalid, "Content-Length \(length) does not match Content-Range \(value)", status: .rangeNotSatisfiable)
        }
        return start
    }

    private func sessionHeaders(repository: RepositoryName, id: UploadID, size: Int64) -> HTTPFields {
        var headers = HTTPFields()
        headers[.location] = "/v2/\(repository)/blobs/uploads/\(id)"
        headers[.dockerUploadUUID] = id.value
        headers[.range] = Self.rangeHeader(size)
        return headers
    }

    /// `0-<last byte>`; distribution sends `0-0` for an empty session and clients expect it.
    static func rangeHeader(_ size: Int64) -> String {
        "0-\(max(0, size - 1))"
    }
}
