import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import Testing
@testable import S3Storage

/// The S3 calls against a real S3-compatible server: moto's server mode, which scripts/test starts
/// and names in BERTH_TEST_S3_URL. Without it these tests fail rather than pass unseen.
@Suite struct S3ClientTests {
    static func client(bucket: String = "b-" + UUID().uuidString.lowercased().prefix(12)) throws -> S3Client {
        guard let endpoint = ProcessInfo.processInfo.environment["BERTH_TEST_S3_URL"] else {
            throw Missing(message: "BERTH_TEST_S3_URL is not set: start `moto_server -H 127.0.0.1 -p PORT` (scripts/test does)")
        }
        return S3Client(location: S3Location(endpoint: endpoint, bucket: bucket, region: "us-east-1"),
                        credentials: .init(accessKey: "berth-test", secretKey: "berth-test-secret"))
    }

    struct Missing: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    @Test func objectsGoInComeOutInRangesAndAreListedAndDeleted() async throws {
        let s3 = try Self.client()
        try await s3.createBucket()
        try await s3.createBucket() // ours already: not an error
        try await s3.put("dir/a b+c.txt", body: ByteBuffer(string: "hello, world"))
        try await s3.put("dir/sub/one", body: ByteBuffer(string: "1"))
        try await s3.put("dir/sub/two", body: ByteBuffer(string: "2"))
        #expect(try await s3.head("dir/a b+c.txt") == 12)
        #expect(try await s3.head("dir/missing") == nil)

        var read = ""
        try await s3.get("dir/a b+c.txt", range: 7..<12) { read += String(buffer: $0) }
        #expect(read == "world")

        let listing = try await s3.list(prefix: "dir/")
        #expect(listing.keys == ["dir/a b+c.txt"])
        #expect(listing.prefixes == ["dir/sub/"])

        try await s3.delete(keys: ["dir/sub/one", "dir/sub/two", "dir/never-there"])
        #expect(try await s3.list(prefix: "dir/sub/") == S3Listing())
        try await s3.delete("dir/a b+c.txt")
        try await s3.delete("dir/a b+c.txt")
        #expect(try await s3.head("dir/a b+c.txt") == nil)
    }

    @Test func aMultipartUploadResumesFromItsListedPartsAndCompletes() async throws {
        let s3 = try Self.client()
        try await s3.createBucket()
        let key = "uploads/u1/data"
        let id = try await s3.createMultipartUpload(key)
        let first = ByteBuffer(repeating: 0x61, count: 5 << 20) // S3's smallest part but the last
        let etag = try await s3.uploadPart(key, uploadID: id, number: 1, body: first)
        // Another node picks the upload up from what S3 lists.
        let parts = try await s3.listParts(key, uploadID: id)
        #expect(parts.count == 1 && parts[0].number == 1 && parts[0].etag == etag && parts[0].size == 5 << 20, "\(parts) \(etag)")
        let second = try await s3.uploadPart(key, uploadID: id, number: 2, body: ByteBuffer(string: "tail"))
        try await s3.completeMultipartUpload(key, uploadID: id, parts: [(1, etag), (2, second)])
        #expect(try await s3.head(key) == Int64(5 << 20) + 4)
        var tail = ""
        try await s3.get(key, range: Int64(5 << 20)..<Int64(5 << 20) + 4) { tail += String(buffer: $0) }
        #expect(tail == "tail")

        let abandoned = try await s3.createMultipartUpload("uploads/u2/data")
        try await s3.abortMultipartUpload("uploads/u2/data", uploadID: abandoned)
        await #expect(throws: S3Error.self) { _ = try await s3.listParts("uploads/u2/data", uploadID: abandoned) }
    }

    @Test func aMissingBucketIsAClearError() async throws {
        let s3 = try Self.client(bucket: "no-such-bucket-\(UUID().uuidString.lowercased().prefix(8))")
        do {
            try await s3.put("x", body: ByteBuffer(string: "x"))
            Issue.record("a put into a missing bucket succeeded")
        } catch let error as S3Error {
            #expect(error.status == 404 && error.code == "NoSuchBucket", "\(error)")
            #expect(!error.description.contains("berth-test-secret"))
        }
    }

    @Test func aPresignedURLFetchesTheObjectWithoutCredentials() async throws {
        let s3 = try Self.client()
        try await s3.createBucket()
        try await s3.put("blobs/x y", body: ByteBuffer(string: "signed"))
        let url = try s3.presignedURL("blobs/x y", expires: 600)
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "signed")
    }
}
