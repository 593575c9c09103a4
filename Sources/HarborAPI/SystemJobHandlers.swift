import Access
import Foundation
import Hummingbird
import Jobs
import Metadata

/// A system-wide job with Harbor's history-and-schedule API: `/system/gc` and `/system/purgeaudit`
/// are the same eight operations over a different job type and parameters.
public struct SystemJob: Sendable {
    public let jobType: String
    /// `/api/v2.0/system/gc`
    public let path: String
    public let resource: Resource
    /// Reads the `parameters` object of a schedule request body (Harbor's `Schedule`) into the
    /// job's stored JSON, or throws `APIError.badRequest` naming what is wrong.
    public let parameters: @Sendable (Data) throws -> String
    public let maxAttempts: Int

    public init(jobType: String, path: String, resource: Resource, maxAttempts: Int,
                parameters: @escaping @Sendable (Data) throws -> String) {
        self.jobType = jobType
        self.path = path
        self.resource = resource
        self.maxAttempts = maxAttempts
        self.parameters = parameters
    }
}

struct SystemJobHandlers {
    let services: APIServices
    let job: SystemJob

    func history(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .list))
        let paging = try Pagination(request)
        let page = try await services.jobs.executions(vendorType: job.jobType, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(ExecHistory.init), headers: paging.headers(total: page.total, path: job.path))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .read))
        return try JSONResponse.ok(ExecHistory(try await execution(context)))
    }

    func stop(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .stop))
        try await services.jobs.stopExecution(try await execution(context).id)
        return JSONResponse.empty(.ok)
    }

    func log(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .read))
        let execution = try await execution(context)
        guard let task = try await services.jobs.tasks(ofExecution: execution.id).first,
              let log = try await services.jobs.log(ofTask: task.id) else {
            throw APIError.notFound("the log of \(job.jobType) execution \(execution.id) is not found")
        }
        return TextResponse.ok(log.rendered)
    }

    func getSchedule(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .read))
        guard let schedule = try await services.schedules.get(vendorType: job.jobType) else {
            // Harbor answers 200 with no body when nothing is scheduled.
            return JSONResponse.empty(.ok)
        }
        return try JSONResponse.ok(ExecHistory(schedule))
    }

    func createSchedule(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .create))
        return try await applySchedule(request, successStatus: .created)
    }

    func updateSchedule(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(job.resource, .update))
        return try await applySchedule(request, successStatus: .ok)
    }

    /// `Manual` runs the job now, `None` removes the schedule, the periodic types store one.
    private func applySchedule(_ request: Request, successStatus: HTTPResponse.Status) async throws -> Response {
        let body = try await JSONBody.bytes(from: request)
        let schedule = try JSONDecoder().decode(ScheduleBody.self, from: body).schedule
        guard let type = schedule?.type, !type.isEmpty else { throw APIError.badRequest("schedule.type is required") }
        let parsed: HarborSchedule
        do {
            parsed = try HarborSchedule(type: type, cron: schedule?.cron)
        } catch {
            throw APIError.badRequest(error.message)
        }
        let parameters = try job.parameters(body)
        switch parsed.kind {
        case .manual:
            let running = try await services.jobs.executions(vendorType: job.jobType, page: OffsetRequest(offset: 0, limit: 1)).items.first
            if let running, !running.status.isFinal {
                throw APIError.conflict("\(job.jobType) execution \(running.id) is still \(running.status.rawValue.lowercased())")
            }
            let id = try await services.jobs.enqueue(vendorType: job.jobType, trigger: .manual, parameters: parameters,
                                                     tasks: [TaskSpec(jobType: job.jobType, parameters: parameters, maxAttempts: job.maxAttempts)])
            services.jobPool?.notify()
            return JSONResponse.empty(successStatus, headers: [.location: "\(job.path)/\(id)"])
        case .none:
            try await services.schedules.delete(vendorType: job.jobType)
        default:
            try await services.schedules.put(vendorType: job.jobType, schedule: parsed, parameters: parameters)
        }
        return JSONResponse.empty(successStatus, headers: successStatus == .created ? [.location: "\(job.path)/schedule"] : [:])
    }

    private func execution(_ context: some APIContext) async throws -> JobExecution {
        let id = try context.parameters.requiredID("execution_id")
        guard let execution = try await services.jobs.execution(id), execution.vendorType == job.jobType else {
            throw APIError.notFound("\(job.jobType) execution \(id) is not found")
        }
        return execution
    }
}
