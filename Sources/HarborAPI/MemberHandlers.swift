import Access
import Hummingbird
import Metadata

/// `/api/v2.0/projects/{project_name_or_id}/members...`
struct MemberHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.member, .list), in: project)
        let paging = try Pagination(request)
        let members = try await services.members.list(projectID: project.id, nameContains: request.uri.queryParameters["entityname"].map(String.init))
        let pageItems = paging.slice(members)
        return try JSONResponse.ok(pageItems.map(ProjectMemberEntity.init),
                                   headers: paging.headers(total: Int64(members.count), path: "/api/v2.0/projects/\(project.name)/members"))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.member, .create), in: project)
        let body = try await JSONBody.decode(ProjectMemberReq.self, from: request)
        guard ProjectRole(rawValue: body.role_id) != nil else { throw APIError.badRequest("role_id must be 1 to 5") }
        let (entity, name) = try await member(body)
        guard let member = try await services.members.add(entity, projectID: project.id, role: body.role_id) else {
            throw APIError.conflict("\(name) is already a member of \(project.name)")
        }
        await services.recordAudit(context.identity, "create", "member", name, projectID: project.id)
        return JSONResponse.created(location: "/api/v2.0/projects/\(project.id)/members/\(member.id)")
    }

    /// The user or group a request adds, and its name: exactly one of `member_user` and
    /// `member_group`. A group not yet known is created (an LDAP one only if the directory has it).
    private func member(_ body: ProjectMemberReq) async throws -> (MemberEntity, String) {
        switch (body.member_user, body.member_group) {
        case (let entity?, nil):
            let user: User?
            if let id = entity.user_id {
                user = try await services.users.find(id: id)
            } else if let name = entity.username {
                user = try await services.users.find(username: name)
            } else {
                throw APIError.badRequest("member_user needs user_id or username")
            }
            guard let user else { throw APIError.notFound("user not found") }
            return (.user(user.id), user.username)
        case (nil, let group?):
            let stored = try await UserGroupOnboarding(services: services).resolve(group)
            return (.group(stored.id), stored.name)
        default:
            throw APIError.badRequest("give either member_user or member_group")
        }
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.member, .read), in: project)
        let id = try context.parameters.requiredID("mid")
        guard let member = try await services.members.find(id: id, projectID: project.id) else { throw APIError.notFound("member \(id) not found") }
        return try JSONResponse.ok(ProjectMemberEntity(member))
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.member, .update), in: project)
        let id = try context.parameters.requiredID("mid")
        let body = try await JSONBody.decode(RoleRequest.self, from: request)
        guard ProjectRole(rawValue: body.role_id) != nil else { throw APIError.badRequest("role_id must be 1 to 5") }
        guard try await services.members.updateRole(id: id, projectID: project.id, role: body.role_id) else {
            throw APIError.notFound("member \(id) not found")
        }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.member, .delete), in: project)
        let id = try context.parameters.requiredID("mid")
        guard let member = try await services.members.find(id: id, projectID: project.id),
              try await services.members.delete(id: id, projectID: project.id) else { throw APIError.notFound("member \(id) not found") }
        await services.recordAudit(context.identity, "delete", "member", member.entityName, projectID: project.id)
        return JSONResponse.empty(.ok)
    }
}
