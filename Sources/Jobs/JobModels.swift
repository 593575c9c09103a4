/// One run of a policy (a GC, a retention run, a replication...): the unit Harbor's history lists.
public struct JobExecution: Sendable, Equatable {
    public let id: Int64
    public let vendorType: String
    public let vendorID: Int64
    public let status: TaskStatus
    public let statusMessage: String?
    public let trigger: JobTrigger
    /// The parameters as the JSON object they were given in.
    public let parameters: String
    public let startTime: Int64
    public let endTime: Int64?
    public let updateTime: Int64
}

/// One unit of work of an execution, run by one worker at a time.
public struct JobTask: Sendable, Equatable {
    public let id: Int64
    public let executionID: Int64
    public let jobType: String
    public let status: TaskStatus
    public let statusMessage: String?
    public let parameters: String
    public let attempt: Int
    public let maxAttempts: Int
    public let workerID: String?
    public let stopRequested: Bool
    public let creationTime: Int64
    public let startTime: Int64?
    public let endTime: Int64?
    public let updateTime: Int64
    /// What the finished run reported (a job's own JSON, e.g. retention's counts).
    public let result: String?
}

/// A task to create with its execution.
public struct TaskSpec: Sendable {
    public let jobType: String
    public let parameters: String
    public let maxAttempts: Int

    public init(jobType: String, parameters: String = "{}", maxAttempts: Int = 3) {
        self.jobType = jobType
        self.parameters = parameters
        self.maxAttempts = max(1, maxAttempts)
    }
}

/// A Berth process's worker pool, as `/jobservice/pools` lists it.
public struct WorkerPoolRecord: Sendable, Equatable {
    public let poolID: String
    public let host: String
    public let pid: Int64
    public let concurrency: Int
    public let startAt: Int64
    public let heartbeatAt: Int64

    public init(poolID: String, host: String, pid: Int64, concurrency: Int, startAt: Int64, heartbeatAt: Int64) {
        self.poolID = poolID
        self.host = host
        self.pid = pid
        self.concurrency = concurrency
        self.startAt = startAt
        self.heartbeatAt = heartbeatAt
    }
}

/// A job type's queue, as `/jobservice/queues` lists it.
public struct JobQueueRecord: Sendable, Equatable {
    public let jobType: String
    public let count: Int
    /// Seconds the oldest pending task has waited.
    public let latencySeconds: Int64
    public let paused: Bool
}
