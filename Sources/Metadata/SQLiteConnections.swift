import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// One writer and a few reader connections to one SQLite file in WAL mode. Writers queue on an
/// async lock because a transaction must own its connection from BEGIN to COMMIT.
final class SQLiteConnections: Sendable {
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let next = NIOLockedValueBox(0)
    private let writeLock = AsyncLock()

    static func open(path: String, readers count: Int, logger: Logger) async throws -> SQLiteConnections {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000"] {
            _ = try await writer.query(pragma)
        }
        var readers: [SQLiteConnection] = []
        for _ in 0..<count {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for pragma in ["PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000", "PRAGMA query_only=ON"] {
                _ = try await reader.query(pragma)
            }
            readers.append(reader)
        }
        return SQLiteConnections(writer: writer, readers: readers)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    func reader() -> any SQLDatabase {
        let index = next.withLockedValue { value -> Int in
            value = (value + 1) % readers.count
            return value
        }
        return readers[index].sql(queryLogLevel: nil)
    }

    func withWriter<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeLock.withLock { try await body(writer.sql(queryLogLevel: nil)) }
    }

    func close() async {
        for connection in readers + [writer] { try? await connection.close() }
    }
}

/// A FIFO mutual-exclusion lock for async code.
final class AsyncLock: Sendable {
    private let state = NIOLockedValueBox<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLockedValue { s -> Bool in
                if !s.locked {
                    s.locked = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.locked = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
