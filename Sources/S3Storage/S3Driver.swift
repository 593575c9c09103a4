import BlobStore
import Foundation
import NIOCore

/// `StorageDriver` on an S3-compatible bucket (`storage.driver: s3`). See `S3Record` for the layout
/// and why a move never copies bytes.
public struct S3Driver: StorageDriver {
    public struct Options: Sendable, Equatable {
        /// Key prefix inside the bucket, without slashes at either end ("" for the bucket's root).
        public var rootDirectory: String
        /// Bytes gathered before they are sent as one part of a multipart upload (at least 5 MiB,
        /// S3's smallest part). Each open writer holds up to two of them in memory.
        public var chunkSize: Int
        /// Answer blob pulls with a redirect to a presigned URL of the object.
        public var redirect: Bool
        /// How long a presigned URL stays valid, in seconds.
        public var redirectExpiry: Int

        public static let minimumChunkSize = 5 << 20

        public init(rootDirectory: String = "", chunkSize: Int = 10 << 20, redirect: Bool = false, redirectExpiry: Int = 1200) {
            self.rootDirectory = rootDirectory.split(separator: "/").joined(separator: "/")
            self.chunkSize = chunkSize
            self.redirect = redirect
            self.redirectExpiry = redirectExpiry
        }
    }

    let client: S3Client
    let options: Options

    public init(client: S3Client, options: Options = Options()) {
        self.client = client
        self.options = options
    }

    public var readsUnfinishedWrites: Bool { false }

    // MARK: keys

    private var prefix: String { options.rootDirectory.isEmpty ? "" : options.rootDirectory + "/" }
    private var filesPrefix: String { prefix + "files/" }

    func recordKey(_ path: StoragePath) -> String { filesPrefix + path.description }

    func newObjectKey() -> String { prefix + "objects/" + UUID().uuidString.lowercased() }

    func tailKey(for object: String) -> String { object + ".tail." + UUID().uuidString.lowercased().prefix(8) }

    // MARK: records

    func record(at key: String) async throws -> S3Record? {
        var bytes = ByteBuffer()
        do {
            try await client.get(key) { chunk in
                var chunk = chunk
                bytes.writeBuffer(&chunk)
            }
        } catch let error as S3Error where error.status == 404 && error.code == "NoSuchKey" {
            return nil
        } catch let error as S3Error {
            throw Self.storageError(error, path: key)
        }
        return try S3Record.decode(bytes, path: key)
    }

    func write(_ record: S3Record, at key: String) async throws {
        do {
            try await client.put(key, body: try record.encoded())
        } catch let error as S3Error {
            throw Self.storageError(error, path: key)
        }
    }

    static func storageError(_ error: S3Error, path: String) -> StorageDriverError {
        .service(operation: error.operation, path: path, message: "\(error.status) \(error.code): \(error.message)")
    }

    /// Runs an S3 call, turning its failure into the driver's error.
    func call<T>(_ path: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as S3Error {
            throw Self.storageError(error, path: path)
        }
    }

    // MARK: StorageDriver

    public func size(of path: StoragePath) async throws -> Int64? {
        try await record(at: recordKey(path))?.size
    }

    public func revision(of path: StoragePath) async throws -> (size: Int64, revision: String?)? {
        try await record(at: recordKey(path)).map { ($0.size, $0.revision) }
    }

    public func read(_ path: StoragePath, range: Range<Int64>, chunkSize: Int,
                     consume: (ByteBuffer) async throws -> Void) async throws {
        guard let record = try await record(at: recordKey(path)) else { throw StorageDriverError.pathNotFound(path.description) }
        guard range.upperBound <= record.size else {
            throw StorageDriverError.io(operation: "read past the end", path: path.description, errno: 0)
        }
        if let inline = record.inline {
            guard let bytes = Data(base64Encoded: inline) else { throw StorageDriverError.service(operation: "read", path: path.description, message: "damaged inline record") }
            let slice = bytes[Int(range.lowerBound)..<Int(range.upperBound)]
            for start in stride(from: slice.startIndex, to: slice.endIndex, by: max(chunkSize, 1)) {
                try await consume(ByteBuffer(bytes: slice[start..<min(start + chunkSize, slice.endIndex)]))
            }
            return
        }
        guard record.finished, let object = record.object else { throw StorageDriverError.unfinished(path.description) }
        guard !range.isEmpty else { return }
        // Chunks as S3 sends them, re-cut to at most `chunkSize`.
        try await call(path.description) {
            try await client.get(object, range: range) { buffer in
                var buffer = buffer
                while buffer.readableBytes > 0 {
                    try await consume(buffer.readSlice(length: min(chunkSize, buffer.readableBytes))!)
                }
            }
        }
    }

