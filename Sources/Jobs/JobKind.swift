import NIOConcurrencyHelpers

/// One kind of background work (garbage collection, retention, replication, a scan...). A feature
/// adds a `JobKind`; the queue, the workers, retries, leases, stop and logs are the job system's.
public protocol JobKind: Sendable {
    /// Harbor's job type name, e.g. `GARBAGE_COLLECTION`.
    var jobType: String { get }
    /// Runs of one task, counting the first. A kind whose work is not safe to repeat says 1.
    var maxAttempts: Int { get }
    /// Does the task's work. Throwing fails the run (retried while attempts remain); cancellation
    /// means the task was stopped, so long loops call `try Task.checkCancellation()` between steps.
    func run(_ context: JobContext) async throws
}

extension JobKind {
    public var maxAttempts: Int { 3 }
}

/// What a running task sees: its identity and parameters, and its log.
public final class JobContext: Sendable {
    public let task: JobTask
    private let buffer = NIOLockedValueBox("")
    private let reported = NIOLockedValueBox<String?>(nil)
    private let echo: (@Sendable (String) -> Void)?

    /// `echo` also receives each line as it is logged (the command line prints them).
    public init(task: JobTask, echo: (@Sendable (String) -> Void)? = nil) {
        self.task = task
        self.echo = echo
    }

    public var parameters: String { task.parameters }

    /// Appends a line to the task's log (written to the database with the next heartbeat).
    public func log(_ line: String) {
        echo?(line)
        buffer.withLockedValue { $0 += line.hasSuffix("\n") ? line : line + "\n" }
    }

    /// Records the run's result (the job's own JSON), stored with the task when it finishes.
    public func report(_ result: String) {
        reported.withLockedValue { $0 = result }
    }

    var result: String? { reported.withLockedValue { $0 } }

    /// Puts back lines taken by `drainLog` that could not be written, ahead of any logged since.
    func restoreLog(_ lines: String) {
        guard !lines.isEmpty else { return }
        buffer.withLockedValue { $0 = lines + $0 }
    }

    /// Takes what was logged since the last call.
    func drainLog() -> String {
        buffer.withLockedValue { text in
            defer { text = "" }
            return text
        }
    }
}
