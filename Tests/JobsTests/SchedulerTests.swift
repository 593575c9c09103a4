import BerthTestSupport
import Foundation
import Logging
import Metadata
import Testing
@testable import Jobs

@Suite struct SchedulerTests {
    func scheduler(_ db: MetadataDatabase) -> Scheduler {
        let pool = JobWorkerPool(store: JobStore(database: db), kinds: [EchoJob()], logger: Logger(label: "test"))
        return Scheduler(schedules: ScheduleStore(database: db), pool: pool, logger: Logger(label: "test"))
    }

    @Test func firesOncePerTickAndComputesTheNextFromNow() async throws {
        try await TestDatabase.with { db in
            let scheduler = scheduler(db)
            let created = instant("2026-12-02T14:03:07Z")
            let record = try await scheduler.schedules.put(vendorType: "ECHO", schedule: try HarborSchedule(type: "Daily", cron: "0 0 2 * * *"),
                                                           parameters: #"{"x":1}"#, now: created)
            #expect(record.cronType == "Daily" && record.cron == "0 0 2 * * *")
            #expect(record.nextFireAt == ScheduleStore.millis(instant("2026-12-03T02:00:00Z")))
            #expect(try await scheduler.tick(now: instant("2026-12-03T01:59:59Z")).isEmpty)
            let fired = try await scheduler.tick(now: instant("2026-12-03T02:00:00.400Z"))
            #expect(fired.count == 1)
            let execution = try #require(try await scheduler.pool.store.execution(fired[0]))
            #expect(execution.trigger == .schedule && execution.vendorType == "ECHO" && execution.parameters == #"{"x":1}"#)
            #expect(try await scheduler.tick(now: instant("2026-12-03T02:00:01Z")).isEmpty, "the tick was taken")
            #expect(try await scheduler.schedules.get(vendorType: "ECHO")?.nextFireAt == ScheduleStore.millis(instant("2026-12-04T02:00:00Z")))
        }
    }

    /// Several nodes tick at the same moment: one execution.
    @Test func concurrentSchedulersFireATickOnce() async throws {
        try await TestDatabase.with { db in
            let nodes = (0..<4).map { _ in scheduler(db) }
            try await nodes[0].schedules.put(vendorType: "ECHO", schedule: try HarborSchedule(type: "Hourly", cron: nil), parameters: "{}",
                                             now: instant("2026-12-02T14:03:07Z"))
            let due = instant("2026-12-02T15:00:00.100Z")
            let fired = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for node in nodes { group.addTask { try await node.tick(now: due) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(fired.count == 1)
            #expect(try await nodes[0].pool.store.executions(vendorType: "ECHO", page: OffsetRequest(offset: 0, limit: 10)).total == 1)
        }
    }

    /// A server down across many ticks fires none of the missed ones and resumes at the next tick.
    @Test func missedTicksAreNotReplayed() async throws {
        try await TestDatabase.with { db in
            let scheduler = scheduler(db)
            try await scheduler.schedules.put(vendorType: "ECHO", schedule: try HarborSchedule(type: "Custom", cron: "0 */5 * * * *"),
                                              parameters: "{}", now: instant("2026-12-02T14:03:07Z"))
            #expect(try await scheduler.tick(now: instant("2026-12-02T17:31:00Z")).isEmpty)
            #expect(try await scheduler.schedules.get(vendorType: "ECHO")?.nextFireAt == ScheduleStore.millis(instant("2026-12-02T17:35:00Z")))
            #expect(try await scheduler.tick(now: instant("2026-12-02T17:35:00Z")).count == 1)
        }
    }

    @Test func pausedSchedulerHoldsTicks() async throws {
        try await TestDatabase.with { db in
            let scheduler = scheduler(db)
            try await scheduler.schedules.put(vendorType: "ECHO", schedule: try HarborSchedule(type: "Hourly", cron: nil), parameters: "{}",
                                              now: instant("2026-12-02T14:03:07Z"))
            try await scheduler.pool.store.setPaused(jobType: Scheduler.queueName, paused: true)
            #expect(try await scheduler.tick(now: instant("2026-12-02T15:00:00Z")).isEmpty)
            try await scheduler.pool.store.setPaused(jobType: Scheduler.queueName, paused: false)
            #expect(try await scheduler.tick(now: instant("2026-12-02T15:00:00Z")).count == 1)
            #expect(try await scheduler.schedules.delete(vendorType: "ECHO"))
            #expect(try await scheduler.schedules.get(vendorType: "ECHO") == nil)
        }
    }
}
