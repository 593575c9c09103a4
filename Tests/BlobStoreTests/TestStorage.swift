import Foundation
import Testing
@testable import BlobStore
@testable import S3Storage

/// The storage backends the shared tests run on. Each `TestStorage` is one empty place to store
/// things; `driver()` gives a new driver on it, as another node or a restarted process would have.
enum TestStorageKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case filesystem, s3

    var testDescription: String { rawValue }
}

final class TestStorage: @unchecked Sendable {
    let kind: TestStorageKind
    private let root: String
    /// Small parts, so that a few megabytes exercise multipart uploads (S3's least is 5 MiB).
    static let s3ChunkSize = S3Driver.Options.minimumChunkSize

    init(_ kind: TestStorageKind) {
        self.kind = kind
        switch kind {
        case .filesystem: root = NSTemporaryDirectory() + "berth-driver-" + UUID().uuidString
        case .s3: root = "test-" + UUID().uuidString.lowercased()
        }
    }

    deinit {
        if kind == .filesystem { try? FileManager.default.removeItem(atPath: root) }
    }

    /// moto's server, started by scripts/test and named in BERTH_TEST_S3_URL. Without it the S3
    /// cases fail rather than pass unseen.
    static func s3Client() throws -> S3Client {
        guard let endpoint = ProcessInfo.processInfo.environment["BERTH_TEST_S3_URL"] else {
            throw MissingServer()
        }
        return S3Client(location: S3Location(endpoint: endpoint, bucket: "berth-driver-tests", region: "us-east-1"),
                        credentials: .init(accessKey: "berth-test", secretKey: "berth-test-secret"))
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String { "BERTH_TEST_S3_URL is not set: start `moto_server -H 127.0.0.1 -p PORT` (scripts/test does)" }
    }

    func driver() async throws -> any StorageDriver {
        switch kind {
        case .filesystem:
            return try FilesystemDriver(root: root)
        case .s3:
            let client = try Self.s3Client()
            try await client.createBucket()
            return S3Driver(client: client, options: .init(rootDirectory: root, chunkSize: Self.s3ChunkSize, redirect: true))
        }
    }

    /// Nothing may be left behind: no path, and on S3 no object holding bytes.
    func expectEmpty() async throws {
        let driver = try await driver()
        #expect(try await driver.list(try StoragePath([])).isEmpty)
        if kind == .s3 {
            let left = try await Self.s3Client().list(prefix: root + "/", recursive: true).keys
            #expect(left.isEmpty, "objects left behind: \(left)")
        }
    }
}
