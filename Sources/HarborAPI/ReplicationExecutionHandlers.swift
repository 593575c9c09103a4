import Access
import Foundation
import Hummingbird
import Jobs
import Metadata
import Services

/// `/replication/executions...`: runs of replication policies, their tasks (one per repository)
/// and task logs. An execution's failure before any task (the source unreachable, credentials
/// refused) is its `status_text`, in the words of the remote's answer.
struct ReplicationExecutionHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .list))
        let paging = try Pagination(request)
        let policyID = try request.uri.queryParameters["policy_id"].map { text -> Int64 in
            guard let id = Int64(text) else { throw APIError.badRequest("policy_id must be a number") }
            return id
        }
        let status = request.uri.queryParameters["status"].map(String.init)
        let trigger = request.uri.queryParameters["trigger"].map(String.init)
        var executions: [JobExecution]
        var total: Int64
        if status == nil && trigger == nil {
            let page = try await services.jobs.executions(vendorType: ReplicationJob.jobType, vendorID: policyID, page: paging.offsetRequest)
            (executions, total) = (page.items, page.total)
        } else {
            // Filters apply to Harbor's names; executions of one registry are few enough to filter here.
            let all = try await services.jobs.executions(vendorType: ReplicationJob.jobType, vendorID: policyID,
                                                         page: OffsetRequest(offset: 0, limit: 10_000)).items
                .filter { status == nil || ReplicationExecutionJSON.status($0.status) == status }
                .filter { trigger == nil || ReplicationExecutionJSON.trigger($0.trigger) == trigger }
            total = Int64(all.count)
            executions = paging.slice(all)
        }
        var items: [ReplicationExecutionJSON] = []
        for execution in executions { items.append(try await present(execution)) }
        return try JSONResponse.ok(items, headers: paging.headers(total: total, path: "/api/v2.0/replication/executions"))
    }

    /// `POST /replication/executions {"policy_id": N}`: 201 with the execution's location.
    func start(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .create))
        guard let policyID = try await JSONBody.decode(StartReplicationJSON.self, from: request).policy_id else {
            throw APIError.badRequest("policy_id is required")
        }
        guard let policy = try await services.replicationPolicies.find(policyID) else {
            throw APIError.badRequest("replication policy \(policyID) does not exist")
        }
        let id = try await services.replicationTriggers.start(policy, trigger: .manual)
        await services.recordAudit(context.identity, "create", "replication_execution", policy.name, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/replication/executions/\(id)")
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .read))
        return try JSONResponse.ok(try await present(try await execution(context)))
    }

    /// `PUT /replication/executions/{id}`: stops it. Pending tasks stop at once, running ones at
    /// their next heartbeat; the execution is never left InProgress by a stop.
    func stop(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .update))
        let execution = try await execution(context)
        try await services.jobs.stopExecution(execution.id)
        return JSONResponse.empty(.ok)
    }

    func tasks(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .list))
        let execution = try await execution(context)
        let paging = try Pagination(request)
        let status = request.uri.queryParameters["status"].map(String.init)
        let resourceType = request.uri.queryParameters["resource_type"].map(String.init)
        let all = try await copyTasks(of: execution.id)
            .filter { status == nil || $0.status == status }
            .filter { resourceType == nil || $0.resource_type == resourceType }
        let page = paging.slice(all)
        return try JSONResponse.ok(page, headers: paging.headers(total: Int64(all.count), path: "/api/v2.0/replication/executions/\(execution.id)/tasks"))
    }

    func taskLog(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replication, .read))
        let execution = try await execution(context)
        let taskID = try context.parameters.requiredID("task_id")
        guard let task = try await services.jobs.task(taskID), task.executionID == execution.id,
              let log = try await services.jobs.log(ofTask: taskID) else {
            throw APIError.notFound("replication task \(taskID) not found in execution \(execution.id)")
        }
        return TextResponse.ok(log.rendered)
    }

    // MARK: helpers

    private func execution(_ context: some APIContext) async throws -> JobExecution {
        let id = try context.parameters.requiredID("id")
        guard let execution = try await services.jobs.execution(id), execution.vendorType == ReplicationJob.jobType else {
            throw APIError.notFound("replication execution \(id) not found")
        }
        return execution
    }

    private func copyTasks(of executionID: Int64) async throws -> [ReplicationTaskJSON] {
        try await services.jobs.tasks(ofExecution: executionID).compactMap { task in
            guard task.jobType == ReplicationTaskJob.jobType, let parameters = try? ReplicationTaskParameters.decode(task.parameters) else { return nil }
            return ReplicationTaskJSON(task, parameters)
        }
    }

    private func present(_ execution: JobExecution) async throws -> ReplicationExecutionJSON {
        let tasks = try await services.jobs.tasks(ofExecution: execution.id)
        let copies = tasks.filter { $0.jobType == ReplicationTaskJob.jobType }
        let launcherFailure = tasks.first { $0.jobType == ReplicationJob.jobType && $0.status == .error }?.statusMessage
        let failedCopies = copies.filter { $0.status == .error }
        let statusText: String
        if let launcherFailure {
            statusText = launcherFailure
        } else if !failedCopies.isEmpty {
            statusText = "\(failedCopies.count) of \(copies.count) tasks failed; first: \(failedCopies[0].statusMessage ?? "see its log")"
        } else {
            statusText = execution.statusMessage ?? ""
        }
        return ReplicationExecutionJSON(
            id: execution.id, policy_id: execution.vendorID, status: ReplicationExecutionJSON.status(execution.status),
            trigger: ReplicationExecutionJSON.trigger(execution.trigger), start_time: Timestamp.rfc3339(millis: execution.startTime),
            end_time: execution.endTime.map(Timestamp.rfc3339(millis:)), status_text: statusText, total: copies.count,
            failed: failedCopies.count, succeed: copies.filter { $0.status == .success }.count,
            in_progress: copies.filter { !$0.status.isFinal }.count, stopped: copies.filter { $0.status == .stopped }.count)
    }
}
