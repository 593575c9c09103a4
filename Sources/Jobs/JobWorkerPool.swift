import Foundation
import Logging
import Metadata
import NIOConcurrencyHelpers

/// One process's workers: `concurrency` loops that claim tasks of the kinds this process knows,
/// run them with heartbeats, and record how they ended; plus the reaper that takes back tasks
/// whose worker (on any node) died. Several processes on one PostgreSQL share the queue.
public final class JobWorkerPool: Sendable {
    public struct Settings: Sendable, Equatable {
        public var concurrency = 4
        /// How long a claim lasts without a heartbeat: a killed worker's task is retaken after it.
        public var leaseMillis: Int64 = 30_000
        public var heartbeatMillis: Int64 = 2_000
        /// How often an idle worker looks for work (enqueuing on this node wakes it at once).
        public var pollMillis: Int64 = 1_000
        public var retryDelayMillis: Int64 = 5_000

        public init() {}
    }

    /// A pool that sent no heartbeat for this long is gone (its node stopped or died).
    public static let poolTimeoutMillis: Int64 = 60_000

    public let store: JobStore
    public let poolID: String
    public let settings: Settings
    private let kinds: [String: any JobKind]
    private let logger: Logger
    /// Idle workers waiting for `notify()`, by a number of their own so cancellation can find them.
    private let wake = NIOLockedValueBox<(next: Int, waiting: [Int: CheckedContinuation<Void, Never>])>((0, [:]))

    /// Told when a task ended for good (not when it is retried): webhooks' scan, replication and
    /// retention events. Called after the end is stored; must be quick.
    public typealias FinishObserver = @Sendable (_ task: JobTask, _ status: TaskStatus, _ result: String?) async -> Void
    private let onFinished: FinishObserver?

    public init(store: JobStore, kinds: [any JobKind], settings: Settings = Settings(), logger: Logger,
                onFinished: FinishObserver? = nil) {
        self.onFinished = onFinished
        self.store = store
        self.settings = settings
        self.logger = logger
        var table: [String: any JobKind] = [:]
        for kind in kinds { table[kind.jobType] = kind }
        self.kinds = table
        self.poolID = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
    }

    public var jobTypes: [String] { kinds.keys.sorted() }

    public func maxAttempts(of jobType: String) -> Int { kinds[jobType]?.maxAttempts ?? 3 }

