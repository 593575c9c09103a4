import Access
import Hummingbird
import Metadata
import RequestGrammar

/// `/api/v2.0/projects/{project_name}/repositories...`
struct RepositoryHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.repository, .list), in: project)
        let paging = try Pagination(request)
        let query = HarborQuery(request)
        let (sort, descending) = try Self.sort(request)
        let page = try await services.repositories.list(
            projectID: project.id, nameContains: query.fuzzy["name"], exactName: query.exact["name"].map(Self.fullName(project)),
            sort: sort, descending: descending, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(RepositoryResp.init),
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/projects/\(project.name)/repositories"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.repository, .read), in: project)
        let name = try APIServices.repositoryName(context, in: project)
        guard let repository = try await services.repositories.info(name) else { throw APIError.notFound("repository \(name) not found") }
        return try JSONResponse.ok(RepositoryResp(repository))
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.repository, .update), in: project)
        let name = try APIServices.repositoryName(context, in: project)
        let body = try await JSONBody.decode(RepositoryUpdate.self, from: request)
        guard try await services.repositories.updateDescription(body.description ?? "", of: name) else {
            throw APIError.notFound("repository \(name) not found")
        }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.repository, .delete), in: project)
        let name = try APIServices.repositoryName(context, in: project)
        try await services.immutableRules.refuseDeleting(try await services.immutableRules.tags(ofRepository: name.value),
                                                         in: name.value, projectID: project.id)
        guard try await services.repositories.delete(name) else { throw APIError.notFound("repository \(name) not found") }
        await services.recordAudit(context.identity, "delete", "repository", name.value, projectID: project.id)
        return JSONResponse.empty(.ok)
    }

    /// Harbor's `sort`: a field, `-` for descending. Newest first by default.
    static func sort(_ request: Request) throws -> (RepositorySort, descending: Bool) {
        guard let text = request.uri.queryParameters["sort"].map(String.init), !text.isEmpty else { return (.creationTime, true) }
        let descending = text.hasPrefix("-")
        guard let sort = RepositorySort(rawValue: String(text.drop { $0 == "-" })) else {
            throw APIError.badRequest("sort must be name, creation_time, update_time or pull_count, optionally with '-'")
        }
        return (sort, descending)
    }

    /// `q=name=x` names the repository inside the project or in full.
    static func fullName(_ project: Project) -> (String) -> String {
        { $0.hasPrefix(project.name + "/") ? $0 : project.name + "/" + $0 }
    }
}
