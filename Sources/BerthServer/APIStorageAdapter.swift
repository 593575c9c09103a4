import BlobStore
import HarborAPI
import Metadata
import NIOCore
import OCI
import Services

/// The blob store as the Harbor API sees it (`APIStorage`).
struct APIStorageAdapter: APIStorage {
    let blobs: BlobStore
    let database: MetadataDatabase

    func store(_ bytes: [UInt8], in repository: RepositoryName, projectID: Int64) async throws -> Digest {
        try await BlobImport(database: database, blobs: blobs).store(bytes, in: repository, projectID: projectID)
    }

    func read(_ digest: Digest, limit: Int64) async throws -> [UInt8]? {
        guard let size = try await blobs.size(of: digest), size <= limit else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        try await blobs.read(digest, range: 0..<size) { buffer in bytes.append(contentsOf: buffer.readableBytesView) }
        return bytes
    }

    func capacity() async throws -> (total: Int64, free: Int64)? {
        try await blobs.capacity()
    }

    func probe() async throws {
        try await blobs.probe()
    }

    func size(of digest: Digest) async throws -> Int64? {
        try await blobs.size(of: digest)
    }

    func read(_ digest: Digest, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws {
        try await blobs.read(digest, range: range, consume: consume)
    }

    func exportSize(_ executionID: Int64) async throws -> Int64? {
        try await blobs.exportSize(executionID)
    }

    func readExport(_ executionID: Int64, range: Range<Int64>, consume: (ByteBuffer) async throws -> Void) async throws {
        try await blobs.readExport(executionID, range: range, consume: consume)
    }

    func deleteExport(_ executionID: Int64) async throws {
        try await blobs.deleteExport(executionID)
    }
}
