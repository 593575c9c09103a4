import NIOCore

/// The small set of path operations every storage backend provides (distribution's driver model).
/// Blob, upload and layout logic live above it in `BlobStore`, so a new backend (S3) implements only
/// these and runs the shared driver test suite.
public protocol StorageDriver: Sendable {
    /// Whether bytes appended and closed, but not yet committed, can be read back. A filesystem
    /// can; object storage cannot read an unfinished multipart upload, so `BlobStore` keeps each
    /// upload's hash state beside it instead of re-reading the bytes.
    var readsUnfinishedWrites: Bool { get }
    /// Size of the object at `path`, or nil when there is none.
    func size(of path: StoragePath) async throws -> Int64?
    /// Size and revision of the object at `path`: the revision changes whenever bytes are stored,
    /// even when the size comes out the same (two nodes writing one upload). nil on drivers whose
    /// writes land in place (a filesystem).
    func revision(of path: StoragePath) async throws -> (size: Int64, revision: String?)?
    /// Calls `consume` with the bytes of `range` in order, in chunks of at most `chunkSize`.
    func read(_ path: StoragePath, range: Range<Int64>, chunkSize: Int,
              consume: (ByteBuffer) async throws -> Void) async throws
    /// Opens `path` for appending at its current end, creating it (and its parents) when missing.
    /// Appending to an object after its `commit` is not supported by every driver.
    func appender(_ path: StoragePath) async throws -> any StorageWriter
    /// Replaces the small object at `path` with `contents` atomically and durably: a reader sees
    /// the old bytes or the new, never a mix (for state kept beside an upload).
    func put(_ path: StoragePath, contents: ByteBuffer) async throws
    /// Atomically replaces `destination` with `source` (rename on a filesystem).
    func move(_ source: StoragePath, to destination: StoragePath) async throws
    /// Removes `path` and everything below it; a missing path is not an error.
    func delete(_ path: StoragePath) async throws
    /// Removes many paths at once (garbage collection); a backend with a batch call (S3's
    /// DeleteObjects, one system-call loop on a filesystem) makes it one round trip.
    func delete(_ paths: [StoragePath]) async throws
    /// Names directly below `path`; empty when it does not exist.
    func list(_ path: StoragePath) async throws -> [String]
    /// A URL a client may fetch the object from directly, when the backend supports it.
    func redirectURL(for path: StoragePath) async throws -> String?
    /// Bytes in all and free on the local disk holding the storage; nil when it is not a local
    /// disk (`/systeminfo/volumes`).
    func capacity() async throws -> (total: Int64, free: Int64)?
    /// The object opened for `sendfile`, when it is a local file; nil otherwise (the default).
    func openForSending(_ path: StoragePath) async throws -> NIOFileHandle?
}

extension StorageDriver {
    public func openForSending(_ path: StoragePath) async throws -> NIOFileHandle? { nil }
}

/// An open object being appended to. `close` keeps what was written (an upload resumes from it);
/// `commit` makes the object final and durable, ready to `move` under a blob path. Nothing is
/// visible under a blob path until that move.
public protocol StorageWriter: Sendable {
    var size: Int64 { get }
    /// The revision of the object as this writer found it, then as it left it after `close` or
    /// `commit` (see `StorageDriver.revision(of:)`).
    var revision: String? { get }
    /// Appends the buffers in order, as one write where the backend can (no copying them together).
    func write(_ buffers: [ByteBuffer]) async throws
    func commit() async throws
    func close() async throws
}

extension StorageDriver {
    public func capacity() async throws -> (total: Int64, free: Int64)? { nil }

    public func revision(of path: StoragePath) async throws -> (size: Int64, revision: String?)? {
        try await size(of: path).map { ($0, nil) }
    }

    public func delete(_ paths: [StoragePath]) async throws {
        for path in paths { try await delete(path) }
    }
}

extension StorageWriter {
    public var revision: String? { nil }

    public func write(_ buffer: ByteBuffer) async throws {
        try await write([buffer])
    }
}

public enum StorageDriverError: Error, Equatable, Sendable {
    case pathNotFound(String)
    case invalidPath(String)
    case io(operation: String, path: String, errno: Int32)
    /// The object is still being written and this driver cannot read it before its `commit`.
    case unfinished(String)
    /// The storage service refused or failed the call (its own words, never a credential).
    case service(operation: String, path: String, message: String)
}

/// A driver-relative path such as `blobs/sha256/ab/ab12.../data`. Components are checked so that no
/// path can escape the driver's root.
public struct StoragePath: Hashable, Sendable, CustomStringConvertible {
    public let components: [String]

    public init(_ components: [String]) throws(StorageDriverError) {
        for c in components where c.isEmpty || c == "." || c == ".." || c.contains("/") || c.contains("\0") {
            throw .invalidPath(components.joined(separator: "/"))
        }
        self.components = components
    }

    public init(_ string: String) throws(StorageDriverError) {
        try self.init(string.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
    }

    public var description: String { components.joined(separator: "/") }

    public var parent: StoragePath? {
        components.isEmpty ? nil : StoragePath(unchecked: Array(components.dropLast()))
    }

    public func appending(_ component: String) throws(StorageDriverError) -> StoragePath {
        try StoragePath(components + [component])
    }

    init(unchecked components: [String]) { self.components = components }
}
