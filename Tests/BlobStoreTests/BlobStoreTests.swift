import Foundation
import NIOCore
import OCI
import Testing
@testable import BlobStore

@Suite struct BlobStoreTests {

    static func body(_ chunks: [[UInt8]]) -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream { continuation in
            for chunk in chunks { continuation.yield(ByteBuffer(bytes: chunk)) }
            continuation.finish()
        }
    }

    static func read(_ store: BlobStore, _ digest: Digest, _ range: Range<Int64>) async throws -> [UInt8] {
        var out: [UInt8] = []
        try await store.read(digest, range: range) { out.append(contentsOf: $0.readableBytesView) }
        return out
    }

    @Test(arguments: TestStorageKind.allCases)
    func chunkedUploadBecomesBlob(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let data = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let id = UploadID.random()
        try await store.startUpload(id)
        #expect(try await store.append(id, body: Self.body([Array(data[..<1000])]), expectedOffset: 0) == 1000)
        #expect(try await store.append(id, body: Self.body([Array(data[1000..<2_000_000]), Array(data[2_000_000...])]), expectedOffset: 1000) == 3_000_000)
        let digest = Digest.of(data)
        #expect(try await store.completeUpload(id, digest: digest) == 3_000_000)
        #expect(try await store.size(of: digest) == 3_000_000)
        #expect(try await Self.read(store, digest, 0..<3_000_000) == data)
        #expect(try await store.uploadIDsOnDisk().isEmpty)
    }

    @Test(arguments: TestStorageKind.allCases)
    func outOfOrderChunkIsRefusedAndLosesNothing(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let id = UploadID.random()
        try await store.startUpload(id)
        try await store.append(id, body: Self.body([[1, 2, 3]]))
        await #expect(throws: BlobStoreError.rangeInvalid(currentSize: 3)) {
            try await store.append(id, body: Self.body([[9]]), expectedOffset: 10)
        }
        await #expect(throws: BlobStoreError.rangeInvalid(currentSize: 3)) {
            try await store.append(id, body: Self.body([[1, 2, 3]]), expectedOffset: 0)
        }
        #expect(try await store.uploadedSize(id) == 3)
    }

    @Test(arguments: TestStorageKind.allCases)
    func wrongDigestKeepsNothingVisible(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let id = UploadID.random()
        try await store.startUpload(id)
        try await store.append(id, body: Self.body([[1, 2, 3]]))
        let claimed = Digest.of([4, 5, 6])
        await #expect(throws: BlobStoreError.self) { try await store.completeUpload(id, digest: claimed) }
        #expect(try await store.size(of: claimed) == nil)
        #expect(try await store.size(of: Digest.of([1, 2, 3])) == nil)
    }

    /// A new BlobStore on the same storage is what a restarted server, or another node, sees: the
    /// running hash is gone and must be rebuilt (from the bytes, or on S3 from the saved state).
    @Test(arguments: TestStorageKind.allCases)
    func sessionResumesAfterRestart(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let id = UploadID.random()
        let first = try await storage.store()
        try await first.startUpload(id)
        try await first.append(id, body: Self.body([Array(repeating: 7, count: 5000)]))
        let second = try await storage.store()
        #expect(try await second.uploadedSize(id) == 5000)
        try await second.append(id, body: Self.body([Array(repeating: 8, count: 10)]), expectedOffset: 5000)
        let expected = Digest.of(Array(repeating: 7, count: 5000) + Array(repeating: 8, count: 10))
        #expect(try await second.completeUpload(id, digest: expected) == 5010)
    }

    @Test(arguments: TestStorageKind.allCases)
    func sha512Digests(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let id = UploadID.random()
        try await store.startUpload(id)
        try await store.append(id, body: Self.body([Array("sha512 content".utf8)]))
        let digest = Digest.of(Array("sha512 content".utf8), algorithm: .sha512)
        #expect(try await store.completeUpload(id, digest: digest) == 14)
        #expect(try await Self.read(store, digest, 7..<14) == Array("content".utf8))
    }

    @Test(arguments: TestStorageKind.allCases)
    func cancelRemovesSession(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let id = UploadID.random()
        try await store.startUpload(id)
        try await store.cancelUpload(id)
        #expect(try await store.uploadedSize(id) == nil)
        await #expect(throws: BlobStoreError.uploadUnknown(id.value)) {
            try await store.append(id, body: Self.body([[1]]))
        }
    }

    @Test(arguments: TestStorageKind.allCases)
    func completingACancelledUploadFailsAndBlobsAreNeverReplaced(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let store = try await storage.store()
        let bytes: [UInt8] = Array("shared base layer".utf8)
        let digest = Digest.of(bytes)
        let first = UploadID.random()
        try await store.startUpload(first)
        try await store.append(first, body: Self.body([bytes]))
        #expect(try await store.completeUpload(first, digest: digest) == Int64(bytes.count))

        let cancelled = UploadID.random()
        try await store.startUpload(cancelled)
        try await store.append(cancelled, body: Self.body([bytes]))
        try await store.cancelUpload(cancelled)
        await #expect(throws: BlobStoreError.uploadUnknown(cancelled.value)) { try await store.completeUpload(cancelled, digest: digest) }
        #expect(try await Self.read(store, digest, 0..<Int64(bytes.count)) == bytes)

        // Pushing the same content again leaves the stored blob as it is.
        let again = UploadID.random()
        try await store.startUpload(again)
        try await store.append(again, body: Self.body([bytes]))
        #expect(try await store.completeUpload(again, digest: digest) == Int64(bytes.count))
        #expect(try await Self.read(store, digest, 0..<Int64(bytes.count)) == bytes)
        #expect(try await store.uploadIDsOnDisk().isEmpty)
    }

    @Test func uploadIDsAreValidated() {
        #expect(UploadID("../../etc") == nil)
        #expect(UploadID("8F0C1C9E-0000-4000-8000-000000000000") == nil)
        #expect(UploadID(UploadID.random().value) != nil)
    }
}