    /// Runs until cancelled.
    public func run() async {
        let start = WallClock.nowMillis()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.maintain(start: start) }
            for slot in 0..<settings.concurrency {
                group.addTask { await self.workLoop(workerID: "\(self.poolID):\(slot)") }
            }
            await group.waitForAll()
        }
        try? await store.unregisterPool(poolID)
    }

    /// Wakes idle workers (after an enqueue on this node) instead of waiting for their next poll.
    public func notify() {
        let waiting = wake.withLockedValue { state in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Claims and runs one task, if one is due. Returns whether it ran one.
    @discardableResult
    public func runOnce(workerID: String) async throws -> Bool {
        guard let task = try await store.claim(workerID: workerID, jobTypes: jobTypes, leaseMillis: settings.leaseMillis) else {
            return false
        }
        await execute(task, workerID: workerID)
        return true
    }

    /// Runs one given pending task here and now, echoing its log lines; returns its final status,
    /// or nil when it was no longer pending (another worker took it).
    public func run(taskID: Int64, workerID: String, echo: @escaping @Sendable (String) -> Void) async throws -> TaskStatus? {
        guard let task = try await store.claim(taskID: taskID, workerID: workerID, leaseMillis: settings.leaseMillis) else { return nil }
        await execute(task, workerID: workerID, echo: echo)
        return try await store.task(taskID)?.status
    }

    private func workLoop(workerID: String) async {
        while !Task.isCancelled {
            do {
                if try await runOnce(workerID: workerID) { continue }
            } catch where !Task.isCancelled {
                logger.warning("claiming a job failed", metadata: ["error": "\(error)"])
            } catch {
                return
            }
            if Task.isCancelled { return }
            await idle(millis: settings.pollMillis)
        }
    }

    private func maintain(start: Int64) async {
        while !Task.isCancelled {
            do {
                let now = WallClock.nowMillis()
                try await store.registerPool(WorkerPoolRecord(poolID: poolID, host: ProcessInfo.processInfo.hostName, pid: Int64(getpid()),
                                                              concurrency: settings.concurrency, startAt: start, heartbeatAt: now))
                let reaped = try await store.reapExpiredLeases(now: now, retryDelayMillis: settings.retryDelayMillis)
                try await store.forgetPools(silentSince: now - Self.poolTimeoutMillis)
                if reaped > 0 {
                    logger.info("took back jobs whose worker stopped", metadata: ["count": "\(reaped)"])
                    notify()
                }
            } catch where !Task.isCancelled {
                logger.warning("job maintenance failed", metadata: ["error": "\(error)"])
            } catch {
                return
            }
            try? await Task.sleep(for: .milliseconds(settings.heartbeatMillis))
        }
    }

    private func idle(millis: Int64) async {
        // Whichever comes first: the poll interval or a notify().
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: .milliseconds(millis)) }
            group.addTask { await self.waitForNotify() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next `notify()`, or when cancelled; each waiter is resumed exactly once,
    /// by whichever of the two removes it from the table first.
    private func waitForNotify() async {
        let id = wake.withLockedValue { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = wake.withLockedValue { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            wake.withLockedValue { $0.waiting.removeValue(forKey: id) }?.resume()
        }
    }

    /// Runs the task's work beside a heartbeat loop; a stop request or a lost lease cancels the work.
    func execute(_ task: JobTask, workerID: String, echo: (@Sendable (String) -> Void)? = nil) async {
        let context = JobContext(task: task, echo: echo)
        guard let kind = kinds[task.jobType] else {
            try? await store.finish(taskID: task.id, workerID: workerID,
                                    outcome: .failure(message: "no worker knows the job type \(task.jobType)", retryAt: nil), log: "")
            return
        }
        if task.attempt > 1 { context.log("attempt \(task.attempt) of \(task.maxAttempts)") }
        enum Ending: Sendable { case finished(String?), stopRequested, lost }
        let ending: Ending = await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                do {
                    try await kind.run(context)
                    return .finished(nil)
                } catch is CancellationError {
                    // cancelled by the stop or the lost lease that ended the run, or by shutdown
                    return Task.isCancelled ? nil : .finished("the job was cancelled")
                } catch {
                    return .finished(String(describing: error))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(self.settings.heartbeatMillis))
                    if Task.isCancelled { return nil }
                    let log = context.drainLog()
                    do {
                        switch try await self.store.heartbeat(taskID: task.id, workerID: workerID, leaseMillis: self.settings.leaseMillis,
                                                              log: log) {
                        case .keepGoing: continue
                        case .stopRequested: return .stopRequested
                        case .lost: return .lost
                        }
                    } catch {
                        // Not written (often a heartbeat cancelled mid-write because the work just
                        // ended): the lines go with the next heartbeat or with the task's end.
                        context.restoreLog(log)
                        if !Task.isCancelled {
                            self.logger.warning("job heartbeat failed", metadata: ["task": "\(task.id)", "error": "\(error)"])
                        }
                    }
                }
                return nil
            }
            var result: Ending = .lost
            while let next = await group.next() {
                if let next { result = next; break }
            }
            group.cancelAll()
            // the work may end by cancellation now; a stop or a lost lease decided the ending already
            while await group.next() != nil {}
            return result
        }
        let outcome: JobStore.Outcome
        switch ending {
        case .lost:
            logger.warning("job lost its lease; its result is dropped", metadata: ["task": "\(task.id)"])
            return
        case .stopRequested:
            context.log("stopped on request")
            outcome = .stopped
        case .finished(nil):
            outcome = .success
        case .finished(let message?):
            context.log("error: \(message)")
            let retry = task.attempt < task.maxAttempts ? WallClock.nowMillis() + settings.retryDelayMillis * Int64(task.attempt) : nil
            outcome = .failure(message: message, retryAt: retry)
        }
        do {
            let status = try await store.finish(taskID: task.id, workerID: workerID, outcome: outcome, log: context.drainLog(),
                                                result: context.result)
            if let status, status != .pending, let onFinished { await onFinished(task, status, context.result) }
        } catch {
            // The lease runs out and the reaper decides; the task is never left Running.
            logger.warning("recording a job's end failed", metadata: ["task": "\(task.id)", "error": "\(error)"])
        }
    }
}
