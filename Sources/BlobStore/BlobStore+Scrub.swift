import Foundation
import NIOCore
import OCI

/// What the scrub needs from storage: the blobs stored under each two-hex prefix, their bytes
/// hashed again, and a way to take a corrupt one out of service.
extension BlobStore {
    /// The two-hex-digit prefixes blobs are spread over (`00` to `ff`), in order.
    public static let blobPrefixes: [String] = (0..<256).map { String(format: "%02x", $0) }

    /// Digests of the blobs stored under `prefix` (those with a `data` file are not told apart from
    /// an empty directory here: `rehash` finds the difference). Names that are not a digest of
    /// this algorithm are left out and returned in `strays`.
    public func storedDigests(_ algorithm: DigestAlgorithm, prefix: String) async throws -> (digests: [Digest], strays: [String]) {
        var digests: [Digest] = [], strays: [String] = []
        for name in try await driver.list(BlobLayout.blobPrefix(algorithm, prefix)) {
            if let digest = try? Digest(algorithm: algorithm, hex: name), name.hasPrefix(prefix) {
                digests.append(digest)
            } else {
                strays.append("blobs/\(algorithm.rawValue)/\(prefix)/\(name)")
            }
        }
        return (digests.sorted(), strays)
    }

    /// Reads the blob's bytes and hashes them again; nil when there is no file. `pace` is called
    /// before each chunk with its size (the scrub's rate limit).
    public func rehash(_ digest: Digest, pace: @Sendable (Int) async throws -> Void) async throws -> (digest: Digest, size: Int64)? {
        guard let size = try await size(of: digest) else { return nil }
        var hasher = DigestHasher(algorithm: digest.algorithm)
        var read: Int64 = 0
        do {
            try await driver.read(BlobLayout.blob(digest), range: 0..<size, chunkSize: readChunkSize) { buffer in
                try await pace(buffer.readableBytes)
                buffer.withUnsafeReadableBytes { hasher.update($0) }
                read += Int64(buffer.readableBytes)
            }
        } catch StorageDriverError.pathNotFound {
            return nil
        }
        return (hasher.finalize(), read)
    }

    /// Moves a corrupt blob's file out of `blobs/` (to `quarantine/`), so that it is never served
    /// and a client pushing the blob again stores good bytes. Returns where it went.
    @discardableResult
    public func quarantine(_ digest: Digest) async throws -> String {
        let destination = BlobLayout.quarantine(digest, at: Int64(Date().timeIntervalSince1970 * 1000))
        try await driver.move(BlobLayout.blob(digest), to: destination)
        try await driver.delete(BlobLayout.blobDirectory(digest))
        return destination.description
    }
}
