import Metadata
import SQLKit

/// The durable queue: executions and their tasks in the metadata database, the only source of truth.
///
/// Workers claim with one conditional UPDATE (on PostgreSQL over `FOR UPDATE SKIP LOCKED`, so many
/// nodes claim different tasks without waiting on each other; SQLite has one writer). A claim gives a
/// lease that the worker's heartbeats extend; a task whose lease ran out is taken back by
/// `reapExpiredLeases` on any node, so no task stays Running after its worker died.
public struct JobStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    // MARK: enqueue

    /// Creates an execution and its tasks in one transaction; returns the execution id.
    @discardableResult
    public func enqueue(vendorType: String, vendorID: Int64 = 0, trigger: JobTrigger, parameters: String,
                        tasks: [TaskSpec], now: Int64 = WallClock.nowMillis()) async throws -> Int64 {
        try await database.write { db in
            try await Self.enqueue(vendorType: vendorType, vendorID: vendorID, trigger: trigger, parameters: parameters,
                                   tasks: tasks, now: now, in: db)
        }
    }

    /// One execution to create with `enqueue(_:)`.
    public struct NewExecution: Sendable {
        public let vendorType: String
        public let vendorID: Int64
        public let trigger: JobTrigger
        public let parameters: String
        public let tasks: [TaskSpec]

        public init(vendorType: String, vendorID: Int64, trigger: JobTrigger, parameters: String, tasks: [TaskSpec]) {
            self.vendorType = vendorType
            self.vendorID = vendorID
            self.trigger = trigger
            self.parameters = parameters
            self.tasks = tasks
        }
    }

    /// Creates several executions and their tasks in one transaction (an event's deliveries to
    /// every target: one commit, not one per target).
    public func enqueue(_ executions: [NewExecution], now: Int64 = WallClock.nowMillis()) async throws {
        guard !executions.isEmpty else { return }
        try await database.write { db in
            for execution in executions {
                _ = try await Self.enqueue(vendorType: execution.vendorType, vendorID: execution.vendorID, trigger: execution.trigger,
                                           parameters: execution.parameters, tasks: execution.tasks, now: now, in: db)
            }
        }
    }

    static func enqueue(vendorType: String, vendorID: Int64, trigger: JobTrigger, parameters: String,
                        tasks: [TaskSpec], now: Int64, in db: any SQLDatabase) async throws -> Int64 {
        let status: TaskStatus = tasks.isEmpty ? .success : .pending
        guard let row = try await db.raw("""
            INSERT INTO job_executions (vendor_type, vendor_id, status, trigger, parameters, start_time, end_time, update_time)
            VALUES (\(bind: vendorType), \(bind: vendorID), \(bind: status.rawValue), \(bind: trigger.rawValue), \(bind: parameters),
                    \(bind: now), \(bind: tasks.isEmpty ? now : nil), \(bind: now))
            RETURNING id
            """).first() else { throw MetadataError.conflict("the execution was not created") }
        let id = try row.decode(column: "id", as: Int64.self)
        try await insert(tasks, executionID: id, stopped: false, now: now, in: db)
        return id
    }

    /// The one place tasks are created: pending, or already stopped (their execution was stopped).
    /// Returns their ids in the order given.
    @discardableResult
    static func insert(_ tasks: [TaskSpec], executionID: Int64, stopped: Bool, now: Int64, in db: any SQLDatabase) async throws -> [Int64] {
        var ids: [Int64] = []
        for task in tasks {
            guard let row = try await db.raw("""
                INSERT INTO job_tasks (execution_id, job_type, status, parameters, max_attempts, run_after, creation_time, update_time,
                                       stop_requested, end_time)
                VALUES (\(bind: executionID), \(bind: task.jobType), \(bind: stopped ? "Stopped" : "Pending"), \(bind: task.parameters),
                        \(bind: task.maxAttempts), \(bind: now), \(bind: now), \(bind: now), \(bind: stopped), \(bind: stopped ? now : nil))
                RETURNING id
                """).first() else { throw MetadataError.conflict("the task was not created") }
            ids.append(try row.decode(column: "id", as: Int64.self))
        }
        return ids
    }

    /// Creates an execution of one task in one transaction; returns both ids (a caller that tracks
    /// the task itself, as a scan report does).
    public func enqueueTask(vendorType: String, vendorID: Int64 = 0, trigger: JobTrigger, task: TaskSpec,
                            now: Int64 = WallClock.nowMillis()) async throws -> (execution: Int64, task: Int64) {
        try await database.write { db in
            let execution = try await Self.enqueue(vendorType: vendorType, vendorID: vendorID, trigger: trigger, parameters: task.parameters,
                                                   tasks: [], now: now, in: db)
            let ids = try await Self.insert([task], executionID: execution, stopped: false, now: now, in: db)
            try await Self.refreshExecution(execution, now: now, in: db)
            return (execution, ids[0])
        }
    }

    /// Adds tasks to a running execution (a launcher task fanning out, one task per repository);
    /// returns their ids. Tasks added to an execution that was asked to stop are created Stopped.
    @discardableResult
    public func addTasks(_ tasks: [TaskSpec], toExecution executionID: Int64, now: Int64 = WallClock.nowMillis()) async throws -> [Int64] {
        guard !tasks.isEmpty else { return [] }
        return try await database.write { db in
            let stopped = try await db.raw("""
                SELECT 1 AS x FROM job_tasks WHERE execution_id = \(bind: executionID) AND stop_requested = TRUE LIMIT 1
                """).first() != nil
            let ids = try await Self.insert(tasks, executionID: executionID, stopped: stopped, now: now, in: db)
            try await Self.refreshExecution(executionID, now: now, in: db)
            return ids
        }
    }

    // MARK: claim, heartbeat, finish

    /// Takes the oldest due pending task of one of `jobTypes` whose queue is not paused, for
    /// `workerID`, with a lease until `now + leaseMillis`.
    public func claim(workerID: String, jobTypes: [String], leaseMillis: Int64, now: Int64 = WallClock.nowMillis()) async throws -> JobTask? {
        guard !jobTypes.isEmpty else { return nil }
        let lock = database.kind.lockRows(skipLocked: true)
        return try await database.write { db in
            var query: SQLQueryString = """
                \(Self.claiming(workerID: workerID, leaseMillis: leaseMillis, now: now))
                WHERE id = (SELECT id FROM job_tasks t WHERE t.status = 'Pending' AND t.run_after <= \(bind: now)
                    AND NOT EXISTS (SELECT 1 FROM job_queues q WHERE q.paused = TRUE AND q.job_type IN (t.job_type, 'all'))
                    AND t.job_type IN (
                """
            query.appendInterpolation(binds: jobTypes)
            query.appendInterpolation(unsafeRaw: ") ORDER BY t.run_after, t.id LIMIT 1")
            query.appendInterpolation(lock)
            query.appendInterpolation(unsafeRaw: ") AND status = 'Pending' RETURNING \(Self.taskColumns)")
            return try await Self.claimed(query, now: now, in: db)
        }
    }

    /// Takes one given task if it is still pending (the command line runs the job it enqueued).
    public func claim(taskID: Int64, workerID: String, leaseMillis: Int64, now: Int64 = WallClock.nowMillis()) async throws -> JobTask? {
        try await database.write { db in
            let query: SQLQueryString = """
                \(Self.claiming(workerID: workerID, leaseMillis: leaseMillis, now: now))
                WHERE id = \(bind: taskID) AND status = 'Pending' RETURNING \(unsafeRaw: Self.taskColumns)
                """
            return try await Self.claimed(query, now: now, in: db)
        }
    }

    /// The SET of a claim: the worker, a lease from now, one more attempt.
    static func claiming(workerID: String, leaseMillis: Int64, now: Int64) -> SQLQueryString {
        """
        UPDATE job_tasks SET status = 'Running', worker_id = \(bind: workerID), attempt = attempt + 1,
            lease_expires_at = \(bind: now + leaseMillis), heartbeat_at = \(bind: now),
            start_time = COALESCE(start_time, \(bind: now)), update_time = \(bind: now)
        """
    }

    static func claimed(_ query: SQLQueryString, now: Int64, in db: any SQLDatabase) async throws -> JobTask? {
        guard let row = try await db.raw(query).first() else { return nil }
        let task = try Self.task(row)
        try await Self.refreshExecution(task.executionID, now: now, in: db)
        return task
    }

    public enum HeartbeatAnswer: Sendable, Equatable {
        case keepGoing
        /// Someone asked to stop the task: the worker cancels it and reports Stopped.
        case stopRequested
        /// The lease was lost (the task was reaped or finished elsewhere): the worker drops its result.
        case lost
    }

    /// Extends the lease and appends `log` to the task's log.
    public func heartbeat(taskID: Int64, workerID: String, leaseMillis: Int64, log: String,
                          now: Int64 = WallClock.nowMillis()) async throws -> HeartbeatAnswer {
        let logUpdate = appendLog(log)
        return try await database.write { db in
            guard let row = try await db.raw("""
                UPDATE job_tasks SET lease_expires_at = \(bind: now + leaseMillis), heartbeat_at = \(bind: now),
                    update_time = \(bind: now)\(logUpdate)
                WHERE id = \(bind: taskID) AND worker_id = \(bind: workerID) AND status = 'Running'
                RETURNING stop_requested
                """).first() else { return .lost }
            return try row.decode(column: "stop_requested", as: Bool.self) ? .stopRequested : .keepGoing
        }
    }

    /// How a worker's run of a task ended.
    public enum Outcome: Sendable, Equatable {
        case success
        case stopped
        /// Failed; retried at `retryAt` when attempts remain, otherwise the task is in Error.
        case failure(message: String, retryAt: Int64?)
    }

    /// Records the end of the worker's run, unless the worker no longer holds the task. Returns the
    /// task's new status, or nil when the run's result was dropped.
    @discardableResult
    public func finish(taskID: Int64, workerID: String, outcome: Outcome, log: String, result: String? = nil,
                       now: Int64 = WallClock.nowMillis()) async throws -> TaskStatus? {
        var changes = appendLog(log)
        if let result { changes.appendInterpolation(unsafeRaw: ", result = "); changes.appendInterpolation(bind: result) }
        let logUpdate = changes
        return try await database.write { db in
            let set: SQLQueryString
            switch outcome {
            case .success:
                set = "status = 'Success', status_message = NULL, end_time = \(bind: now)"
            case .stopped:
                set = "status = 'Stopped', status_message = 'stopped on request', end_time = \(bind: now)"
            case .failure(let message, let retryAt):
                set = """
                    status = CASE WHEN attempt < max_attempts AND \(bind: retryAt != nil) AND stop_requested = FALSE THEN 'Pending' ELSE 'Error' END,
                    run_after = \(bind: retryAt ?? now), status_message = \(bind: message),
                    end_time = CASE WHEN attempt < max_attempts AND \(bind: retryAt != nil) AND stop_requested = FALSE THEN NULL ELSE \(bind: now) END
                    """
            }
            guard let row = try await db.raw("""
                UPDATE job_tasks SET \(set), worker_id = NULL, lease_expires_at = NULL, update_time = \(bind: now)\(logUpdate)
                WHERE id = \(bind: taskID) AND worker_id = \(bind: workerID) AND status = 'Running'
                RETURNING status, execution_id
                """).first() else { return nil }
            try await Self.refreshExecution(try row.decode(column: "execution_id", as: Int64.self), now: now, in: db)
            return TaskStatus(rawValue: try row.decode(column: "status", as: String.self))
        }
    }

    /// Tasks whose worker stopped renewing its lease: retried when attempts remain (and no stop was
    /// asked), otherwise Error (or Stopped). Returns how many were taken back.
    @discardableResult
    public func reapExpiredLeases(now: Int64 = WallClock.nowMillis(), retryDelayMillis: Int64 = 1000) async throws -> Int {
        try await database.write { db in
            let rows = try await db.raw("""
                UPDATE job_tasks SET
                    status = CASE WHEN stop_requested THEN 'Stopped' WHEN attempt < max_attempts THEN 'Pending' ELSE 'Error' END,
                    status_message = CASE WHEN stop_requested THEN 'stopped on request (its worker was lost)'
                        ELSE 'the worker running this task stopped sending heartbeats (lease expired)' END,
                    end_time = CASE WHEN stop_requested OR attempt >= max_attempts THEN \(bind: now) ELSE NULL END,
                    run_after = \(bind: now + retryDelayMillis), worker_id = NULL, lease_expires_at = NULL, update_time = \(bind: now)
                WHERE status = 'Running' AND lease_expires_at < \(bind: now)
                RETURNING execution_id
                """).all()
            // in id order, as every transaction locking several executions does
            for execution in Set(try rows.map { try $0.decode(column: "execution_id", as: Int64.self) }).sorted() {
                try await Self.refreshExecution(execution, now: now, in: db)
            }
            return rows.count
        }
    }

    // MARK: stop

    /// Stops a task: a pending one at once, a running one at its worker's next heartbeat (or when
    /// its lease expires, if the worker is gone). Returns false when the task is unknown.
    @discardableResult
    public func stopTask(_ taskID: Int64, now: Int64 = WallClock.nowMillis()) async throws -> Bool {
        try await database.write { db in
            guard let row = try await db.raw("SELECT execution_id FROM job_tasks WHERE id = \(bind: taskID)").first() else { return false }
            try await Self.stop(filter: "id = \(bind: taskID)", now: now, in: db)
            try await Self.refreshExecution(try row.decode(column: "execution_id", as: Int64.self), now: now, in: db)
            return true
        }
    }

    /// Stops every unfinished task of the execution. Returns false when the execution is unknown.
    @discardableResult
    public func stopExecution(_ executionID: Int64, now: Int64 = WallClock.nowMillis()) async throws -> Bool {
        try await database.write { db in
            guard try await db.raw("SELECT id FROM job_executions WHERE id = \(bind: executionID)").first() != nil else { return false }
            try await Self.stop(filter: "execution_id = \(bind: executionID)", now: now, in: db)
            try await Self.refreshExecution(executionID, now: now, in: db)
            return true
        }
    }

    /// Stops all unfinished tasks of a job type (`all` for every type). Returns how many.
    @discardableResult
    public func stopQueue(jobType: String, now: Int64 = WallClock.nowMillis()) async throws -> Int {
        try await database.write { db in
            let filter: SQLQueryString = jobType == "all" ? "TRUE" : "job_type = \(bind: jobType)"
            let executions = try await db.raw("SELECT DISTINCT execution_id FROM job_tasks WHERE \(filter) AND status IN ('Pending', 'Running')").all()
                .map { try $0.decode(column: "execution_id", as: Int64.self) }.sorted()
            try await Self.stop(filter: filter, now: now, in: db)
            for execution in executions { try await Self.refreshExecution(execution, now: now, in: db) }
            return executions.count
        }
    }

    /// One statement for pending and running tasks alike, so that a task moving between the two
    /// (a retry) is stopped in whichever state the row lock finds it.
    private static func stop(filter: SQLQueryString, now: Int64, in db: any SQLDatabase) async throws {
        try await db.raw("""
            UPDATE job_tasks SET
                stop_requested = TRUE,
                status_message = CASE WHEN status = 'Pending' THEN 'stopped on request' ELSE status_message END,
                end_time = CASE WHEN status = 'Pending' THEN \(bind: now) ELSE end_time END,
                status = CASE WHEN status = 'Pending' THEN 'Stopped' ELSE status END,
                update_time = \(bind: now)
            WHERE \(filter) AND status IN ('Pending', 'Running')
            """).run()
    }

    // MARK: queues

    public func setPaused(jobType: String, paused: Bool, now: Int64 = WallClock.nowMillis()) async throws {
        try await database.write { db in
            try await db.raw("""
                INSERT INTO job_queues (job_type, paused, update_time) VALUES (\(bind: jobType), \(bind: paused), \(bind: now))
                ON CONFLICT (job_type) DO UPDATE SET paused = excluded.paused, update_time = excluded.update_time
                """).run()
        }
    }

    public func isPaused(jobType: String) async throws -> Bool {
        try await database.read { db in
            try await db.raw("SELECT paused FROM job_queues WHERE job_type = \(bind: jobType)").first()?
                .decode(column: "paused", as: Bool.self) ?? false
        }
    }

    /// One entry per job type that has pending tasks or a paused state, plus every type in `known`.
    public func queues(known: [String], now: Int64 = WallClock.nowMillis()) async throws -> [JobQueueRecord] {
        try await database.read { db in
            var pending: [String: (count: Int, oldest: Int64)] = [:]
            for row in try await db.raw("""
                SELECT job_type, COUNT(*) AS n, MIN(creation_time) AS oldest FROM job_tasks WHERE status = 'Pending' GROUP BY job_type
                """).all() {
                pending[try row.decode(column: "job_type", as: String.self)] =
                    (try row.decode(column: "n", as: Int.self), try row.decode(column: "oldest", as: Int64.self))
            }
            var paused: [String: Bool] = [:]
            for row in try await db.raw("SELECT job_type, paused FROM job_queues").all() {
                paused[try row.decode(column: "job_type", as: String.self)] = try row.decode(column: "paused", as: Bool.self)
            }
            let types = Set(known).union(pending.keys).union(paused.keys.filter { $0 != "all" }).sorted()
            return types.map { type in
                let entry = pending[type]
                return JobQueueRecord(jobType: type, count: entry?.count ?? 0,
                                      latencySeconds: entry.map { max(0, (now - $0.oldest) / 1000) } ?? 0,
                                      paused: paused[type] == true || paused["all"] == true)
            }
        }
    }

    // MARK: worker pools

    public func registerPool(_ pool: WorkerPoolRecord) async throws {
        try await database.write { db in
            try await db.raw("""
                INSERT INTO job_worker_pools (pool_id, host, pid, concurrency, start_at, heartbeat_at)
                VALUES (\(bind: pool.poolID), \(bind: pool.host), \(bind: pool.pid), \(bind: pool.concurrency), \(bind: pool.startAt), \(bind: pool.heartbeatAt))
                ON CONFLICT (pool_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                """).run()
        }
    }

    /// Forgets pools that sent no heartbeat since `aliveSince` (every node's maintenance does this).
    public func forgetPools(silentSince aliveSince: Int64) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM job_worker_pools WHERE heartbeat_at < \(bind: aliveSince)").run()
        }
    }

    /// Pools that sent a heartbeat since `aliveSince`.
    public func pools(aliveSince: Int64) async throws -> [WorkerPoolRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM job_worker_pools WHERE heartbeat_at >= \(bind: aliveSince) ORDER BY start_at, pool_id").all().map { row in
                WorkerPoolRecord(poolID: try row.decode(column: "pool_id", as: String.self), host: try row.decode(column: "host", as: String.self),
                                 pid: try row.decode(column: "pid", as: Int64.self), concurrency: try row.decode(column: "concurrency", as: Int.self),
                                 startAt: try row.decode(column: "start_at", as: Int64.self), heartbeatAt: try row.decode(column: "heartbeat_at", as: Int64.self))
            }
        }
    }

    public func unregisterPool(_ poolID: String) async throws {
        try await database.write { db in try await db.raw("DELETE FROM job_worker_pools WHERE pool_id = \(bind: poolID)").run() }
    }

    /// Running tasks whose worker id starts with `prefix` (a pool id), for the workers listing.
    public func runningTasks(workerPrefix: String?) async throws -> [JobTask] {
        try await database.read { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.taskColumns) FROM job_tasks WHERE status = 'Running'")
            if let workerPrefix {
                query.appendInterpolation(unsafeRaw: " AND worker_id LIKE ")
                query.appendInterpolation(bind: LikePattern.escape(workerPrefix) + "%")
                query.appendInterpolation(unsafeRaw: " ESCAPE '\\'")
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY worker_id")
            return try await db.raw(query).all().map(Self.task)
        }
    }

    // MARK: reading

    public func execution(_ id: Int64) async throws -> JobExecution? {
        try await database.read { db in
            try await db.raw("SELECT * FROM job_executions WHERE id = \(bind: id)").first().map(Self.execution)
        }
    }

    /// Executions of one vendor type (and vendor), or of all, newest first.
    public func executions(vendorType: String?, vendorID: Int64? = nil, page: OffsetRequest) async throws -> Page<JobExecution> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE TRUE")
            if let vendorType { filter.appendInterpolation(unsafeRaw: " AND vendor_type = "); filter.appendInterpolation(bind: vendorType) }
            if let vendorID { filter.appendInterpolation(unsafeRaw: " AND vendor_id = "); filter.appendInterpolation(bind: vendorID) }
            return try await PagedQuery.run(db, columns: "*", from: "job_executions", filter: filter, orderBy: "id DESC",
                                            page: page, Self.execution)
        }
    }

    /// Executions of a vendor under any of several vendor types (a webhook policy's `WEBHOOK` and
    /// `SLACK` deliveries), newest first.
    public func executions(vendorTypes: [String], vendorID: Int64, page: OffsetRequest) async throws -> Page<JobExecution> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE vendor_id = \(bind: vendorID) AND vendor_type IN (")
            filter.appendInterpolation(binds: vendorTypes)
            filter.appendInterpolation(unsafeRaw: ")")
            return try await PagedQuery.run(db, columns: "*", from: "job_executions", filter: filter, orderBy: "id DESC",
                                            page: page, Self.execution)
        }
    }

    /// The start of the newest execution of the vendor whose parameters hold `fragment` (a
    /// canonical-JSON member such as `"event_type":"PUSH_ARTIFACT"`); nil when none has.
    public func latestStart(vendorTypes: [String], vendorID: Int64, parametersContaining fragment: String) async throws -> Int64? {
        try await database.read { db in
            var query = SQLQueryString("SELECT MAX(start_time) AS latest FROM job_executions WHERE vendor_id = \(bind: vendorID) AND vendor_type IN (")
            query.appendInterpolation(binds: vendorTypes)
            query.appendInterpolation(unsafeRaw: ")")
            query.appendContains("parameters", fragment)
            return try await db.raw(query).first()?.decode(column: "latest", as: Int64?.self)
        }
    }

    /// Deletes the vendor's executions and their tasks (a deleted webhook policy's deliveries); a
    /// running task's worker finds its row gone and drops its result. Returns how many went.
    @discardableResult
    public func deleteExecutions(vendorTypes: [String], vendorID: Int64) async throws -> Int {
        try await database.write { db in
            var query = SQLQueryString("DELETE FROM job_executions WHERE vendor_id = \(bind: vendorID) AND vendor_type IN (")
            query.appendInterpolation(binds: vendorTypes)
            query.appendInterpolation(unsafeRaw: ") RETURNING id")
            return try await db.raw(query).all().count
        }
    }

    /// The vendor's executions still pending or running, oldest first.
    public func activeExecutions(vendorType: String, vendorID: Int64) async throws -> [JobExecution] {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM job_executions
                WHERE vendor_type = \(bind: vendorType) AND vendor_id = \(bind: vendorID) AND status IN ('Pending', 'Running')
                ORDER BY id
                """).all().map(Self.execution)
        }
    }

    public func tasks(ofExecution executionID: Int64) async throws -> [JobTask] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.taskColumns) FROM job_tasks WHERE execution_id = \(bind: executionID) ORDER BY id").all().map(Self.task)
        }
    }

    /// How many tasks of `jobType` the execution has in each status (scan-all's metrics).
    public func taskCounts(ofExecution executionID: Int64, jobType: String) async throws -> [TaskStatus: Int] {
        try await database.read { db in
            var counts: [TaskStatus: Int] = [:]
            for row in try await db.raw("""
                SELECT status, COUNT(*) AS n FROM job_tasks WHERE execution_id = \(bind: executionID) AND job_type = \(bind: jobType)
                GROUP BY status
                """).all() {
                if let status = TaskStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                    counts[status] = try row.decode(column: "n", as: Int.self)
                }
            }
            return counts
        }
    }

    public func task(_ id: Int64) async throws -> JobTask? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.taskColumns) FROM job_tasks WHERE id = \(bind: id)").first().map(Self.task)
        }
    }

    public func log(ofTask id: Int64) async throws -> TaskLog? {
        try await database.read { db in
            guard let row = try await db.raw("SELECT log, log_bytes FROM job_tasks WHERE id = \(bind: id)").first() else { return nil }
            return TaskLog(text: try row.decode(column: "log", as: String.self), totalLength: try row.decode(column: "log_bytes", as: Int64.self))
        }
    }

    // MARK: helpers

    /// `, log = <tail of log || text>, log_bytes = log_bytes + n` for an UPDATE, or nothing.
    private func appendLog(_ text: String) -> SQLQueryString {
        guard !text.isEmpty else { return "" }
        let tail = database.kind.tail("log || \(bind: text)", count: TaskLog.limit)
        return ", log = \(tail), log_bytes = log_bytes + \(bind: Int64(text.count))"
    }

    /// Recomputes an execution's status from its tasks. Called inside the transaction that changed
    /// a task, after the change.
    static func refreshExecution(_ id: Int64, now: Int64, in db: any SQLDatabase) async throws {
        // Take the execution's row lock before reading its tasks. Without it two tasks finishing at
        // once on PostgreSQL (READ COMMITTED) each read the other as still running and both write
        // "Running": the execution never ends though every task did. Holding the lock, the read
        // below is a new statement and so sees the other transaction's committed task. Every caller
        // locks its task rows before this, so the order (tasks, then execution) is the same for all.
        try await db.raw("UPDATE job_executions SET update_time = \(bind: now) WHERE id = \(bind: id)").run()
        // one row per status, however many tasks (a retention run has one per repository)
        let rows = try await db.raw("""
            SELECT status, MIN(status_message) AS message FROM job_tasks WHERE execution_id = \(bind: id) GROUP BY status
            """).all()
        let statuses = try rows.map { TaskStatus(rawValue: try $0.decode(column: "status", as: String.self)) ?? .error }
        let status = TaskStatus.aggregate(statuses)
        let message = try rows.first { try $0.decode(column: "status", as: String.self) == status.rawValue }?
            .decode(column: "message", as: String?.self)
        // The end time is set when the execution becomes final and kept after.
        try await db.raw("""
            UPDATE job_executions SET status = \(bind: status.rawValue), status_message = \(bind: status == .success ? nil : message),
                end_time = CASE WHEN \(bind: status.isFinal) THEN COALESCE(end_time, \(bind: now)) ELSE NULL END, update_time = \(bind: now)
            WHERE id = \(bind: id)
            """).run()
    }

    static let taskColumns = """
        id, execution_id, job_type, status, status_message, parameters, attempt, max_attempts, worker_id, stop_requested,
        creation_time, start_time, end_time, update_time, result
        """

    static func task(_ row: any SQLRow) throws -> JobTask {
        JobTask(id: try row.decode(column: "id", as: Int64.self), executionID: try row.decode(column: "execution_id", as: Int64.self),
                jobType: try row.decode(column: "job_type", as: String.self),
                status: TaskStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .error,
                statusMessage: try row.decode(column: "status_message", as: String?.self),
                parameters: try row.decode(column: "parameters", as: String.self),
                attempt: try row.decode(column: "attempt", as: Int.self), maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                workerID: try row.decode(column: "worker_id", as: String?.self), stopRequested: try row.decode(column: "stop_requested", as: Bool.self),
                creationTime: try row.decode(column: "creation_time", as: Int64.self), startTime: try row.decode(column: "start_time", as: Int64?.self),
                endTime: try row.decode(column: "end_time", as: Int64?.self), updateTime: try row.decode(column: "update_time", as: Int64.self),
                result: try row.decode(column: "result", as: String?.self))
    }

    static func execution(_ row: any SQLRow) throws -> JobExecution {
        JobExecution(id: try row.decode(column: "id", as: Int64.self), vendorType: try row.decode(column: "vendor_type", as: String.self),
                     vendorID: try row.decode(column: "vendor_id", as: Int64.self),
                     status: TaskStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .error,
                     statusMessage: try row.decode(column: "status_message", as: String?.self),
                     trigger: JobTrigger(rawValue: try row.decode(column: "trigger", as: String.self)) ?? .manual,
                     parameters: try row.decode(column: "parameters", as: String.self),
                     startTime: try row.decode(column: "start_time", as: Int64.self), endTime: try row.decode(column: "end_time", as: Int64?.self),
                     updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
