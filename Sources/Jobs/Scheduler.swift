import Foundation
import Logging
import Metadata

/// Fires due schedules into the queue. Every node runs one; the conditional update in
/// `ScheduleStore.fire` makes each tick fire on exactly one of them. Pausing the `SCHEDULER`
/// queue (Harbor's `/jobservice/queues/SCHEDULER`) holds all schedules.
public struct Scheduler: Sendable {
    public static let queueName = "SCHEDULER"

    public let schedules: ScheduleStore
    public let pool: JobWorkerPool
    /// A tick missed by more than this (the server was down) is skipped, not replayed.
    public var graceMillis: Int64 = 60_000
    let logger: Logger

    public init(schedules: ScheduleStore, pool: JobWorkerPool, logger: Logger) {
        self.schedules = schedules
        self.pool = pool
        self.logger = logger
    }

    /// Fires what is due at `now`; returns the executions enqueued.
    @discardableResult
    public func tick(now: Date = Date()) async throws -> [Int64] {
        let nowMillis = ScheduleStore.millis(now)
        if try await pool.store.isPaused(jobType: Self.queueName) { return [] }
        var enqueued: [Int64] = []
        for record in try await schedules.due(now: nowMillis) {
            let next: Int64
            if let expression = try? CronExpression(parsing: record.cron), let date = expression.next(after: now) {
                next = ScheduleStore.millis(date)
            } else {
                next = Int64.max
            }
            let task = TaskSpec(jobType: record.vendorType, parameters: record.parameters, maxAttempts: pool.maxAttempts(of: record.vendorType))
            if let id = try await schedules.fire(record, next: next, now: nowMillis, graceMillis: graceMillis, task: task) {
                enqueued.append(id)
            } else if nowMillis - record.nextFireAt > graceMillis {
                logger.info("skipped a schedule's missed tick", metadata: ["vendor": "\(record.vendorType)", "cron": "\(record.cron)"])
            }
        }
        if !enqueued.isEmpty { pool.notify() }
        return enqueued
    }

    /// Ticks every second until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch where !Task.isCancelled {
                logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
            } catch {
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
