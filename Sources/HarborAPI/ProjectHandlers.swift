import Access
import Hummingbird
import Metadata
import RequestGrammar

/// `/api/v2.0/projects...`: projects, their metadata and summary.
struct ProjectHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let paging = try Pagination(request)
        let query = request.uri.queryParameters
        let name = HarborQuery.name(request)
        let isPublic = try query["public"].map { value -> Bool in
            guard value == "true" || value == "false" else { throw APIError.badRequest("public must be true or false") }
            return value == "true"
        }
        let visibleTo: [Int64]? = try await visibleProjectIDs(context.identity)
        let page = try await services.projects.list(nameContains: name, isPublic: isPublic, visibleTo: visibleTo, page: paging.offsetRequest)
        return try JSONResponse.ok(try await responses(page.items, for: context.identity), headers: paging.headers(total: page.total, path: "/api/v2.0/projects"))
    }

    func head(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        guard let name = request.uri.queryParameters["project_name"].map(String.init) else {
            throw APIError.badRequest("project_name is required")
        }
        guard try await services.projects.find(name: name) != nil else { throw APIError.notFound("project \(name) not found") }
        return JSONResponse.empty(.ok)
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        switch context.identity {
        case .user: break
        case .robot: try services.require(context.identity, system: Permission(.project, .create))
        case .anonymous, .token: throw APIError.unauthorized("authentication required")
        }
        let settings = await services.systemSettings.current
        if settings.text(.projectCreationRestriction) == "adminonly", !context.identity.isAdmin {
            throw APIError.forbidden("only system administrators may create projects (project_creation_restriction is adminonly)")
        }
        let body = try await JSONBody.decode(ProjectReq.self, from: request)
        guard let name = body.project_name else { throw APIError.badRequest("project_name is required") }
        try Self.validateName(name)
        if let registryID = body.registry_id {
            // Harbor: only system administrators create proxy-cache projects.
            guard context.identity.isAdmin else { throw APIError.forbidden("only system administrators create proxy-cache projects") }
            guard try await services.registryEndpoints.find(registryID) != nil else { throw APIError.badRequest("registry \(registryID) does not exist") }
        }
        var metadata = try ProjectMetadataRules.validate(body.metadata ?? [:])
        let isPublic = body.public ?? (metadata["public"] == "true")
        metadata["public"] = isPublic ? "true" : "false"
        let storageLimit = body.storage_limit ?? settings.integer(.storagePerProject)
        guard QuotaStore.isValid(hard: storageLimit) else {
            throw APIError.badRequest("storage_limit must be -1 (unlimited) or 1 to \(QuotaStore.maximum) bytes (got \(storageLimit))")
        }
        let owner: Int64? = UserHandlers.userID(context.identity)
        let allowlist = try body.cve_allowlist.map { try CVEAllowlistHandlers.validated($0, projectID: 0) }
        guard let project = try await services.projects.create(
            name: name, isPublic: isPublic, ownerID: owner, metadata: metadata,
            ownerRole: owner.map { _ in ProjectRole.projectAdmin.rawValue }, storageLimit: storageLimit, registryID: body.registry_id)
        else { throw APIError.conflict("project \(name) already exists") }
        if var allowlist {
            allowlist.projectID = project.id
            try await services.allowlists.put(allowlist)
        }
        if project.registryID != nil {
            try await RetentionHandlers(services: services).installProxyCacheDefault(projectID: project.id)
        }
        await services.recordAudit(context.identity, "create", "project", project.name, projectID: project.id)
        return JSONResponse.created(location: "/api/v2.0/projects/\(project.id)")
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.project, .read), in: project)
        return try JSONResponse.ok(try await responses([project], for: context.identity)[0])
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.project, .update), in: project)
        let body = try await JSONBody.decode(ProjectReq.self, from: request)
        var metadata = try ProjectMetadataRules.validate(body.metadata ?? [:])
        if let isPublic = body.public { metadata["public"] = isPublic ? "true" : "false" }
        let allowlist = try body.cve_allowlist.map { try CVEAllowlistHandlers.validated($0, projectID: project.id) }
        try await services.projects.updateMetadata(metadata, projectID: project.id)
        if let allowlist { try await services.allowlists.put(allowlist) }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.project, .delete), in: project)
        do {
            _ = try await services.projects.delete(id: project.id)
        } catch MetadataError.conflict(let message) {
            throw APIError.precondition(message)
        }
        await services.recordAudit(context.identity, "delete", "project", project.name, projectID: project.id)
        return JSONResponse.empty(.ok)
    }

    func summary(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.project, .read), in: project)
        let (repositories, byRole) = try await services.projects.summary(projectID: project.id)
        let quota = try await services.quotas.quota(projectID: project.id)
        return try JSONResponse.ok(ProjectSummary(
            quota: quota.map { ProjectSummaryQuota(hard: ["storage": $0.hard], used: ["storage": $0.used]) },
            repo_count: repositories, project_admin_count: byRole[ProjectRole.projectAdmin.rawValue] ?? 0,
            maintainer_count: byRole[ProjectRole.maintainer.rawValue] ?? 0, developer_count: byRole[ProjectRole.developer.rawValue] ?? 0,
            guest_count: byRole[ProjectRole.guest.rawValue] ?? 0, limited_guest_count: byRole[ProjectRole.limitedGuest.rawValue] ?? 0))
    }

    // MARK: metadata

    func listMetadata(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .read), in: project)
        return try JSONResponse.ok(try await services.projects.metadata(projectID: project.id))
    }

    func getMetadata(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .read), in: project)
        let name = try context.parameters.required("meta_name")
        guard let value = try await services.projects.metadata(projectID: project.id)[name] else {
            throw APIError.notFound("metadata \(name) not found")
        }
        return try JSONResponse.ok([name: value])
    }

    func addMetadata(_ request: Request, context: some APIContext) async throws -> Response {
        try await writeMetadata(request, context: context, action: .create)
    }

    func updateMetadata(_ request: Request, context: some APIContext) async throws -> Response {
        try await writeMetadata(request, context: context, action: .update)
    }

    func deleteMetadata(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, .delete), in: project)
        let name = try context.parameters.required("meta_name")
        if name == "public" { throw APIError.badRequest("the public flag cannot be deleted; set it to false") }
        guard try await services.projects.deleteMetadata(name, projectID: project.id) else { throw APIError.notFound("metadata \(name) not found") }
        return JSONResponse.empty(.ok)
    }

    private func writeMetadata(_ request: Request, context: some APIContext, action: Action) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.metadata, action), in: project)
        let values = try ProjectMetadataRules.validate(try await JSONBody.decode([String: String].self, from: request))
        if let name = context.parameters.get("meta_name"), values.keys.contains(where: { $0 != name }) {
            throw APIError.badRequest("the body may only set \(name)")
        }
        try await services.projects.updateMetadata(values, projectID: project.id)
        return JSONResponse.empty(.ok)
    }

    // MARK: helpers

    /// nil for callers who see every project, else the projects they are a member of.
    func visibleProjectIDs(_ identity: Identity) async throws -> [Int64]? {
        switch identity {
        case .user(let id, _, let isAdmin):
            return isAdmin ? nil : try await services.members.projectIDs(userID: id)
        case .robot(let robot):
            if robot.permissions.contains(where: { $0.kind == "project" && $0.namespace == "*" }) { return nil }
            var ids: [Int64] = []
            for entry in robot.permissions where entry.kind == "project" {
                if let project = try await services.projects.find(name: entry.namespace) { ids.append(project.id) }
            }
            return ids
        case .anonymous, .token:
            return []
        }
    }

    /// The API shape of a page of projects, with their details fetched in one batch.
    func responses(_ projects: [Project], for identity: Identity) async throws -> [ProjectResp] {
        let details = try await services.projects.details(of: projects.map(\.id), forUser: UserHandlers.userID(identity))
        let allowlists = try await services.allowlists.allowlists(projectIDs: projects.map(\.id))
        return projects.map { project in
            let detail = details[project.id] ?? ProjectDetails()
            let allowlist = allowlists[project.id] ?? CVEAllowlist(projectID: project.id, expiresAt: nil, cveIDs: [],
                                                                   creationTime: project.createdAt, updateTime: project.createdAt)
            return ProjectResp(
                project_id: project.id, owner_id: project.ownerID, name: project.name, owner_name: detail.ownerName,
                creation_time: Timestamp.rfc3339(millis: project.createdAt), update_time: Timestamp.rfc3339(millis: project.updatedAt),
                deleted: false, togglable: true, current_user_role_id: detail.callerRole,
                current_user_role_ids: detail.callerRole.map { [$0] }, repo_count: detail.repositoryCount, metadata: detail.metadata,
                cve_allowlist: CVEAllowlistHandlers.body(allowlist), registry_id: project.registryID)
        }
    }

    /// Harbor's project name rule.
    static func validateName(_ name: String) throws {
        let parts = name.split(omittingEmptySubsequences: false, whereSeparator: { ".-_".contains($0) })
        let valid = !name.isEmpty && name.count <= 255
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") } }
        guard valid else {
            throw APIError.badRequest("project name must be lowercase letters and digits, separated by single '.', '_' or '-'")
        }
    }
}

