import Access
import Foundation
import Hummingbird
import Jobs
import Metadata

/// Harbor's job service dashboard (`/jobservice/...`) and schedule listing (`/schedules`), over the
/// one queue in the database: every node's pool, its workers, the queues per job type.
struct JobServiceHandlers {
    let services: APIServices

    func pools(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        let pools = try await livePools()
        return try JSONResponse.ok(pools.map {
            WorkerPoolResp(pid: $0.pid, worker_pool_id: $0.poolID, start_at: Timestamp.rfc3339(millis: $0.startAt),
                           heartbeat_at: Timestamp.rfc3339(millis: $0.heartbeatAt), concurrency: $0.concurrency, host: $0.host)
        })
    }

    /// Each pool's workers, busy or idle (`all` for every pool).
    func workers(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        let poolID = try context.parameters.required("pool_id")
        let pools = try await livePools().filter { poolID == "all" || $0.poolID == poolID }
        if pools.isEmpty && poolID != "all" { throw APIError.notFound("worker pool \(poolID) is not found") }
        var workers: [WorkerResp] = []
        for pool in pools {
            let running = Dictionary(try await services.jobs.runningTasks(workerPrefix: pool.poolID + ":").compactMap { task in
                task.workerID.map { ($0, task) }
            }, uniquingKeysWith: { first, _ in first })
            for slot in 0..<pool.concurrency {
                let id = "\(pool.poolID):\(slot)"
                let task = running[id]
                workers.append(WorkerResp(id: id, pool_id: pool.poolID, job_name: task?.jobType ?? "", job_id: task.map { String($0.id) } ?? "",
                                          start_at: task?.startTime.map(Timestamp.rfc3339(millis:)), check_in: task?.status.rawValue ?? "",
                                          checkin_at: task.map { Timestamp.rfc3339(millis: $0.updateTime) }))
            }
        }
        return try JSONResponse.ok(workers)
    }

    func stopJob(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .stop))
        guard try await services.jobs.stopTask(try jobID(context)) else { throw APIError.notFound("job not found") }
        return JSONResponse.empty(.ok)
    }

    func jobLog(_ request: Request, context: some APIContext) async throws -> Response {
        // `list`, as in Harbor: the catalogue lets a robot hold `jobservice-monitor` list and stop only.
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        guard let log = try await services.jobs.log(ofTask: try jobID(context)) else { throw APIError.notFound("job not found") }
        return TextResponse.ok(log.rendered)
    }

    func queues(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        let queues = try await services.jobs.queues(known: services.jobTypes)
        return try JSONResponse.ok(queues.map { JobQueueResp(job_type: $0.jobType, count: $0.count, latency: $0.latencySeconds, paused: $0.paused) })
    }

    /// `stop` stops every pending and running job of the type; `pause` holds its pending jobs;
    /// `resume` lets them run again. `all` means every type; `SCHEDULER` holds the schedules.
    func actOnQueue(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .stop))
        let jobType = try context.parameters.required("job_type")
        guard jobType == "all" || jobType == Scheduler.queueName || services.jobTypes.contains(jobType) else {
            throw APIError.notFound("job type \(jobType) is not found")
        }
        let action = try await JSONBody.decode(ActionRequest.self, from: request).action
        switch action {
        case "stop": try await services.jobs.stopQueue(jobType: jobType)
        case "pause": try await services.jobs.setPaused(jobType: jobType, paused: true)
        case "resume":
            try await services.jobs.setPaused(jobType: jobType, paused: false)
            services.jobPool?.notify()
        default:
            throw APIError(.unprocessableContent, code: "UNPROCESSABLE_ENTITY", "action must be stop, pause or resume (got '\(action)')")
        }
        return JSONResponse.empty(.ok)
    }

    func schedules(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        let paging = try Pagination(request)
        let page = try await services.schedules.list(page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map {
            ScheduleTaskResp(id: $0.id, vendor_type: $0.vendorType, vendor_id: $0.vendorID, cron: $0.cron,
                             update_time: Timestamp.rfc3339(millis: $0.updateTime))
        }, headers: paging.headers(total: page.total, path: "/api/v2.0/schedules"))
    }

    /// Harbor answers only for `all`: whether the scheduler is paused.
    func schedulerPaused(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.jobserviceMonitor, .list))
        guard try context.parameters.required("job_type") == "all" else {
            throw APIError.badRequest("only job_type 'all' is supported")
        }
        let scheduler = try await services.jobs.isPaused(jobType: Scheduler.queueName)
        let everything = try await services.jobs.isPaused(jobType: "all")
        let paused = scheduler || everything
        return try JSONResponse.ok(SchedulerStatus(paused: paused))
    }

    private func livePools() async throws -> [WorkerPoolRecord] {
        try await services.jobs.pools(aliveSince: WallClock.nowMillis() - JobWorkerPool.poolTimeoutMillis)
    }

    private func jobID(_ context: some APIContext) throws -> Int64 {
        let text = try context.parameters.required("job_id")
        guard let id = Int64(text), id > 0 else { throw APIError.notFound("job \(text) is not found") }
        return id
    }
}
