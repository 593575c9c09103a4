import BlobStore
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import OCI
import RemoteRegistry

/// Passes an upstream blob to the client while writing it into an upload session: buffers are
/// gathered to 1 MiB and appended (hashed on the way, as any upload), and once the client has
/// received everything the session is verified against the digest and linked. A client that
/// stops early, or a storage error, leaves nothing behind; the client is served either way.
final class BlobTee: Sendable {
    let blobs: BlobStore
    let references: BlobReferenceStore
    /// The session is recorded like a client's, so one left by a crash expires.
    let sessions: UploadSessionStore
    let digest: Digest
    let repository: RepositoryName
    let projectID: Int64
    let source: ByteChunks
    let logger: @Sendable (String) -> Void
    let upload = UploadID.random()
    private let state = NIOLockedValueBox((pending: [ByteBuffer](), pendingBytes: 0, written: Int64(0), failed: false))
    static let sliceSize = 1 << 20

    init(blobs: BlobStore, references: BlobReferenceStore, sessions: UploadSessionStore, digest: Digest, repository: RepositoryName, projectID: Int64,
         source: ByteChunks, logger: @escaping @Sendable (String) -> Void) {
        self.blobs = blobs
        self.references = references
        self.sessions = sessions
        self.digest = digest
        self.repository = repository
        self.projectID = projectID
        self.source = source
        self.logger = logger
    }

    func start() async throws {
        try await blobs.startUpload(upload)
        try await sessions.create(id: upload.value, repository: repository)
    }

    func next() async throws -> ByteBuffer? {
        guard let buffer = try await source.read() else { return nil }
        let full = state.withLockedValue { state -> Bool in
            guard !state.failed else { return false }
            state.pending.append(buffer)
            state.pendingBytes += buffer.readableBytes
            return state.pendingBytes >= Self.sliceSize
        }
        if full { await flush() }
        return buffer
    }

    private func flush() async {
        let (batch, offset) = state.withLockedValue { state -> ([ByteBuffer], Int64) in
            defer { state.pending = []; state.pendingBytes = 0 }
            return (state.failed ? [] : state.pending, state.written)
        }
        guard !batch.isEmpty else { return }
        let chunks = ByteChunks(buffers: batch)
        do {
            let size = try await blobs.append(upload, body: chunks, expectedOffset: offset)
            state.withLockedValue { $0.written = size }
        } catch {
            state.withLockedValue { $0.failed = true }
            logger("proxy cache: storing \(digest) failed, the client is still served: \(error)")
        }
    }

    func finish(complete: Bool) async {
        if complete { await flush() }
        let failed = state.withLockedValue { $0.failed }
        if complete && !failed {
            do {
                let references = self.references, digest = self.digest, repository = self.repository, projectID = self.projectID
                try await blobs.completeUpload(upload, digest: digest) { size, publish in
                    try await references.link(digest, size: size, to: repository, projectID: projectID, publish: publish)
                }
            } catch {
                try? await blobs.cancelUpload(upload)
                logger("proxy cache: \(digest) from the upstream was not kept: \(error)")
            }
        } else {
            try? await blobs.cancelUpload(upload)
        }
        try? await sessions.delete(id: upload.value)
    }
}
