import BlobStore
import Foundation
import Metadata
import NIOCore
import OCI

/// Writes bytes Berth holds (a document it made, a chart uploaded through the classic chart API)
/// as a blob of a repository, the way a finished upload is: through an upload session, hashed,
/// made durable and published inside the database link's transaction. A crash leaves at most an
/// upload that expiry removes.
public struct BlobImport: Sendable {
    let blobs: BlobStore
    let links: BlobReferenceStore

    public init(database: MetadataDatabase, blobs: BlobStore) {
        self.blobs = blobs
        links = BlobReferenceStore(database: database)
    }

    public func store(_ bytes: [UInt8], in repository: RepositoryName, projectID: Int64) async throws -> Digest {
        let digest = Digest.of(bytes)
        guard let id = UploadID(UUID().uuidString.lowercased()) else { throw BlobStoreError.uploadUnknown("a new upload id") }
        try await blobs.startUpload(id)
        do {
            let body = AsyncThrowingStream<ByteBuffer, any Error> { continuation in
                continuation.yield(ByteBuffer(bytes: bytes))
                continuation.finish()
            }
            try await blobs.append(id, body: body)
            let links = self.links
            try await blobs.completeUpload(id, digest: digest) { size, publish in
                try await links.link(digest, size: size, to: repository, projectID: projectID, publish: publish)
            }
        } catch {
            try? await blobs.cancelUpload(id)
            throw error
        }
        return digest
    }
}
