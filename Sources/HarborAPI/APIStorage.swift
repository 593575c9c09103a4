import Hummingbird
import OCI

/// What the API reads from storage (and the one thing it writes: a chart uploaded whole): small blobs (image configs) whole, larger ones (an SBOM
/// document) and CVE export files streamed in the store's chunks; an export file is removed once
/// downloaded. A protocol so that the API does not depend on the storage layer.
public protocol APIStorage: Sendable {
    /// The blob's bytes; nil when it is absent or larger than `limit`.
    func read(_ digest: Digest, limit: Int64) async throws -> [UInt8]?
    func size(of digest: Digest) async throws -> Int64?
    func read(_ digest: Digest, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws
    func exportSize(_ executionID: Int64) async throws -> Int64?
    func readExport(_ executionID: Int64, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws
    func deleteExport(_ executionID: Int64) async throws
    /// Stores bytes the API was given whole (a chart uploaded through the classic chart API) as a
    /// blob of the repository, as a finished upload is stored.
    func store(_ bytes: [UInt8], in repository: RepositoryName, projectID: Int64) async throws -> Digest
    /// Throws when the storage does not take a small write and read (`/health`).
    func probe() async throws
    /// The local disk's size and free bytes; nil when the storage is not a local disk.
    func capacity() async throws -> (total: Int64, free: Int64)?
}

extension APIStorage {
    /// A response body streaming the blob, never holding it whole; nil when it is absent.
    func body(of digest: Digest) async throws -> (size: Int64, body: ResponseBody)? {
        guard let size = try await size(of: digest) else { return nil }
        let body = ResponseBody(contentLength: Int(size)) { writer in
            try await self.read(digest, range: 0..<size) { try await writer.write($0) }
            try await writer.finish(nil)
        }
        return (size, body)
    }
}

/// A stored blob as byte chunks (what the scanner's readers take), read 1 MiB at a time as they
/// are consumed: a chart package opened for its additions.
struct StoredChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let storage: any APIStorage
    let digest: Digest
    let size: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        let storage: any APIStorage
        let digest: Digest
        let size: Int64
        var offset: Int64 = 0

        mutating func next() async throws -> [UInt8]? {
            guard offset < size else { return nil }
            let end = Swift.min(size, offset + (1 << 20))
            var bytes: [UInt8] = []
            try await storage.read(digest, range: offset..<end) { bytes.append(contentsOf: $0.readableBytesView) }
            offset = end
            return bytes
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(storage: storage, digest: digest, size: size) }
}
