import Access
import Foundation
import Hummingbird
import Jobs
import Metadata
import Services

/// `/api/v2.0/retentions`: Harbor's tag retention policies and their executions. A policy belongs
/// to one project (its `scope.ref`), whose `tag-retention` permissions govern every operation.
struct RetentionHandlers {
    let services: APIServices

    func metadatas(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        return try JSONResponse.ok(RetentionMetadata.harbor)
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let policy = try await decodePolicy(request)
        let project = try await project(policy.scope.ref)
        try await services.require(context.identity, Permission(.tagRetention, .create), in: project)
        if let existing = try await services.retention.policy(projectID: project.id) {
            throw APIError.badRequest("project \(project.id) already has retention policy \(existing.id)")
        }
        guard let id = try await services.retention.create(projectID: project.id, policy: policy.json) else {
            throw APIError.badRequest("project \(project.id) already has a retention policy")
        }
        try await schedule(policy, id: id)
        return JSONResponse.created(location: "/api/v2.0/retentions/\(id)")
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, policy) = try await stored(context, .read)
        var shown = policy
        shown.id = record.id
        shown.algorithm = shown.algorithm ?? "or"
        shown.rules = shown.rules.enumerated().map { index, rule in
            var rule = rule
            rule.id = index + 1
            rule.action = rule.action ?? "retain"
            rule.disabled = rule.disabled ?? false
            return rule
        }
        return try JSONResponse.ok(shown)
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .update)
        let policy = try await decodePolicy(request)
        guard policy.scope.ref == record.projectID else {
            throw APIError.badRequest("a retention policy cannot move to another project")
        }
        _ = try await services.retention.update(id: record.id, policy: policy.json)
        try await schedule(policy, id: record.id)
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .delete)
        try await services.schedules.delete(vendorType: RetentionJob.jobType, vendorID: record.id)
        _ = try await services.retention.delete(id: record.id)
        return JSONResponse.empty(.ok)
    }

    // MARK: executions

    /// Running and stopping need `tag-retention:update`, as in Harbor (not `operate`, which the
    /// robot catalogue does not offer).
    func trigger(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .update)
        let dryRun = try await JSONBody.decode(RetentionTriggerReq.self, from: request).dry_run ?? false
        let parameters = RetentionJob.Parameters(policyID: record.id, dryRun: dryRun).json
        let id = try await services.jobs.enqueue(vendorType: RetentionJob.jobType, vendorID: record.id, trigger: .manual, parameters: parameters,
                                                 tasks: [TaskSpec(jobType: RetentionJob.jobType, parameters: parameters)])
        services.jobPool?.notify()
        return JSONResponse.created(location: "/api/v2.0/retentions/\(record.id)/executions/\(id)")
    }

    func executions(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .list)
        let paging = try Pagination(request)
        let page = try await services.jobs.executions(vendorType: RetentionJob.jobType, vendorID: record.id, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(RetentionExecutionResp.init),
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/retentions/\(record.id)/executions"))
    }

    func operate(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .update)
        let execution = try await execution(context, policyID: record.id)
        guard try await JSONBody.decode(ActionRequest.self, from: request).action == "stop" else {
            throw APIError.badRequest("action should be 'stop'")
        }
        try await services.jobs.stopExecution(execution.id)
        return JSONResponse.empty(.ok)
    }

    func tasks(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .list)
        let execution = try await execution(context, policyID: record.id)
        let paging = try Pagination(request)
        let all = try await repositoryTasks(of: execution.id)
        let page = paging.slice(all)
        return try JSONResponse.ok(page.map { RetentionTaskResp($0.task, repository: $0.repository) },
                                   headers: paging.headers(total: Int64(all.count), path: "/api/v2.0/retentions/\(record.id)/executions/\(execution.id)/tasks"))
    }

    func taskLog(_ request: Request, context: some APIContext) async throws -> Response {
        let (record, _) = try await stored(context, .read)
        let execution = try await execution(context, policyID: record.id)
        let taskID = try context.parameters.requiredID("tid")
        guard let task = try await services.jobs.task(taskID), task.executionID == execution.id,
              let log = try await services.jobs.log(ofTask: taskID) else {
            throw APIError.notFound("retention task \(taskID) is not found")
        }
        return TextResponse.ok(log.rendered)
    }

    // MARK: helpers

    /// The per-repository tasks (the launcher that created them is not one of Harbor's tasks).
    private func repositoryTasks(of executionID: Int64) async throws -> [(task: JobTask, repository: String)] {
        try await services.jobs.tasks(ofExecution: executionID).compactMap { task in
            guard let parameters = try? JSONDecoder().decode(RetentionJob.Parameters.self, from: Data(task.parameters.utf8)),
                  let repository = parameters.repository else { return nil }
            return (task, repository)
        }
    }

    private func decodePolicy(_ request: Request) async throws -> RetentionPolicy {
        let policy = try await JSONBody.decode(RetentionPolicy.self, from: request)
        do {
            try policy.validate()
        } catch .conflict(let message) {
            throw APIError.conflict(message)
        } catch {
            throw APIError.badRequest(error.message)
        }
        return policy
    }

    private func project(_ id: Int64) async throws -> Project {
        guard let project = try await services.projects.find(id: id) else { throw APIError.badRequest("invalid Project id \(id)") }
        return project
    }

    private func stored(_ context: some APIContext, _ action: Action) async throws -> (RetentionPolicyRecord, RetentionPolicy) {
        let id = try context.parameters.requiredID("id")
        guard let record = try await services.retention.policy(id: id) else { throw APIError.notFound("retention policy \(id) is not found") }
        try await services.require(context.identity, Permission(.tagRetention, action), in: try await project(record.projectID))
        return (record, try JSONDecoder().decode(RetentionPolicy.self, from: Data(record.policy.utf8)))
    }

    private func execution(_ context: some APIContext, policyID: Int64) async throws -> JobExecution {
        let id = try context.parameters.requiredID("eid")
        guard let execution = try await services.jobs.execution(id), execution.vendorType == RetentionJob.jobType,
              execution.vendorID == policyID else {
            throw APIError.notFound("retention execution \(id) is not found")
        }
        return execution
    }

    /// Harbor gives every proxy-cache project a policy that keeps what was pulled in the last 7
    /// days (`defaultDaysToRetentionForProxyCacheProject`), run daily.
    func installProxyCacheDefault(projectID: Int64) async throws {
        let json = #"""
            {"algorithm":"or","rules":[{"action":"retain","template":"nDaysSinceLastPull","params":{"nDaysSinceLastPull":7},
             "tag_selectors":[{"kind":"doublestar","decoration":"matches","pattern":"**"}],
             "scope_selectors":{"repository":[{"kind":"doublestar","decoration":"repoMatches","pattern":"**"}]}}],
             "trigger":{"kind":"Schedule","settings":{"cron":"0 0 0 * * *"}},"scope":{"level":"project","ref":\#(projectID)}}
            """#
        let policy = try JSONDecoder().decode(RetentionPolicy.self, from: Data(json.utf8))
        guard let id = try await services.retention.create(projectID: projectID, policy: policy.json) else { return }
        try await schedule(policy, id: id)
    }

    private func schedule(_ policy: RetentionPolicy, id: Int64) async throws {
        guard let cron = policy.cron else {
            try await services.schedules.delete(vendorType: RetentionJob.jobType, vendorID: id)
            return
        }
        let schedule: HarborSchedule
        do { schedule = try HarborSchedule(type: "Custom", cron: cron) } catch { throw APIError.badRequest(error.message) }
        try await services.schedules.put(vendorType: RetentionJob.jobType, vendorID: id, schedule: schedule,
                                         parameters: RetentionJob.Parameters(policyID: id, dryRun: false).json)
    }
}

struct RetentionTriggerReq: Decodable {
    let dry_run: Bool?
}

struct RetentionExecutionResp: Encodable {
    let id: Int64
    let policy_id: Int64
    let start_time: String
    let end_time: String
    let status: String
    let trigger: String
    let dry_run: Bool

    init(_ execution: JobExecution) {
        id = execution.id
        policy_id = execution.vendorID
        start_time = Timestamp.rfc3339(millis: execution.startTime)
        end_time = execution.endTime.map(Timestamp.rfc3339(millis:)) ?? ""
        status = execution.status.rawValue
        trigger = execution.trigger.rawValue
        dry_run = (try? JSONDecoder().decode(RetentionJob.Parameters.self, from: Data(execution.parameters.utf8)))?.dry_run ?? false
    }
}

struct RetentionTaskResp: Encodable {
    let id: Int64
    let execution_id: Int64
    let repository: String
    let job_id: String
    let status: String
    let status_code: Int
    let status_revision: Int64
    let start_time: String
    let end_time: String
    let total: Int
    let retained: Int

    init(_ task: JobTask, repository: String) {
        let result = task.result.flatMap { try? JSONDecoder().decode(RetentionJob.Result.self, from: Data($0.utf8)) }
        id = task.id
        execution_id = task.executionID
        self.repository = repository
        job_id = String(task.id)
        status = task.status.rawValue
        status_code = TaskStatus.allCases.firstIndex(of: task.status) ?? 0
        status_revision = task.updateTime
        start_time = task.startTime.map(Timestamp.rfc3339(millis:)) ?? ""
        end_time = task.endTime.map(Timestamp.rfc3339(millis:)) ?? ""
        total = result?.total ?? 0
        retained = result?.retained ?? 0
    }
}

/// `GET /retentions/metadatas`: the templates and selectors a client may use.
struct RetentionMetadata: Encodable {
    struct Template: Encodable {
        struct Param: Encodable { let type: String; let unit: String; let required: Bool }
        let rule_template: String
        let display_text: String
        let action: String
        let params: [Param]
    }
    struct SelectorKind: Encodable { let display_text: String; let kind: String; let decorations: [String] }

    let templates: [Template]
    let scope_selectors: [SelectorKind]
    let tag_selectors: [SelectorKind]

    static let harbor = RetentionMetadata(
        templates: RetentionTemplate.allCases.map { template in
            Template(rule_template: template.rawValue, display_text: template.displayText, action: "retain",
                     params: template == .always ? [] : [.init(type: "int", unit: template.unit, required: true)])
        },
        scope_selectors: [.init(display_text: "Repositories", kind: "doublestar", decorations: ["repoMatches", "repoExcludes"])],
        tag_selectors: [.init(display_text: "Tags", kind: "doublestar", decorations: ["matches", "excludes"]),
                        .init(display_text: "Labels", kind: "label", decorations: ["withLabels", "withoutLabels"])])
}