/// The project metadata keys Harbor stores, with the values each accepts.
enum ProjectMetadataRules {
    static let booleans: Set<String> = [
        "public", "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "auto_scan",
        "auto_sbom_generation", "reuse_sys_cve_allowlist", "proxy_cache_local_on_not_found", "proxy_referrer_api",
    ]
    static let severities: Set<String> = ["none", "low", "medium", "high", "critical"]
    static let others: Set<String> = ["retention_id", "proxy_speed_kb", "max_upstream_conn", "proxy_cache_filter_pattern", "proxy_cache_filter_kind"]

    static func validate(_ values: [String: String]) throws -> [String: String] {
        for (key, value) in values {
            if booleans.contains(key) {
                guard value == "true" || value == "false" else { throw APIError.badRequest("metadata \(key) must be \"true\" or \"false\"") }
            } else if key == "severity" {
                guard severities.contains(value.lowercased()) else { throw APIError.badRequest("severity must be one of none, low, medium, high, critical") }
            } else if others.contains(key) {
                if ["retention_id", "proxy_speed_kb", "max_upstream_conn"].contains(key), Int64(value) == nil {
                    throw APIError.badRequest("metadata \(key) must be an integer")
                }
            } else {
                throw APIError.badRequest("unknown project metadata \(key)")
            }
        }
        return values
    }
}
