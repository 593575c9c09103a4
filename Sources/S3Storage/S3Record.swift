import BlobStore
import Foundation
import NIOCore

/// What the S3 driver keeps at a path's key: a small JSON record naming the object that holds the
/// bytes, never the bytes themselves (except tiny `put` objects, inline).
///
/// S3 cannot rename. Distribution moves a finished upload to its blob path by copying the whole
/// object, which is slow and fails intermittently on large layers (Harbor #22619). Here the bytes go
/// once, by multipart upload, into an object with a random name under `objects/`, and a move only
/// rewrites the small record: a finished upload becomes its blob without a copy.
///
/// ```
/// <rootdirectory>/files/<path>          the record of <path> (what `list` and `size` see)
/// <rootdirectory>/objects/<uuid>        the bytes, once committed (multipart upload until then)
/// <rootdirectory>/objects/<uuid>.tail.<n>  the last bytes of an unfinished object, fewer than a part
/// ```
struct S3Record: Codable, Equatable, Sendable {
    struct Part: Codable, Equatable, Sendable {
        var number: Int
        var etag: String
        var size: Int64
    }

    /// Key of the object with the bytes (absent for inline records).
    var object: String?
    var size: Int64
    /// Base64 bytes of a small object written whole by `put`.
    var inline: String?
    /// False while the object is being written: `parts` of multipart `upload` plus `tail`.
    var finished: Bool
    var upload: String?
    var parts: [Part]?
    var tail: String?
    /// Set on the source record while it is moved here: the object then belongs to the record at
    /// this path, so deleting a source record left by a crash mid-move keeps the bytes.
    var movingTo: String?
    /// New at every write that stores bytes (see `StorageDriver.revision(of:)`).
    var revision: String?

    static func open(object: String) -> S3Record {
        S3Record(object: object, size: 0, finished: false, revision: newRevision())
    }

    static func newRevision() -> String { UUID().uuidString.lowercased() }

    var partsSize: Int64 { (parts ?? []).reduce(0) { $0 + $1.size } }

    func encoded() throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ByteBuffer(bytes: try encoder.encode(self))
    }

    static func decode(_ buffer: ByteBuffer, path: String) throws -> S3Record {
        do {
            return try JSONDecoder().decode(S3Record.self, from: Data(buffer.readableBytesView))
        } catch {
            throw StorageDriverError.service(operation: "read record", path: path, message: "not a Berth storage record: \(error)")
        }
    }
}
