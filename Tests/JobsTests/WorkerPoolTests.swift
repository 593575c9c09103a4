import BerthTestSupport
import Foundation
import Logging
import Metadata
import NIOConcurrencyHelpers
import Testing
@testable import Jobs

/// Job kinds for the tests: one that logs its parameters, one that fails until its last attempt,
/// one that runs until it is stopped.
struct EchoJob: JobKind {
    var jobType: String { "ECHO" }
    func run(_ context: JobContext) async throws { context.log("params \(context.parameters)") }
}

struct FlakyJob: JobKind {
    var jobType: String { "FLAKY" }
    var maxAttempts: Int { 2 }
    func run(_ context: JobContext) async throws {
        if context.task.attempt < 2 { throw TestFailure("transient failure \(context.task.attempt)") }
        context.log("worked on attempt \(context.task.attempt)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Works until cancelled, logging; `started` lets the test stop it once it runs.
struct EndlessJob: JobKind {
    var jobType: String { "ENDLESS" }
    let started: NIOLockedValueBox<Bool>
    func run(_ context: JobContext) async throws {
        started.withLockedValue { $0 = true }
        while true {
            context.log("working")
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

@Suite struct WorkerPoolTests {
    static func settings() -> JobWorkerPool.Settings {
        var settings = JobWorkerPool.Settings()
        settings.heartbeatMillis = 50
        settings.retryDelayMillis = 0
        return settings
    }

    @Test func runsTasksRetriesAndRecordsLogs() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let pool = JobWorkerPool(store: store, kinds: [EchoJob(), FlakyJob()], settings: Self.settings(), logger: Logger(label: "test"))
            let echo = try await store.enqueue(vendorType: "ECHO", trigger: .manual, parameters: #"{"a":1}"#,
                                               tasks: [TaskSpec(jobType: "ECHO", parameters: #"{"a":1}"#)])
            #expect(try await pool.runOnce(workerID: "w"))
            #expect(try await store.execution(echo)?.status == .success)
            let echoTask = try #require(try await store.tasks(ofExecution: echo).first)
            #expect(try await store.log(ofTask: echoTask.id)?.text == #"params {"a":1}"# + "\n")

            let flaky = try await store.enqueue(vendorType: "FLAKY", trigger: .manual, parameters: "{}",
                                                tasks: [TaskSpec(jobType: "FLAKY", maxAttempts: pool.maxAttempts(of: "FLAKY"))])
            #expect(try await pool.runOnce(workerID: "w"))
            #expect(try await store.execution(flaky)?.status == .pending, "waiting for its retry")
            #expect(try await pool.runOnce(workerID: "w"))
            #expect(try await store.execution(flaky)?.status == .success)
            let flakyTask = try #require(try await store.tasks(ofExecution: flaky).first)
            let log = try #require(try await store.log(ofTask: flakyTask.id)).text
            #expect(log.contains("error: transient failure 1") && log.contains("attempt 2 of 2") && log.contains("worked on attempt 2"))
            #expect(try await pool.runOnce(workerID: "w") == false)
        }
    }

    @Test func aTaskOfAnUnknownTypeFailsWithAReason() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let pool = JobWorkerPool(store: store, kinds: [EchoJob()], settings: Self.settings(), logger: Logger(label: "test"))
            // a node that does not know a job type never claims it...
            let unknown = try await store.enqueue(vendorType: "X", trigger: .manual, parameters: "{}", tasks: [TaskSpec(jobType: "FLAKY")])
            #expect(try await pool.runOnce(workerID: "w") == false)
            // ...and one made to run it (the command line runs a given task) fails it with a reason
            let task = try #require(try await store.tasks(ofExecution: unknown).first)
            #expect(try await pool.run(taskID: task.id, workerID: "cli", echo: { _ in }) == .error)
            #expect(try await store.task(task.id)?.statusMessage == "no worker knows the job type FLAKY")
            let known = try await store.enqueue(vendorType: "X", trigger: .manual, parameters: "{}", tasks: [TaskSpec(jobType: "ECHO")])
            let echo = try #require(try await store.tasks(ofExecution: known).first)
            #expect(try await pool.run(taskID: echo.id, workerID: "cli", echo: { _ in }) == .success)
        }
    }

    /// Stop reaches a running task through its heartbeat and cancels its work.
    @Test func stopCancelsARunningTask() async throws {
        try await TestDatabase.with { db in
            let store = JobStore(database: db)
            let started = NIOLockedValueBox(false)
            let pool = JobWorkerPool(store: store, kinds: [EndlessJob(started: started)], settings: Self.settings(), logger: Logger(label: "test"))
            let execution = try await store.enqueue(vendorType: "ENDLESS", trigger: .manual, parameters: "{}", tasks: [TaskSpec(jobType: "ENDLESS")])
            let worker = Task { try await pool.runOnce(workerID: "w") }
            let task = try #require(try await store.tasks(ofExecution: execution).first)
            try await eventually { started.withLockedValue { $0 } }
            #expect(try await store.stopTask(task.id))
            #expect(try await worker.value)
            #expect(try await store.task(task.id)?.status == .stopped)
            #expect(try await store.execution(execution)?.status == .stopped)
            let log = try #require(try await store.log(ofTask: task.id)).text
            #expect(log.contains("working") && log.hasSuffix("stopped on request\n"))
        }
    }
}
