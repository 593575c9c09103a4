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

    func write(_ buffers: [ByteBuffer]) async throws {
        let offset = size
        let fd = self.fd, path = self.path
        let written = try await threadPool.runIfActive { () throws -> Int in
            let done = try Self.gatherWrite(fd: fd, buffers: buffers, offset: offset, path: path)
            #if os(Linux)
            // Start writing these pages to disk now, so the fsync at commit has little left to
            // do instead of flushing the whole blob at once.
            _ = linuxSyncFileRange(fd, Int64(offset), Int64(done), syncFileRangeWrite)
            #endif
            return done
        }
        state.withLockedValue { $0.size += Int64(written) }
    }

    /// pwritev of all buffers at `offset`, continuing after short writes.
    private static func gatherWrite(fd: Int32, buffers: [ByteBuffer], offset: Int64, path: String) throws -> Int {
        // The buffers' storage stays put while `buffers` is alive and unmodified.
        var pieces: [(UnsafeRawPointer, Int)] = []
        for buffer in buffers where buffer.readableBytes > 0 {
            buffer.withUnsafeReadableBytes { pieces.append(($0.baseAddress!, $0.count)) }
        }
        let total = pieces.reduce(0) { $0 + $1.1 }
        var done = 0
        try withExtendedLifetime(buffers) {
            while done < total {
                var skip = done
                var vectors: [iovec] = []
                for (base, count) in pieces {
                    if skip >= count { skip -= count; continue }
                    vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: base + skip), iov_len: count - skip))
                    skip = 0
                    if vectors.count == 512 { break }  // below IOV_MAX
                }
                let n = vectors.withUnsafeBufferPointer { pwritev(fd, $0.baseAddress, Int32($0.count), off_t(offset) + off_t(done)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw StorageDriverError.io(operation: "pwritev", path: path, errno: errno)
                }
                done += n
            }
        }
        return done
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
