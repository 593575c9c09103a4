#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

/// The default driver: a directory tree on local disk. Blocking system calls run on NIO's thread pool
/// so that no event loop or cooperative-pool thread waits for the disk.
public struct FilesystemDriver: StorageDriver {
    public let root: String
    private let threadPool: NIOThreadPool

    public init(root: String, threadPool: NIOThreadPool = .singleton) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.threadPool = threadPool
        try Self.makeDirectories(self.root)
    }

    public var readsUnfinishedWrites: Bool { true }

    func absolute(_ path: StoragePath) -> String {
        path.components.isEmpty ? root : root + "/" + path.description
    }

    public func size(of path: StoragePath) async throws -> Int64? {
        let full = absolute(path)
        return try await threadPool.runIfActive {
            var info = stat()
            if stat(full, &info) != 0 {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw StorageDriverError.io(operation: "stat", path: full, errno: errno)
            }
            return (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
        }
    }

    public func read(_ path: StoragePath, range: Range<Int64>, chunkSize: Int,
                     consume: (ByteBuffer) async throws -> Void) async throws {
        let full = absolute(path)
        let fd = try await openForReading(path)
        defer { close(fd) }
        var offset = range.lowerBound
        // Read the next chunk while the previous one is being written to the client.
        var pending: Task<ByteBuffer, any Error>? = offset < range.upperBound
            ? readChunk(fd: fd, offset: offset, count: Int(min(Int64(chunkSize), range.upperBound - offset)), path: full)
            : nil
        while let current = pending {
            let buffer = try await current.value
            guard buffer.readableBytes > 0 else {
                throw StorageDriverError.io(operation: "read (file shrank)", path: full, errno: 0)
            }
            offset += Int64(buffer.readableBytes)
            pending = offset < range.upperBound
                ? readChunk(fd: fd, offset: offset, count: Int(min(Int64(chunkSize), range.upperBound - offset)), path: full)
                : nil
            do {
                try await consume(buffer)
            } catch {
                _ = try? await pending?.value
                throw error
            }
        }
    }

    public func openForSending(_ path: StoragePath) async throws -> NIOFileHandle? {
        // NIO's `FileRegion` (its `sendfile` path) takes only this handle type.
        NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: try await openForReading(path))
    }

    /// A read-only descriptor for `path`, opened off the event loop; the caller closes it.
    private func openForReading(_ path: StoragePath) async throws -> Int32 {
        let full = absolute(path)
        return try await threadPool.runIfActive { () throws -> Int32 in
            let fd = open(full, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                if errno == ENOENT { throw StorageDriverError.pathNotFound(path.description) }
                throw StorageDriverError.io(operation: "open", path: full, errno: errno)
            }
            return fd
        }
    }

    private func readChunk(fd: Int32, offset: Int64, count: Int, path: String) -> Task<ByteBuffer, any Error> {
        let pool = threadPool
        return Task {
            try await pool.runIfActive {
                var buffer = ByteBufferAllocator().buffer(capacity: count)
                let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
                    var done = 0
                    while done < count {
                        let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                        if n < 0 {
                            if errno == EINTR { continue }
                            throw StorageDriverError.io(operation: "pread", path: path, errno: errno)
                        }
                        if n == 0 { break }
                        done += n
                    }
                    return done
                }
                _ = read
                return buffer
            }
        }
    }

    public func appender(_ path: StoragePath) async throws -> any StorageWriter {
        let full = absolute(path)
        let parent = path.parent.map(absolute) ?? root
        let (fd, size) = try await threadPool.runIfActive { () throws -> (Int32, Int64) in
            try Self.makeDirectories(parent)
            let fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StorageDriverError.io(operation: "open", path: full, errno: errno) }
            var info = stat()
            fstat(fd, &info)
            return (fd, Int64(info.st_size))
        }
        return FilesystemWriter(fd: fd, path: full, startSize: size, threadPool: threadPool)
    }

    /// Written beside the target, fsynced, then renamed over it.
    public func put(_ path: StoragePath, contents: ByteBuffer) async throws {
        guard let name = path.components.last, let parent = path.parent else { throw StorageDriverError.invalidPath(path.description) }
        let temporary = StoragePath(unchecked: parent.components + [".\(name).\(UUIDString.random())"])
        let writer = try await appender(temporary)
        do {
            try await writer.write(contents)
            try await writer.commit()
            try await writer.close()
            try await move(temporary, to: path)
        } catch {
            try? await writer.close()
            try? await delete(temporary)
            throw error
        }
    }

    public func move(_ source: StoragePath, to destination: StoragePath) async throws {
        let from = absolute(source), to = absolute(destination)
        let parent = destination.parent.map(absolute) ?? root
        try await threadPool.runIfActive {
            try Self.makeDirectories(parent)
            guard rename(from, to) == 0 else {
                if errno == ENOENT { throw StorageDriverError.pathNotFound(source.description) }
                throw StorageDriverError.io(operation: "rename", path: from, errno: errno)
            }
            // Make the rename itself durable.
            let dirFD = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dirFD >= 0 {
                fsync(dirFD)
                close(dirFD)
            }
        }
    }

    public func delete(_ path: StoragePath) async throws {
        let full = absolute(path)
        try await threadPool.runIfActive { try Self.removeTree(full) }
    }

    /// One trip to the I/O thread for the whole batch, instead of one per path.
    public func delete(_ paths: [StoragePath]) async throws {
        let full = paths.map(absolute)
        try await threadPool.runIfActive { for path in full { try Self.removeTree(path) } }
    }

    public func list(_ path: StoragePath) async throws -> [String] {
        let full = absolute(path)
        return try await threadPool.runIfActive { try Self.entries(of: full) }
    }

    public func redirectURL(for path: StoragePath) async throws -> String? { nil }

    public func capacity() async throws -> (total: Int64, free: Int64)? {
        let root = self.root
        return try await threadPool.runIfActive {
            var info = statvfs()
            guard statvfs(root, &info) == 0 else { throw StorageDriverError.io(operation: "statvfs", path: root, errno: errno) }
            let unit = Int64(info.f_frsize)
            // f_bavail: what an unprivileged writer may still use, as `df` shows it.
            return (Int64(info.f_blocks) * unit, Int64(info.f_bavail) * unit)
        }
    }

    static func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw StorageDriverError.io(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    static func entries(of directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw StorageDriverError.io(operation: "opendir", path: directory, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw StorageDriverError.io(operation: "lstat", path: path, errno: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try entries(of: path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else {
                throw StorageDriverError.io(operation: "rmdir", path: path, errno: errno)
            }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw StorageDriverError.io(operation: "unlink", path: path, errno: errno)
        }
    }
}
