import OCI

/// Where things live inside a storage driver. This is the single place paths are built:
///
/// ```
/// <root>/
///   blobs/<algorithm>/<first two hex>/<hex>/data   committed, content-addressed blob (stored once,
///                                                  shared by every repository that links it)
///   uploads/<session id>/data                      bytes received so far for an upload session
///   uploads/<session id>/hashstate                 its running hash, on drivers that need it
///   exports/<execution id>.csv                     a CVE export's file, until it is downloaded
///   quarantine/<algorithm>-<hex>-<millis>          a blob the scrub found corrupt (never served)
/// ```
///
/// An upload becomes a blob only by an atomic rename of `uploads/<id>/data` to its blob path after
/// the digest was verified and the file fsynced, so a crash never leaves a partial blob visible.
/// Which repositories may read a blob is recorded in the metadata database, not on disk.
public enum BlobLayout {
    public static func blob(_ digest: Digest) -> StoragePath {
        StoragePath(unchecked: ["blobs", digest.algorithm.rawValue, String(digest.hex.prefix(2)), digest.hex, "data"])
    }

    public static func blobDirectory(_ digest: Digest) -> StoragePath {
        StoragePath(unchecked: ["blobs", digest.algorithm.rawValue, String(digest.hex.prefix(2)), digest.hex])
    }

    public static let uploadsRoot = StoragePath(unchecked: ["uploads"])

    /// `blobs/<algorithm>/<prefix>`: the directory of the blobs whose hex starts with `prefix`.
    static func blobPrefix(_ algorithm: DigestAlgorithm, _ prefix: String) -> StoragePath {
        StoragePath(unchecked: ["blobs", algorithm.rawValue, prefix])
    }

    /// Where the scrub moves a blob whose bytes do not match its digest: outside `blobs/`, so it
    /// is never served again, and kept for an operator to look at.
    static func quarantine(_ digest: Digest, at millis: Int64) -> StoragePath {
        StoragePath(unchecked: ["quarantine", "\(digest.algorithm.rawValue)-\(digest.hex)-\(millis)"])
    }

    /// A small object the health check writes, reads back and removes (`/api/v2.0/health`).
    /// Outside `blobs/` and `uploads/`, so neither GC nor upload expiry ever sees it.
    static func healthProbe(_ name: String) -> StoragePath {
        StoragePath(unchecked: ["health", name])
    }

    public static func uploadDirectory(_ id: UploadID) -> StoragePath {
        StoragePath(unchecked: ["uploads", id.value])
    }

    public static func uploadData(_ id: UploadID) -> StoragePath {
        StoragePath(unchecked: ["uploads", id.value, "data"])
    }

    /// The session's hash state after its last request, for drivers that cannot read unfinished
    /// uploads (see `BlobStore`).
    static func uploadHashState(_ id: UploadID) -> StoragePath {
        StoragePath(unchecked: ["uploads", id.value, "hashstate"])
    }

    /// Outside `blobs/` and `uploads/`: garbage collection and upload expiry never see exports.
    public static func export(_ executionID: Int64) -> StoragePath {
        StoragePath(unchecked: ["exports", "\(executionID).csv"])
    }

    static func exportInProgress(_ executionID: Int64) -> StoragePath {
        StoragePath(unchecked: ["exports", "\(executionID).partial"])
    }
}

/// An upload session id: a lowercase UUID, validated so it is safe as a path component.
public struct UploadID: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count == 36 else { return nil }
        for (i, c) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == 0x2d else { return nil }
            } else {
                guard (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) else { return nil }
            }
        }
        self.value = value
    }

    public static func random() -> UploadID {
        UploadID(UUIDString.random())!
    }

    public var description: String { value }
}

enum UUIDString {
    static func random() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}
