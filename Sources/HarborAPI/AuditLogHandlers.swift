import Access
import Hummingbird
import Metadata
import RequestGrammar

/// `GET /api/v2.0/audit-logs` and `GET /api/v2.0/projects/{project_name}/logs`, and Harbor 2.13's
/// audit log ext over the same lines: `/auditlog-exts`, `/auditlog-exts/events` and
/// `/projects/{project_name}/auditlog-exts` (only its event types, with description and result).
struct AuditLogHandlers {
    let services: APIServices

    /// Administrators (and system robots allowed `audit-log:list`) see every line; others see the
    /// projects where they may `log:list`.
    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let visible: [Int64]? = services.policy.can(context.identity, system: Permission(.auditLog, .list))
            ? nil : try await logProjects(context.identity)
        return try await respond(request, filter: AuditLogFilter(projectIDs: visible), path: "/api/v2.0/audit-logs")
    }

    func projectLogs(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.log, .list), in: project)
        return try await respond(request, filter: AuditLogFilter(projectIDs: [project.id]), path: "/api/v2.0/projects/\(project.name)/logs")
    }

    func listExt(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        let visible: [Int64]? = services.policy.can(context.identity, system: Permission(.auditLog, .list))
            ? nil : try await logProjects(context.identity)
        return try await respond(request, filter: Self.ext(AuditLogFilter(projectIDs: visible)), path: "/api/v2.0/auditlog-exts")
    }

    func projectLogsExt(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.log, .list), in: project)
        return try await respond(request, filter: Self.ext(AuditLogFilter(projectIDs: [project.id])),
                                 path: "/api/v2.0/projects/\(project.name)/auditlog-exts")
    }

    func eventTypes(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.auditLog, .list))
        return try JSONResponse.ok(AuditEventType.allCases.map { ["event_type": $0.rawValue] })
    }

    private static func ext(_ filter: AuditLogFilter) -> AuditLogFilter {
        var filter = filter
        filter.eventTypes = AuditEventType.allCases
        return filter
    }

    private func respond(_ request: Request, filter: AuditLogFilter, path: String) async throws -> Response {
        var filter = filter
        let query = HarborQuery(request)
        filter.exact = query.exact.filter { AuditLogFilter.columns.contains($0.key) }
        filter.contains = query.fuzzy.filter { AuditLogFilter.columns.contains($0.key) }
        switch request.uri.queryParameters["sort"].map(String.init) {
        case nil, "", "-op_time": filter.oldestFirst = false
        case "op_time": filter.oldestFirst = true
        default: throw APIError.badRequest("audit logs sort by op_time or -op_time")
        }
        let paging = try Pagination(request)
        if filter.eventTypes != nil, let operation = filter.exact["operation"], operation == "create" {
            // The ext log calls a push `create`: a filter on `create` finds pushes too.
            filter.exact["operation"] = nil
            filter.eventTypes = filter.eventTypes?.filter { $0.rawValue.hasPrefix("create_") }
        }
        let page = try await services.auditLogs.list(filter, page: paging.offsetRequest)
        let headers = paging.headers(total: page.total, path: path)
        if filter.eventTypes != nil { return try JSONResponse.ok(page.items.map(AuditLogExtResp.init), headers: headers) }
        return try JSONResponse.ok(page.items.map(AuditLogResp.init), headers: headers)
    }

    private func logProjects(_ identity: Identity) async throws -> [Int64] {
        var candidates: [Project] = []
        switch identity {
        case .user(let id, _, _):
            for projectID in try await services.members.projectIDs(userID: id) {
                if let project = try await services.projects.find(id: projectID) { candidates.append(project) }
            }
        case .robot(let robot):
            for entry in robot.permissions where entry.kind == "project" && entry.namespace != "*" {
                if let project = try await services.projects.find(name: entry.namespace) { candidates.append(project) }
            }
        case .anonymous, .token:
            break
        }
        var result: [Int64] = []
        for project in candidates where try await services.policy.can(identity, Permission(.log, .list), in: project) {
            result.append(project.id)
        }
        return result
    }
}
