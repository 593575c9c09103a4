import Access
import Foundation
import Hummingbird
import Jobs
import Metadata
import OCI
import RequestGrammar
import Services

/// `/replication/policies...`: Harbor's replication rules. A policy names exactly one remote
/// registry, as its source (pull) or its destination (push).
struct ReplicationPolicyHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationPolicy, .list))
        let paging = try Pagination(request)
        let name = HarborQuery.name(request)
        let all = try await services.replicationPolicies.all(nameContains: name)
        var page: [ReplicationPolicyJSON] = []
        for policy in paging.slice(all) {
            page.append(try await present(policy))
        }
        return try JSONResponse.ok(page, headers: paging.headers(total: Int64(all.count), path: "/api/v2.0/replication/policies"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationPolicy, .read))
        return try JSONResponse.ok(try await present(try await stored(context)))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationPolicy, .create))
        let body = try await JSONBody.decode(ReplicationPolicyJSON.self, from: request)
        let now = WallClock.nowMillis()
        var policy = ReplicationPolicyRecord(name: "", sourceRegistryID: nil, destinationRegistryID: nil, creationTime: now, updateTime: now)
        try await apply(body, to: &policy)
        policy.id = try await services.replicationPolicies.insert(policy)
        try await services.replicationTriggers.syncSchedule(policy)
        await services.recordAudit(context.identity, "create", "replication_policy", policy.name, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/replication/policies/\(policy.id)")
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationPolicy, .update))
        var policy = try await stored(context)
        let body = try await JSONBody.decode(ReplicationPolicyJSON.self, from: request)
        try await apply(body, to: &policy)
        policy.updateTime = WallClock.nowMillis()
        try await services.replicationPolicies.update(policy)
        try await services.replicationTriggers.syncSchedule(policy)
        await services.recordAudit(context.identity, "update", "replication_policy", policy.name, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    /// 412 while an execution of the policy is running, as in Harbor; its history goes with it.
    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.replicationPolicy, .delete))
        let policy = try await stored(context)
        let executions = try await services.jobs.executions(vendorType: ReplicationJob.jobType, vendorID: policy.id,
                                                            page: OffsetRequest(offset: 0, limit: 100)).items
        if executions.contains(where: { !$0.status.isFinal }) {
            throw APIError.precondition("the policy \(policy.name) has a running execution: stop it first")
        }
        var disabled = policy
        disabled.enabled = false
        try await services.replicationTriggers.syncSchedule(disabled)
        try await services.replicationPolicies.delete(policy.id)
        await services.recordAudit(context.identity, "delete", "replication_policy", policy.name, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    // MARK: helpers

    private func stored(_ context: some APIContext) async throws -> ReplicationPolicyRecord {
        let id = try context.parameters.requiredID("id")
        guard let policy = try await services.replicationPolicies.find(id) else { throw APIError.notFound("replication policy \(id) not found") }
        return policy
    }

    private func present(_ policy: ReplicationPolicyRecord) async throws -> ReplicationPolicyJSON {
        // Harbor names this registry on the local side: id 0, "Local".
        func registry(_ id: Int64?) async throws -> RegistryJSON? {
            guard let id else {
                return RegistryJSON(RegistryEndpointRecord(id: 0, name: "Local", url: services.externalURL ?? "", type: "harbor",
                                                           status: "healthy", creationTime: policy.creationTime, updateTime: policy.creationTime))
            }
            return try await services.registryEndpoints.find(id).map(RegistryJSON.init)
        }
        return ReplicationPolicyJSON(
            id: policy.id, name: policy.name, description: policy.description,
            src_registry: try await registry(policy.sourceRegistryID), dest_registry: try await registry(policy.destinationRegistryID),
            dest_namespace: policy.destinationNamespace, dest_namespace_replace_count: policy.destinationNamespaceReplaceCount,
            trigger: ReplicationTriggerJSON(type: policy.triggerType,
                                            trigger_settings: .init(cron: policy.cron)),
            filters: policy.filters.map { rule in
                ReplicationFilterJSON(type: rule.type, value: rule.type == "label" ? .many(rule.patterns) : .one(rule.patterns.first ?? ""),
                                      decoration: rule.decoration)
            },
            replicate_deletion: policy.replicateDeletion, deletion: policy.replicateDeletion, override: policy.override, enabled: policy.enabled,
            creation_time: Timestamp.rfc3339(millis: policy.creationTime), update_time: Timestamp.rfc3339(millis: policy.updateTime),
            speed: policy.speed, copy_by_chunk: policy.copyByChunk, single_active_replication: policy.singleActiveReplication)
    }

    /// Applies the request over `policy` (fields left out keep their value) and validates the
    /// result, so that nothing invalid is ever stored.
    private func apply(_ body: ReplicationPolicyJSON, to policy: inout ReplicationPolicyRecord) async throws {
        if let name = body.name { policy.name = name.trimmingCharacters(in: .whitespaces) }
        guard !policy.name.isEmpty, policy.name.count <= 255 else { throw APIError.badRequest("name is required (at most 255 characters)") }
        if let description = body.description { policy.description = description }
        if body.src_registry != nil || body.dest_registry != nil {
            let source = body.src_registry?.id.flatMap { $0 > 0 ? $0 : nil }
            let destination = body.dest_registry?.id.flatMap { $0 > 0 ? $0 : nil }
            policy.sourceRegistryID = source
            policy.destinationRegistryID = destination
        }
        switch (policy.sourceRegistryID, policy.destinationRegistryID) {
        case (nil, nil): throw APIError.badRequest("a policy needs src_registry (pull) or dest_registry (push)")
        case (.some, .some): throw APIError.badRequest("a policy names src_registry or dest_registry, not both: the other side is this registry")
        case (let source, let destination):
            let id = (source ?? destination)!
            guard try await services.registryEndpoints.find(id) != nil else { throw APIError.badRequest("registry \(id) does not exist") }
        }
        if let namespace = body.dest_namespace { policy.destinationNamespace = namespace.trimmingCharacters(in: CharacterSet(charactersIn: "/ ")) }
        if !policy.destinationNamespace.isEmpty {
            do { _ = try RepositoryName(policy.destinationNamespace) } catch {
                throw APIError.badRequest("dest_namespace '\(policy.destinationNamespace)' is not a valid repository path")
            }
        }
        if let count = body.dest_namespace_replace_count { policy.destinationNamespaceReplaceCount = count }
        guard (-1...100).contains(policy.destinationNamespaceReplaceCount) else {
            throw APIError.badRequest("dest_namespace_replace_count must be -1 (legacy) to 100, not \(policy.destinationNamespaceReplaceCount)")
        }
        if let trigger = body.trigger {
            let type = trigger.type ?? "manual"
            guard ["manual", "scheduled", "event_based"].contains(type) else {
                throw APIError.badRequest("trigger type must be manual, scheduled or event_based (got '\(type)')")
            }
            policy.triggerType = type
            policy.cron = trigger.trigger_settings?.cron ?? ""
        }
        if policy.triggerType == "scheduled" {
            do { _ = try HarborSchedule(type: "Custom", cron: policy.cron) } catch {
                throw APIError.badRequest("trigger cron '\(policy.cron)': \(error)")
            }
        } else {
            policy.cron = ""
        }
        if policy.triggerType == "event_based" && policy.isPull {
            throw APIError.badRequest("event_based triggers replicate pushes to this registry: they need dest_registry, not src_registry")
        }
        if let filters = body.filters {
            policy.filters = try filters.map { filter in
                guard let type = filter.type else { throw APIError.badRequest("every filter needs a type") }
                return ReplicationFilterRule(type: type, patterns: filter.value?.patterns ?? [], decoration: filter.decoration ?? "matches")
            }
        }
        _ = try ReplicationFilters(policy.filters)
        if let deletion = body.replicate_deletion ?? body.deletion { policy.replicateDeletion = deletion }
        if let override = body.override { policy.override = override }
        if let enabled = body.enabled { policy.enabled = enabled }
        if let speed = body.speed {
            guard speed >= -1 else { throw APIError.badRequest("speed is in KB/s: 0 or -1 for unlimited, or a positive number") }
            policy.speed = max(0, speed)
        }
        if let chunk = body.copy_by_chunk { policy.copyByChunk = chunk }
        if let single = body.single_active_replication { policy.singleActiveReplication = single }
    }
}
