import Access
import Foundation
import Hummingbird
import Metadata

/// `/api/v2.0/usergroups...`: system administrators manage groups; anyone signed in may search
/// them by name (to add one to a project).
struct UserGroupHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.userGroup, .list))
        let paging = try Pagination(request)
        let query = request.uri.queryParameters
        let page = try await services.userGroups.list(nameContains: query["group_name"].map(String.init),
                                                      ldapDN: query["ldap_group_dn"].map(String.init), page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(UserGroupBody.init), headers: paging.headers(total: page.total, path: "/api/v2.0/usergroups"))
    }

    func search(_ request: Request, context: some APIContext) async throws -> Response {
        try services.requireAuthenticated(context.identity)
        guard let name = request.uri.queryParameters["groupname"].map(String.init), !name.isEmpty else {
            throw APIError.badRequest("groupname is required")
        }
        let paging = try Pagination(request)
        let page = try await services.userGroups.list(nameContains: name, ldapDN: nil, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(UserGroupSearchItem.init),
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/usergroups/search"))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.userGroup, .create))
        let body = try await JSONBody.decode(UserGroupBody.self, from: request)
        let group = try await UserGroupOnboarding(services: services).create(body)
        await services.recordAudit(context.identity, "create", "user_group", group.name, projectID: nil)
        return JSONResponse.created(location: "/api/v2.0/usergroups/\(group.id)")
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.userGroup, .read))
        return try JSONResponse.ok(UserGroupBody(try await group(context)))
    }

    /// Only the name changes, as in Harbor: a group's type and DN are what it is.
    func update(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.userGroup, .update))
        let id = try context.parameters.requiredID("group_id")
        let body = try await JSONBody.decode(UserGroupBody.self, from: request)
        guard let name = body.group_name?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.utf8.count <= 255 else {
            throw APIError.badRequest("group_name is required, at most 255 bytes")
        }
        guard try await services.userGroups.rename(id: id, to: name) else { throw APIError.notFound("user group \(id) not found") }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.userGroup, .delete))
        let group = try await group(context)
        guard try await services.userGroups.delete(id: group.id) else { throw APIError.notFound("user group \(group.id) not found") }
        await services.recordAudit(context.identity, "delete", "user_group", group.name, projectID: nil)
        return JSONResponse.empty(.ok)
    }

    private func group(_ context: some APIContext) async throws -> UserGroup {
        let id = try context.parameters.requiredID("group_id")
        guard let group = try await services.userGroups.find(id: id) else { throw APIError.notFound("user group \(id) not found") }
        return group
    }
}

struct UserGroupSearchItem: Encodable {
    let id: Int64
    let group_name: String
    let group_type: Int

    init(_ group: UserGroup) {
        id = group.id
        group_name = group.name
        group_type = group.type.rawValue
    }
}
