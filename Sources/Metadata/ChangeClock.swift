import Logging
import NIOConcurrencyHelpers
import SQLKit

/// Where the change clock stood when a cache entry's rows were read. Two stamps are equal only if
/// no change to what pulls are answered from was counted between them.
public struct ChangeStamp: Sendable, Equatable {
    /// The count every process shares (a row on SQLite, a sequence on PostgreSQL).
    let shared: Int64
    /// This process's own count: moves with every change made here, even one whose shared count
    /// could not be advanced.
    let local: UInt64
}

/// A count that moves with every committed change to what a pull is answered from: tags,
/// manifests, repositories, projects and their settings (`MetadataDatabase.writeChangingPulls`).
/// A cached answer keeps the stamp read *before* its rows were read, and is good while the clock
/// still reads that stamp.
///
/// - SQLite: a row moved inside the writing transaction, so the count and the change commit
///   together, also when `berth gc` or `berth scrub` writes from another process.
/// - PostgreSQL: a sequence, since one row moved by every push would make concurrent pushes on
///   all nodes wait for each other. `nextval` takes no lock and every session sees it at once; a
///   writer calls it after its commit and before it answers its client. A reader that sees count
///   N therefore reads its rows after every change counted up to N committed, so an answer stamped
///   N includes them all; a change not yet counted is one whose client has not yet heard that it
///   succeeded. So a tag moved on one node is served moved by every node as soon as the push is
///   answered.
///
/// Reading the count is one small statement; requests that arrive while a read is running share
/// the next one, so under load the clock costs one statement per round trip, not per request.
public final class ChangeClock: Sendable {
    /// The database that owns this clock, set once by its initializer before anything else can
    /// see the clock. Weak, since the database holds the clock, and a read still running when the
    /// database goes must find nil rather than freed memory.
    nonisolated(unsafe) weak var database: MetadataDatabase?
    private let local = NIOLockedValueBox<UInt64>(0)
    private let reads = NIOLockedValueBox(SharedReads())
    private let logger: Logger

    struct SharedReads {
        var running = false
        var waiting: [CheckedContinuation<Int64?, Never>] = []
    }

    init(logger: Logger) {
        self.logger = logger
    }

    /// The clock now, or nil if it cannot be read (the database unreachable): then read the rows.
    public func now() async -> ChangeStamp? {
        let local = self.local.withLockedValue { $0 }
        guard let shared = await sharedCount() else { return nil }
        return ChangeStamp(shared: shared, local: local)
    }

    /// SQLite: moves the shared count inside the transaction that makes the change.
    static func advanceInTransaction(_ db: any SQLDatabase) async throws {
        try await db.raw("UPDATE registry_changes SET count = count + 1 WHERE id = 1").run()
    }

    /// Counts a change once its transaction has ended, before its client is answered.
    func advance() async {
        local.withLockedValue { $0 &+= 1 }
        guard let database, database.kind == .postgres else { return }
        // A failure leaves other nodes' answers stale until the next change or until their entries
        // age out (`PullCache.maximumAgeSeconds`); this node's own count has moved already.
        do {
            try await database.read { db in try await db.raw("SELECT nextval('registry_changes')").run() }
        } catch {
            logger.warning("could not advance the shared change clock; other nodes may serve cached pull answers for up to \(PullCache.maximumAgeSeconds) s: \(error)")
        }
    }

    /// One read of the count serves every caller that arrived before it began.
    private func sharedCount() async -> Int64? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int64?, Never>) in
            let start = reads.withLockedValue { state -> Bool in
                state.waiting.append(continuation)
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { Task { await self.readRounds() } }
        }
    }

    private func readRounds() async {
        while true {
            let batch = reads.withLockedValue { state -> [CheckedContinuation<Int64?, Never>] in
                let batch = state.waiting
                state.waiting = []
                if batch.isEmpty { state.running = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let count = await readShared()
            for continuation in batch { continuation.resume(returning: count) }
        }
    }

    private func readShared() async -> Int64? {
        guard let database else { return nil }
        let query: SQLQueryString = database.kind == .postgres
            // A new sequence reads last_value 1 before its first nextval and after it: is_called
            // tells the two apart, or the first change would not move the clock.
            ? "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS count FROM registry_changes"
            : "SELECT count FROM registry_changes WHERE id = 1"
        return try? await database.read { db in
            try await db.raw(query).first()?.decode(column: "count", as: Int64.self)
        }
    }
}
