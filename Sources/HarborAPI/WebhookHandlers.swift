import Access
import Foundation
import Hummingbird
import Jobs
import Metadata
import RequestGrammar
import Services

/// `/projects/{project}/webhook/...`: Harbor's webhook (notification) policies, their executions,
/// tasks and logs, the last trigger of each event type, and the event types on offer.
struct WebhookHandlers {
    let services: APIServices

    static let maximumNameLength = 256
    /// The job types (Harbor's vendor types) a policy's deliveries run as.
    static let vendorTypes = WebhookNotifyType.allCases.map(\.jobType)

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .list)
        let paging = try Pagination(request)
        let query = HarborQuery(request)
        let page = try await services.webhookPolicies.list(projectID: project.id, name: query.exact["name"], nameContains: query.fuzzy["name"],
                                                           page: paging.offsetRequest)
        let reveal = try await mayReveal(context, project)
        return try JSONResponse.ok(page.items.map { WebhookPolicyJSON($0, revealingAuthHeaders: reveal) },
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/projects/\(project.name)/webhook/policies"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .read)
        return try JSONResponse.ok(WebhookPolicyJSON(try await policy(context, in: project), revealingAuthHeaders: try await mayReveal(context, project)))
    }

    /// Auth headers are shown to those who may change the policy (who need them to edit it), and
    /// masked for those who may only read it.
    private func mayReveal(_ context: some APIContext, _ project: Project) async throws -> Bool {
        try await services.policy.can(context.identity, Permission(.notificationPolicy, .update), in: project)
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .create)
        let body = try await JSONBody.decode(WebhookPolicyJSON.self, from: request)
        let now = WallClock.nowMillis()
        let policy = try Self.validated(body, into: WebhookPolicyRecord(
            projectID: project.id, name: "", description: "", targets: [], eventTypes: [],
            creator: context.identity.name ?? "", enabled: true, creationTime: now, updateTime: now))
        let id = try await services.webhookPolicies.insert(policy)
        services.webhooks?.forget(projectID: project.id)
        await services.recordAudit(context.identity, "create", "notification_policy", "\(project.name)/\(policy.name)", projectID: project.id)
        return JSONResponse.created(location: "/api/v2.0/projects/\(project.id)/webhook/policies/\(id)")
    }

    /// Every field comes from the body, as in Harbor; the creator and creation time stay.
    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .update)
        let stored = try await policy(context, in: project)
        var body = try await JSONBody.decode(WebhookPolicyJSON.self, from: request)
        // A masked header sent back unchanged keeps the stored one.
        body.targets = body.targets?.map { target in
            var target = target
            if target.auth_header == WebhookPolicyJSON.mask {
                target.auth_header = stored.targets.first { $0.address == target.address }?.auth_header
            }
            return target
        }
        var policy = try Self.validated(body, into: stored)
        policy.updateTime = WallClock.nowMillis()
        guard try await services.webhookPolicies.update(policy) else { throw APIError.notFound("webhook policy \(stored.id) not found") }
        services.webhooks?.forget(projectID: project.id)
        await services.recordAudit(context.identity, "update", "notification_policy", "\(project.name)/\(policy.name)", projectID: project.id)
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .delete)
        let policy = try await policy(context, in: project)
        _ = try await services.webhookPolicies.delete(id: policy.id, projectID: project.id)
        // Its deliveries go too, as in Harbor: queued ones are not sent for a policy that is gone.
        try await services.jobs.deleteExecutions(vendorTypes: Self.vendorTypes, vendorID: policy.id)
        services.webhooks?.forget(projectID: project.id)
        await services.recordAudit(context.identity, "delete", "notification_policy", "\(project.name)/\(policy.name)", projectID: project.id)
        return JSONResponse.empty(.ok)
    }

    func executions(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .read)
        let policy = try await policy(context, in: project)
        let paging = try Pagination(request)
        let page = try await services.jobs.executions(vendorTypes: Self.vendorTypes, vendorID: policy.id, page: paging.offsetRequest)
        var items: [ExecutionJSON] = []
        for execution in page.items { items.append(ExecutionJSON(execution, tasks: try await services.jobs.tasks(ofExecution: execution.id))) }
        return try JSONResponse.ok(items, headers: paging.headers(
            total: page.total, path: "/api/v2.0/projects/\(project.name)/webhook/policies/\(policy.id)/executions"))
    }

    func tasks(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .read)
        let policy = try await policy(context, in: project)
        let execution = try await execution(context, of: policy)
        let paging = try Pagination(request)
        let tasks = try await services.jobs.tasks(ofExecution: execution.id)
        return try JSONResponse.ok(paging.slice(tasks).map(TaskJSON.init), headers: paging.headers(
            total: Int64(tasks.count), path: "/api/v2.0/projects/\(project.name)/webhook/policies/\(policy.id)/executions/\(execution.id)/tasks"))
    }

    func taskLog(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .read)
        let policy = try await policy(context, in: project)
        let execution = try await execution(context, of: policy)
        let taskID = try context.parameters.requiredID("task_id")
        guard let task = try await services.jobs.task(taskID), task.executionID == execution.id,
              let log = try await services.jobs.log(ofTask: taskID) else {
            throw APIError.notFound("task \(taskID) not found in execution \(execution.id)")
        }
        return TextResponse.ok(log.rendered)
    }

    /// One entry per policy and event type it lists, with when that type last fired.
    func lastTrigger(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await project(request, context, .read)
        let policies = try await services.webhookPolicies.list(projectID: project.id, name: nil, nameContains: nil,
                                                               page: OffsetRequest(offset: 0, limit: 1000)).items
        var entries: [WebhookLastTriggerJSON] = []
        for policy in policies {
            for type in policy.eventTypes {
                let latest = try await services.jobs.latestStart(vendorTypes: Self.vendorTypes, vendorID: policy.id,
                                                                 parametersContaining: #""event_type":"\#(type)""#)
                entries.append(WebhookLastTriggerJSON(policy_name: policy.name, event_type: type, enabled: policy.enabled,
                                                      creation_time: Timestamp.rfc3339(millis: policy.creationTime),
                                                      last_trigger_time: latest.map(Timestamp.rfc3339(millis:))))
            }
        }
        return try JSONResponse.ok(entries)
    }

    func events(_ request: Request, context: some APIContext) async throws -> Response {
        _ = try await project(request, context, .read)
        return try JSONResponse.ok(SupportedWebhookEventTypesJSON())
    }

    // MARK: helpers

    private func project(_ request: Request, _ context: some APIContext, _ action: Action) async throws -> Project {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.notificationPolicy, action), in: project)
        return project
    }

    private func policy(_ context: some APIContext, in project: Project) async throws -> WebhookPolicyRecord {
        let id = try context.parameters.requiredID("webhook_policy_id")
        guard let policy = try await services.webhookPolicies.find(id: id, projectID: project.id) else {
            throw APIError.notFound("webhook policy \(id) not found in project \(project.name)")
        }
        return policy
    }

    private func execution(_ context: some APIContext, of policy: WebhookPolicyRecord) async throws -> JobExecution {
        let id = try context.parameters.requiredID("execution_id")
        guard let execution = try await services.jobs.execution(id), execution.vendorID == policy.id,
              Self.vendorTypes.contains(execution.vendorType) else {
            throw APIError.notFound("execution \(id) not found in policy \(policy.id)")
        }
        return execution
    }

    /// Harbor's checks: a name, known event types, at least one target, each an http(s) address of
    /// a known type, with a payload format only for http (Default when none is given).
    static func validated(_ body: WebhookPolicyJSON, into base: WebhookPolicyRecord) throws -> WebhookPolicyRecord {
        var policy = base
        let name = (body.name ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= maximumNameLength else {
            throw APIError.badRequest("name is required, at most \(maximumNameLength) characters")
        }
        guard let types = body.event_types, !types.isEmpty else { throw APIError.badRequest("empty event type") }
        for type in types where WebhookEventType(rawValue: type) == nil {
            throw APIError.badRequest("unsupported event type \(type.prefix(100)); supported: "
                                      + WebhookEventType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard let targets = body.targets, !targets.isEmpty else { throw APIError.badRequest("empty notification target with policy \(name)") }
        policy.targets = try targets.map { target in
            var target = target
            guard let kind = WebhookNotifyType(rawValue: target.type) else {
                throw APIError.badRequest("unsupported target type \(target.type.prefix(50)) with policy \(name)")
            }
            target.address = try address(target.address)
            switch kind {
            case .slack:
                guard target.payload_format == nil || target.payload_format == "" else {
                    throw APIError.badRequest("set payload format is not allowed for slack")
                }
                target.payload_format = nil
            case .http:
                let format = target.payload_format.flatMap { $0.isEmpty ? nil : $0 } ?? WebhookPayloadFormat.harborDefault.rawValue
                guard WebhookPayloadFormat(rawValue: format) != nil else {
                    throw APIError.badRequest("unsupported payload format type: \(format.prefix(50))")
                }
                target.payload_format = format
            }
            return target
        }
        policy.name = name
        policy.description = body.description ?? ""
        policy.eventTypes = Array(NSOrderedSet(array: types)) as? [String] ?? types
        policy.enabled = body.enabled ?? false
        return policy
    }

    /// An absolute http or https URL with a host, without user info (credentials go in
    /// `auth_header`); the fragment is dropped, path and query kept as written (chat services
    /// carry their tokens there), a trailing `/` trimmed as Harbor does.
    static func address(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let refusal = APIError.badRequest("address must be an http:// or https:// URL with a host, not '\(trimmed.prefix(200))'")
        guard trimmed.count <= 2048, var components = URLComponents(string: trimmed),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else { throw refusal }
        guard components.user == nil, components.password == nil else {
            throw APIError.badRequest("address must not carry a user or password; put credentials in auth_header")
        }
        components.scheme = scheme
        components.fragment = nil
        if components.percentEncodedQuery == nil, components.percentEncodedPath.hasSuffix("/") {
            components.percentEncodedPath = String(components.percentEncodedPath.dropLast())
        }
        guard let url = components.string else { throw refusal }
        return url
    }
}
