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
                #if os(Linux)
                // Start writing these pages to disk now, so the fsync at commit has little left to
                // do instead of flushing the whole blob at once.
                _ = linuxSyncFileRange(fd, Int64(offset), Int64(done), syncFileRangeWrite)
                #endif
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

#if os(Linux)
// Glibc declares sync_file_range only under _GNU_SOURCE, which Swift's Glibc module does not set.
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
/// SYNC_FILE_RANGE_WRITE from <fcntl.h>: start write-out of dirty pages without waiting.
private let syncFileRangeWrite: UInt32 = 2
#endif
