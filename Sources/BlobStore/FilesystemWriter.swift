#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Appends to one open file. Callers write sequentially (one request body at a time), so the
/// lock only guards the size counter against misuse, not concurrent writers.
final class FilesystemWriter: StorageWriter {
    private let fd: Int32
    private let path: String
    private let threadPool: NIOThreadPool
    private let state: NIOLockedValueBox<(size: Int64, closed: Bool)>

    init(fd: Int32, path: String, startSize: Int64, threadPool: NIOThreadPool) {
        self.fd = fd
        self.path = path
        self.threadPool = threadPool
        self.state = NIOLockedValueBox((startSize, false))
    }

    var size: Int64 { state.withLockedValue { $0.size } }

    func write(_ buffer: ByteBuffer) async throws {
        let offset = size
        let fd = self.fd, path = self.path
        let written = try await threadPool.runIfActive { () throws -> Int in
            try buffer.withUnsafeReadableBytes { raw -> Int in
                var done = 0
                while done < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StorageDriverError.io(operation: "pwrite", path: path, errno: errno)
                    }
                    done += n
                }
                return done
            }
        }
        state.withLockedValue { $0.size += Int64(written) }
    }

    func commit() async throws {
        let fd = self.fd, path = self.path
        try await threadPool.runIfActive {
            guard fsync(fd) == 0 else { throw StorageDriverError.io(operation: "fsync", path: path, errno: errno) }
        }
    }

    func close() async throws {
        let shouldClose = state.withLockedValue { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        if shouldClose { _ = Glibc.close(fd) }
    }

    deinit {
        if !state.withLockedValue({ $0.closed }) { _ = Glibc.close(fd) }
    }
}