    public func appender(_ path: StoragePath) async throws -> any StorageWriter {
        let key = recordKey(path)
        if let record = try await record(at: key) {
            return try await S3Writer.resume(driver: self, path: path, key: key, record: record)
        }
        let record = S3Record.open(object: newObjectKey())
        try await write(record, at: key)
        return try await S3Writer.resume(driver: self, path: path, key: key, record: record)
    }

    public func put(_ path: StoragePath, contents: ByteBuffer) async throws {
        guard contents.readableBytes <= 1 << 20 else {
            throw StorageDriverError.io(operation: "put (objects larger than 1 MiB are appended)", path: path.description, errno: 0)
        }
        let key = recordKey(path)
        let replaced = try await record(at: key)
        try await write(S3Record(size: Int64(contents.readableBytes), inline: Data(contents.readableBytesView).base64EncodedString(), finished: true,
                                 revision: S3Record.newRevision()), at: key)
        if let replaced { try await removeData(of: replaced, at: path.description) }
    }

    /// Three record writes and no byte copied: mark the source as moving, write the destination,
    /// remove the source (see `S3Record.movingTo` for the crash between the last two).
    public func move(_ source: StoragePath, to destination: StoragePath) async throws {
        let sourceKey = recordKey(source), destinationKey = recordKey(destination)
        guard var record = try await record(at: sourceKey) else { throw StorageDriverError.pathNotFound(source.description) }
        let replaced = try await self.record(at: destinationKey)
        record.movingTo = destination.description
        try await write(record, at: sourceKey)
        record.movingTo = nil
        try await write(record, at: destinationKey)
        try await call(sourceKey) { try await client.delete(sourceKey) }
        if let replaced, replaced.object != record.object { try await removeData(of: replaced, at: destination.description) }
    }

    public func delete(_ path: StoragePath) async throws {
        try await delete([path])
    }

    /// Records first, then the bytes they named: a crash in between leaves unreachable bytes,
    /// never a record whose bytes are gone.
    public func delete(_ paths: [StoragePath]) async throws {
        var recordKeys: [String] = []
        for path in paths {
            let key = recordKey(path)
            recordKeys.append(key)
            recordKeys += try await call(key) { try await client.list(prefix: key + "/", recursive: true).keys }
        }
        let records = try await concurrently(recordKeys) { key in (key, try await record(at: key)) }
        let present = records.compactMap { key, record in record.map { (key, $0) } }
        guard !present.isEmpty else { return }
        try await call(paths.first?.description ?? "") { try await client.delete(keys: present.map(\.0)) }
        _ = try await concurrently(present) { key, record in
            try await removeData(of: record, at: String(key.dropFirst(filesPrefix.count)))
        }
    }

    public func list(_ path: StoragePath) async throws -> [String] {
        let directory = path.components.isEmpty ? filesPrefix : recordKey(path) + "/"
        let listing = try await call(path.description) { try await client.list(prefix: directory) }
        let files = listing.keys.map { String($0.dropFirst(directory.count)) }
        let directories = listing.prefixes.map { String($0.dropFirst(directory.count).dropLast()) }
        return Array(Set(files + directories)).filter { !$0.isEmpty }.sorted()
    }

    public func redirectURL(for path: StoragePath) async throws -> String? {
        guard options.redirect, let record = try await record(at: recordKey(path)), record.finished, let object = record.object else { return nil }
        do {
            return try client.presignedURL(object, expires: options.redirectExpiry)
        } catch let error as S3Error {
            throw Self.storageError(error, path: path.description)
        }
    }

    /// Removes the bytes a removed record named, unless a move handed them to another record.
    func removeData(of record: S3Record, at path: String) async throws {
        if let target = record.movingTo, let moved = try? StoragePath(target),
           let destination = try await self.record(at: recordKey(moved)), destination.object == record.object {
            return
        }
        try await call(path) {
            if let upload = record.upload, let object = record.object {
                try await client.abortMultipartUpload(object, uploadID: upload)
            }
            let keys = [record.object, record.tail].compactMap { $0 }
            if !keys.isEmpty { try await client.delete(keys: keys) }
        }
    }

    /// `body` over `items`, at most 16 S3 calls at a time, results in order.
    func concurrently<Item: Sendable, Result: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Result) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            func start() {
                guard next < items.count else { return }
                let index = next, item = items[index]
                next += 1
                group.addTask { (index, try await body(item)) }
            }
            for _ in 0..<16 { start() }
            while let (index, result) = try await group.next() {
                results[index] = result
                start()
            }
            return results.map { $0! }
        }
    }
}
