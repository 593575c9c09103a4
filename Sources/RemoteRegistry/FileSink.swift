import AsyncHTTPClient
import Foundation
import NIOCore
import OCI

/// Writes a response body to a file as it arrives: never held in memory, hashed on the way, and
/// present under its name only once complete (written, fsynced, renamed). A failure removes the
/// partial file.
enum FileSink {
    static func write(_ body: HTTPClientResponse.Body, to path: String, limit: Int64, url: String,
                      algorithm: DigestAlgorithm = .sha256) async throws -> (size: Int64, digest: Digest) {
        let partial = path + ".partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw RemoteError.unsupported("cannot create \(partial): \(String(cString: strerror(errno)))") }
        var hasher = DigestHasher(algorithm: algorithm)
        var size: Int64 = 0
        do {
            for try await buffer in body {
                size += Int64(buffer.readableBytes)
                guard size <= limit else { throw RemoteError.tooLarge(url: url, limit: limit) }
                try buffer.withUnsafeReadableBytes { bytes in
                    hasher.update(bytes)
                    var offset = 0
                    while offset < bytes.count {
                        let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw RemoteError.unsupported("cannot write \(partial): \(String(cString: strerror(errno)))")
                        }
                        offset += written
                    }
                }
            }
            guard fsync(fd) == 0 else { throw RemoteError.unsupported("cannot fsync \(partial): \(String(cString: strerror(errno)))") }
            close(fd)
        } catch {
            close(fd)
            unlink(partial)
            throw error
        }
        guard rename(partial, path) == 0 else {
            unlink(partial)
            throw RemoteError.unsupported("cannot rename \(partial): \(String(cString: strerror(errno)))")
        }
        return (size, hasher.finalize())
    }
}