extension TestStorage {
    func store() async throws -> BlobStore { BlobStore(driver: try await driver()) }
}

@Suite struct BlobStoreAcrossNodesTests {
    /// On S3 the hash state of a session is saved beside it; when it is missing (a node died between
    /// saving the bytes and the state), the upload still completes, verified by reading it back.
    @Test(arguments: TestStorageKind.allCases)
    func anUploadWithoutItsHashStateIsVerifiedAfterCommit(_ kind: TestStorageKind) async throws {
        let storage = TestStorage(kind)
        let id = UploadID.random()
        let first = try await storage.store()
        try await first.startUpload(id)
        let bytes = (0..<(7 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 3) }
        try await first.append(id, body: BlobStoreTests.body([Array(bytes[..<(6 << 20)])]))
        try await first.driver.delete(BlobLayout.uploadHashState(id))
        let second = try await storage.store()
        try await second.append(id, body: BlobStoreTests.body([Array(bytes[(6 << 20)...])]), expectedOffset: 6 << 20)
        let third = try await storage.store()
        await #expect(throws: BlobStoreError.self) { try await third.completeUpload(id, digest: Digest.of([1])) }
        let fourth = try await storage.store()
        let expected = Digest.of(bytes)
        // A wrong digest leaves the session completable with the right one (on S3 the object is
        // committed by then; completing again reads it back once more).
        #expect(try await fourth.completeUpload(id, digest: expected) == Int64(bytes.count))
        try await fourth.delete(expected)
        let fifth = try await storage.store()
        let again = UploadID.random()
        try await fifth.startUpload(again)
        try await fifth.append(again, body: BlobStoreTests.body([Array(bytes[..<(6 << 20)])]))
        try await fifth.driver.delete(BlobLayout.uploadHashState(again))
        try await (try await storage.store()).append(again, body: BlobStoreTests.body([Array(bytes[(6 << 20)...])]), expectedOffset: 6 << 20)
        #expect(try await (try await storage.store()).completeUpload(again, digest: expected) == Int64(bytes.count))
        #expect(try await BlobStoreTests.read(try await storage.store(), expected, 0..<Int64(bytes.count)) == bytes)
        try await fifth.delete(expected)
        // A filesystem keeps the emptied directories.
        try await fifth.driver.delete([try StoragePath("blobs"), try StoragePath("uploads")])
        try await storage.expectEmpty()
    }

    /// Two nodes raced on one session and the stored bytes are another request's, of the same
    /// length: the hash a node kept for its own bytes must not vouch for them.
    @Test func aHashKeptForOtherBytesOfTheSameLengthIsNotTrusted() async throws {
        let storage = TestStorage(.s3)
        let node = try await storage.store()
        let genuine = Array(repeating: UInt8(7), count: 1000), forged = Array(repeating: UInt8(9), count: 1000)
        let id = UploadID.random(), other = UploadID.random()
        try await node.startUpload(id)
        try await node.append(id, body: BlobStoreTests.body([genuine]))
        let elsewhere = try await storage.store()
        try await elsewhere.startUpload(other)
        try await elsewhere.append(other, body: BlobStoreTests.body([forged]))
        try await elsewhere.driver.move(BlobLayout.uploadData(other), to: BlobLayout.uploadData(id))
        await #expect(throws: BlobStoreError.digestMismatch(expected: Digest.of(genuine), actual: Digest.of(forged))) {
            try await node.completeUpload(id, digest: Digest.of(genuine))
        }
        #expect(try await node.size(of: Digest.of(genuine)) == nil)
        try await node.driver.delete([try StoragePath("uploads")])
        try await storage.expectEmpty()
    }
}
