import BerthTestSupport
import Foundation
import Metadata
import Testing
@testable import Jobs

/// The queue on a real database (SQLite, or PostgreSQL when BERTH_TEST_DATABASE_URL is set).
/// Times are passed in, so leases expire without waiting.
@Suite struct JobStoreTests {
    static let t0: Int64 = 1_800_000_000_000

    func enqueue(_ store: JobStore, _ count: Int = 1, type: String = "DEMO", maxAttempts: Int = 3, at now: Int64 = t0) async throws -> Int64 {
        try await store.enqueue(vendorType: type, trigger: .manual, parameters: "{}",
                                tasks: (0..<count).map { _ in TaskSpec(jobType: type, maxAttempts: maxAttempts) }, now: now)
    }

    @Test func claimHeartbeatFinish() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let execution = try await enqueue(store)
            #expect(try await store.execution(execution)?.status == .pending)
            #expect(try await store.claim(workerID: "w", jobTypes: ["OTHER"], leaseMillis: 1000, now: Self.t0) == nil)
            let task = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0))
            #expect(task.status == .running && task.attempt == 1 && task.workerID == "w")
            #expect(try await store.execution(execution)?.status == .running)
            #expect(try await store.claim(workerID: "other", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0) == nil)
            #expect(try await store.heartbeat(taskID: task.id, workerID: "w", leaseMillis: 1000, log: "step one\n", now: Self.t0 + 500) == .keepGoing)
            #expect(try await store.heartbeat(taskID: task.id, workerID: "intruder", leaseMillis: 1000, log: "", now: Self.t0 + 500) == .lost)
            #expect(try await store.finish(taskID: task.id, workerID: "w", outcome: .success, log: "done\n", now: Self.t0 + 900) == .success)
            #expect(try await store.finish(taskID: task.id, workerID: "w", outcome: .success, log: "", now: Self.t0 + 901) == nil)
            let finished = try #require(try await store.execution(execution))
            #expect(finished.status == .success && finished.endTime == Self.t0 + 900)
            #expect(try await store.log(ofTask: task.id)?.text == "step one\ndone\n")
        }
    }

    /// No task is claimed twice, however many workers claim at once (SKIP LOCKED on PostgreSQL).
    @Test func concurrentClaimsNeverShareATask() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            try await enqueue(store, 40)
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let task = try await store.claim(workerID: "w\(worker)", jobTypes: ["DEMO"], leaseMillis: 60_000, now: Self.t0) {
                            mine.append(task.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 40 && Set(claimed).count == 40)
        }
    }

    /// Tasks of one execution finishing at the same moment on several connections still end the
    /// execution: each finish recounts the tasks under the execution's lock, so none reads another
    /// as running and leaves the execution Running for ever (seen on PostgreSQL in scan-all).
    @Test func tasksFinishingTogetherEndTheirExecution() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            for round in 0..<20 {
                let execution = try await enqueue(store, 4)
                var tasks: [JobTask] = []
                while let task = try await store.claim(workerID: "w\(round)", jobTypes: ["DEMO"], leaseMillis: 60_000, now: Self.t0) {
                    tasks.append(task)
                }
                #expect(tasks.count == 4)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in tasks {
                        group.addTask {
                            _ = try await store.finish(taskID: task.id, workerID: "w\(round)", outcome: .success, log: "", now: Self.t0 + 10)
                        }
                    }
                    try await group.waitForAll()
                }
                let status = try await store.execution(execution)?.status
                #expect(status == .success, "round \(round): the execution is \(String(describing: status)) with all its tasks finished")
                if status != .success { break }
            }
        }
    }

    /// A worker that died (kill -9) stops heartbeating: its task is retaken after the lease, and
    /// after the last attempt it is Error, never Running for ever.
    @Test func expiredLeasesAreRetakenThenFail() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let execution = try await enqueue(store, maxAttempts: 2)
            let first = try #require(try await store.claim(workerID: "dead", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0))
            #expect(try await store.reapExpiredLeases(now: Self.t0 + 999) == 0)
            #expect(try await store.reapExpiredLeases(now: Self.t0 + 1001, retryDelayMillis: 10) == 1)
            let retaken = try #require(try await store.task(first.id))
            #expect(retaken.status == .pending && retaken.workerID == nil && retaken.statusMessage?.contains("lease expired") == true)
            // the dead worker's late result is dropped
            #expect(try await store.finish(taskID: first.id, workerID: "dead", outcome: .success, log: "", now: Self.t0 + 1002) == nil)
            #expect(try await store.claim(workerID: "alive", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0 + 1005) == nil, "not before its retry delay")
            let second = try #require(try await store.claim(workerID: "alive", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0 + 1011))
            #expect(second.id == first.id && second.attempt == 2)
            #expect(try await store.reapExpiredLeases(now: Self.t0 + 5000) == 1)
            #expect(try await store.task(first.id)?.status == .error)
            #expect(try await store.execution(execution)?.status == .error)
        }
    }

    @Test func failuresRetryUntilTheirAttemptsAreUsed() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            try await enqueue(store, maxAttempts: 2)
            let task = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0))
            #expect(try await store.finish(taskID: task.id, workerID: "w", outcome: .failure(message: "boom", retryAt: Self.t0 + 100), log: "", now: Self.t0) == .pending)
            let again = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0 + 100))
            #expect(try await store.finish(taskID: again.id, workerID: "w", outcome: .failure(message: "boom again", retryAt: Self.t0 + 200), log: "", now: Self.t0 + 150) == .error)
            #expect(try await store.task(task.id)?.statusMessage == "boom again")
        }
    }

    /// Stop works for pending and running tasks alike, and for a running task whose worker is gone.
    @Test func stopPendingRunningAndOrphaned() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let execution = try await enqueue(store, 3)
            let running = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0))
            let orphan = try #require(try await store.claim(workerID: "gone", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0))
            #expect(try await store.stopExecution(execution, now: Self.t0 + 10))
            let tasks = try await store.tasks(ofExecution: execution)
            #expect(tasks.filter { $0.status == .stopped }.count == 1, "the pending one stops at once")
            #expect(try await store.heartbeat(taskID: running.id, workerID: "w", leaseMillis: 1000, log: "", now: Self.t0 + 20) == .stopRequested)
            #expect(try await store.finish(taskID: running.id, workerID: "w", outcome: .stopped, log: "", now: Self.t0 + 30) == .stopped)
            #expect(try await store.execution(execution)?.status == .running, "one task still runs on a lost worker")
            #expect(try await store.reapExpiredLeases(now: Self.t0 + 2000) == 1)
            #expect(try await store.task(orphan.id)?.status == .stopped)
            #expect(try await store.execution(execution)?.status == .stopped)
            #expect(try await store.stopExecution(999_999) == false)
        }
    }

    /// A launcher that fans out after its execution was asked to stop adds only stopped tasks.
    @Test func tasksAddedToAStoppedExecutionAreStopped() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let execution = try await enqueue(store)
            let launcher = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 60_000, now: Self.t0))
            #expect(try await store.stopExecution(execution, now: Self.t0 + 1))
            try await store.addTasks([TaskSpec(jobType: "DEMO"), TaskSpec(jobType: "DEMO")], toExecution: execution, now: Self.t0 + 2)
            #expect(try await store.claim(workerID: "w2", jobTypes: ["DEMO"], leaseMillis: 60_000, now: Self.t0 + 3) == nil)
            #expect(try await store.finish(taskID: launcher.id, workerID: "w", outcome: .stopped, log: "", now: Self.t0 + 4) == .stopped)
            let tasks = try await store.tasks(ofExecution: execution)
            #expect(tasks.count == 3 && tasks.allSatisfy { $0.status == .stopped })
            let finished = try #require(try await store.execution(execution))
            #expect(finished.status == .stopped && finished.endTime == Self.t0 + 4)
            // a later refresh keeps the end time
            #expect(try await store.stopExecution(execution, now: Self.t0 + 99))
            #expect(try await store.execution(execution)?.endTime == Self.t0 + 4)
        }
    }

    @Test func pausedQueuesAreNotClaimed() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            try await enqueue(store, 2)
            try await store.setPaused(jobType: "DEMO", paused: true)
            #expect(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0) == nil)
            let queues = try await store.queues(known: ["DEMO", "GARBAGE_COLLECTION"], now: Self.t0 + 3000)
            #expect(queues.first { $0.jobType == "DEMO" } == JobQueueRecord(jobType: "DEMO", count: 2, latencySeconds: 3, paused: true))
            #expect(queues.first { $0.jobType == "GARBAGE_COLLECTION" }?.count == 0)
            try await store.setPaused(jobType: "DEMO", paused: false)
            #expect(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0) != nil)
            try await store.setPaused(jobType: "all", paused: true)
            #expect(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 1000, now: Self.t0) == nil)
            #expect(try await store.stopQueue(jobType: "DEMO") == 1)
            #expect(try await store.queues(known: [], now: Self.t0).first { $0.jobType == "DEMO" }?.count == 0)
        }
    }

    @Test func logsAreBoundedToTheirTail() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            try await enqueue(store)
            let task = try #require(try await store.claim(workerID: "w", jobTypes: ["DEMO"], leaseMillis: 60_000, now: Self.t0))
            let line = String(repeating: "x", count: 1023) + "\n"
            for i in 0..<300 {
                _ = try await store.heartbeat(taskID: task.id, workerID: "w", leaseMillis: 60_000, log: i == 299 ? "last line\n" : line, now: Self.t0)
            }
            let log = try #require(try await store.log(ofTask: task.id))
            #expect(log.text.count == TaskLog.limit && log.text.hasSuffix("last line\n"))
            #expect(log.totalLength == 299 * 1024 + 10 && log.droppedLength == log.totalLength - Int64(TaskLog.limit))
        }
    }
}
