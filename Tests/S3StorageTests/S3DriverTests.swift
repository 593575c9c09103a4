import BlobStore
import Foundation
import NIOCore
import Testing
@testable import S3Storage

/// What only the S3 driver has: records that point at objects, and the crashes between its steps.
/// The behaviour it shares with the filesystem driver is tested in BlobStoreTests' DriverSuite.
@Suite struct S3DriverTests {
    static func driver(root: String = "crash-" + UUID().uuidString.lowercased()) async throws -> S3Driver {
        let client = try S3ClientTests.client(bucket: "berth-s3-driver-tests")
        try await client.createBucket()
        return S3Driver(client: client, options: .init(rootDirectory: "/" + root + "/", chunkSize: S3Driver.Options.minimumChunkSize))
    }

    static func read(_ driver: S3Driver, _ path: StoragePath) async throws -> [UInt8] {
        guard let size = try await driver.size(of: path) else { return [] }
        var out: [UInt8] = []
        try await driver.read(path, range: 0..<size, chunkSize: 1 << 20) { out.append(contentsOf: $0.readableBytesView) }
        return out
    }

    @Test func aMoveRewritesTheRecordAndNeverCopiesTheBytes() async throws {
        let driver = try await Self.driver()
        let upload = try StoragePath("uploads/u/data"), blob = try StoragePath("blobs/b/data")
        let writer = try await driver.appender(upload)
        try await writer.write(ByteBuffer(repeating: 9, count: (5 << 20) + 1))
        try await writer.commit()
        try await writer.close()
        let object = try #require(try await driver.record(at: driver.recordKey(upload))?.object)
        try await driver.move(upload, to: blob)
        #expect(try await driver.record(at: driver.recordKey(blob))?.object == object)
        #expect(try await driver.size(of: upload) == nil)
        try await driver.delete(try StoragePath("uploads/u"))
        #expect(try await driver.size(of: blob) == (5 << 20) + 1)
        try await driver.delete(try StoragePath("blobs"))
        #expect(try await driver.client.head(object) == nil)
    }

    /// A node that died after writing the destination record and before removing the source left
    /// two records naming one object; removing the source (upload expiry) must keep the bytes.
    @Test func aSourceLeftByACrashMidMoveDoesNotTakeTheBytesWithIt() async throws {
        let driver = try await Self.driver()
        let upload = try StoragePath("uploads/v/data"), blob = try StoragePath("blobs/c/data")
        let writer = try await driver.appender(upload)
        try await writer.write(ByteBuffer(string: "layer"))
        try await writer.commit()
        try await writer.close()
        var record = try #require(try await driver.record(at: driver.recordKey(upload)))
        record.movingTo = blob.description
        try await driver.write(record, at: driver.recordKey(upload))
        record.movingTo = nil
        try await driver.write(record, at: driver.recordKey(blob))
        try await driver.delete(try StoragePath("uploads/v"))
        #expect(try await Self.read(driver, blob) == Array("layer".utf8))
        try await driver.delete(try StoragePath("blobs"))
    }

    /// Parts sent by a request that died before `close` are not in the record; the next writer
    /// sends the same part numbers again and the object holds exactly what the record said.
    @Test func partsOfARequestThatDiedAreReplaced() async throws {
        let driver = try await Self.driver()
        let path = try StoragePath("uploads/w/data")
        let first = try await driver.appender(path)
        try await first.write(ByteBuffer(repeating: 1, count: 1000))
        try await first.close()
        let dying = try await driver.appender(path)
        try await dying.write(ByteBuffer(repeating: 2, count: (11 << 20)))  // two parts sent, never closed
        #expect(try await driver.size(of: path) == 1000)
        let next = try await driver.appender(path)
        #expect(next.size == 1000)
        try await next.write(ByteBuffer(repeating: 3, count: (6 << 20)))
        try await next.commit()
        try await next.close()
        let bytes = try await Self.read(driver, path)
        #expect(bytes.count == 1000 + (6 << 20))
        #expect(bytes.prefix(1000).allSatisfy { $0 == 1 } && bytes.dropFirst(1000).allSatisfy { $0 == 3 })
        try await driver.delete(try StoragePath("uploads"))
    }

    /// The completion went through but the node died before saving the record: completing again
    /// finds the object whole and finishes the record.
    @Test func aCommitRepeatedAfterACrashFinishes() async throws {
        let driver = try await Self.driver()
        let path = try StoragePath("uploads/z/data")
        let writer = try await driver.appender(path)
        try await writer.write(ByteBuffer(repeating: 4, count: (5 << 20) + 10))
        try await writer.close()
        let record = try #require(try await driver.record(at: driver.recordKey(path)))
        let tail = try #require(record.tail)
        var tailBytes = ByteBuffer()
        try await driver.client.get(tail) { var chunk = $0; tailBytes.writeBuffer(&chunk) }
        let last = try await driver.client.uploadPart(record.object!, uploadID: record.upload!, number: 2, body: tailBytes)
        try await driver.client.completeMultipartUpload(record.object!, uploadID: record.upload!,
                                                        parts: [(1, record.parts![0].etag), (2, last)])
        let again = try await driver.appender(path)
        try await again.commit()
        try await again.close()
        #expect(try await Self.read(driver, path).count == (5 << 20) + 10)
        try await driver.delete(try StoragePath("uploads"))
    }

    @Test func aRedirectIsAPresignedURLOfTheObjectOnlyWhenAsked() async throws {
        let plain = try await Self.driver()
        let path = try StoragePath("blobs/r/data")
        try await plain.put(path, contents: ByteBuffer(string: "x"))
        #expect(try await plain.redirectURL(for: path) == nil)
        let redirecting = S3Driver(client: plain.client, options: .init(rootDirectory: plain.options.rootDirectory, redirect: true))
        let writer = try await redirecting.appender(try StoragePath("blobs/s/data"))
        try await writer.write(ByteBuffer(string: "signed"))
        try await writer.commit()
        try await writer.close()
        let url = try #require(try await redirecting.redirectURL(for: try StoragePath("blobs/s/data")))
        #expect(url.contains("X-Amz-Signature=") && url.contains("/objects/"))
        try await redirecting.delete(try StoragePath("blobs"))
    }

    @Test func aMissingBucketIsAClearErrorWithoutTheSecret() async throws {
        let missing = S3Driver(client: try S3ClientTests.client(bucket: "no-bucket-\(UUID().uuidString.lowercased().prefix(8))"))
        do {
            _ = try await missing.size(of: try StoragePath("x"))
            Issue.record("a missing bucket answered")
        } catch let error as StorageDriverError {
            guard case .service(_, _, let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("NoSuchBucket"))
            #expect(!"\(error)".contains("berth-test-secret"))
        }
    }

    /// The upload was completed but the blob not published (the database refused, the node died):
    /// completing again finds the object committed and goes on; writing more is refused.
    @Test func aCommittedObjectCanBeCommittedAgainButNotAppendedTo() async throws {
        let driver = try await Self.driver()
        let path = try StoragePath("uploads/c/data")
        let writer = try await driver.appender(path)
        try await writer.write(ByteBuffer(string: "done"))
        try await writer.commit()
        try await writer.close()
        let again = try await driver.appender(path)
        #expect(again.size == 4)
        try await again.commit()
        try await again.close()
        let more = try await driver.appender(path)
        await #expect(throws: StorageDriverError.self) { try await more.write(ByteBuffer(string: "x")) }
        #expect(try await Self.read(driver, path) == Array("done".utf8))
        try await driver.delete(try StoragePath("uploads"))
    }
}
