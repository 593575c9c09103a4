import Logging
import NIOConcurrencyHelpers
import SQLKit

/// Writes the audit log. Changes (create, delete, push) are rare and written at once. Pulls are
/// the hot path, so they only append to an in-memory buffer; `flush` writes the buffer in one
/// transaction (multi-row INSERTs plus the repositories' `pull_count` and the artifacts'
/// `pulled_at`), every `interval` once `start` was called, as soon as `batchSize` pulls are
/// waiting, and on `close`. A crash loses at most the last interval's pull lines.
public final class AuditRecorder: Sendable {
    public static let batchSize = 500
    /// Pulls kept while the database refuses the flush; beyond this the oldest are dropped.
    static let maximumBuffered = 20 * batchSize

    struct Pull: Sendable {
        let event: AuditEvent
        let repository: String
        let manifestID: Int64
    }

    private let database: MetadataDatabase
    private let logger: Logger
    private let pending = NIOLockedValueBox<[Pull]>([])
    private let flushing = AsyncLock()
    private let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// Which lines are kept and forwarded; nil keeps every line in the database.
    private let policy: (any AuditPolicy)?

    public init(database: MetadataDatabase, policy: (any AuditPolicy)? = nil) {
        self.database = database
        self.logger = database.logger
        self.policy = policy
    }

    /// Records a change. A failure to write is logged, not thrown: the change itself succeeded.
    public func record(_ event: AuditEvent) async {
        if let policy {
            guard await policy.admits(event) else { return }
            await policy.forward([event])
            guard await policy.keepsInDatabase else { return }
        }
        do {
            try await AuditLogStore(database: database).insert([event])
        } catch {
            logger.error("audit log write failed", metadata: ["operation": "\(event.operation)", "error": "\(error)"])
        }
    }

    /// Buffers a manifest pull; costs no database round trip.
    public func recordPull(_ event: AuditEvent, repository: String, manifestID: Int64) {
        let count = pending.withLockedValue { buffer -> Int in
            buffer.append(Pull(event: event, repository: repository, manifestID: manifestID))
            return buffer.count
        }
        if count == Self.batchSize {
            Task { await self.flushLogged() }
        }
    }

    public var bufferedPulls: Int { pending.withLockedValue { $0.count } }

    /// Writes every buffered pull now. Flushes run one at a time.
    public func flush() async throws {
        try await flushing.withLock {
            let pulls = pending.withLockedValue { buffer -> [Pull] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            guard !pulls.isEmpty else { return }
            // Pull counts and times are kept whatever the audit settings say; the lines may not be.
            var lines = pulls.map(\.event)
            if let policy {
                var admitted: [AuditEvent] = []
                for line in lines where await policy.admits(line) { admitted.append(line) }
                await policy.forward(admitted)
                lines = await policy.keepsInDatabase ? admitted : []
            }
            let kept = lines
            do {
                try await database.write { db in try await Self.write(pulls, lines: kept, in: db) }
            } catch {
                // Keep the lines for the next attempt, within bounds.
                pending.withLockedValue { buffer in
                    buffer.insert(contentsOf: pulls, at: 0)
                    if buffer.count > Self.maximumBuffered { buffer.removeFirst(buffer.count - Self.maximumBuffered) }
                }
                throw error
            }
        }
    }

    /// Flushes every `interval` until `close`.
    public func start(interval: Duration = .seconds(1)) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self else { return }
                // A task of its own, so that `close` cancelling the timer cannot abort a write midway.
                await Task { await self.flushLogged() }.value
            }
        }
        timer.withLockedValue { $0?.cancel(); $0 = task }
    }

    /// Stops the periodic flush (tests use this to decide when pulls are written).
    public func stopTimer() async {
        let task = timer.withLockedValue { value -> Task<Void, Never>? in
            defer { value = nil }
            return value
        }
        task?.cancel()
        await task?.value
    }

    /// Stops the timer and writes what is buffered.
    public func close() async {
        await stopTimer()
        await flushLogged()
    }

    private func flushLogged() async {
        do {
            try await flush()
        } catch {
            logger.error("audit log flush failed; pulls kept for the next attempt", metadata: ["error": "\(error)"])
        }
    }

    private static func write(_ pulls: [Pull], lines: [AuditEvent], in db: any SQLDatabase) async throws {
        try await AuditLogStore.insert(lines, in: db)
        var perRepository: [String: Int64] = [:]
        var lastPull: [Int64: Int64] = [:]
        for pull in pulls {
            perRepository[pull.repository, default: 0] += 1
            lastPull[pull.manifestID] = max(lastPull[pull.manifestID] ?? 0, pull.event.time)
        }
        for (repository, count) in perRepository.sorted(by: { $0.key < $1.key }) {
            try await db.raw("UPDATE repositories SET pull_count = pull_count + \(bind: count) WHERE name = \(bind: repository)").run()
        }
        for (manifestID, time) in lastPull.sorted(by: { $0.key < $1.key }) {
            try await db.raw("""
                UPDATE manifests SET pulled_at = \(bind: time)
                WHERE id = \(bind: manifestID) AND (pulled_at IS NULL OR pulled_at < \(bind: time))
                """).run()
        }
    }
}
