import Access
import Hummingbird
import Metadata
import OCI
import RequestGrammar

/// `/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags...`
struct TagHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.tag, .list), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let paging = try Pagination(request)
        let query = HarborQuery(request)
        var tags = try await services.artifacts.tags(ofArtifacts: [artifact.id])[artifact.id] ?? []
        if let exact = query.exact["name"] { tags = tags.filter { $0.name == exact } }
        if let part = query.fuzzy["name"] { tags = tags.filter { $0.name.contains(part) } }
        let pageItems = paging.slice(tags)
        let path = APIServices.path(of: artifact.repositoryName) + "/artifacts/\(artifact.digest)/tags"
        var shown = pageItems.map(TagResp.init)
        if try flag(request, "with_immutable_status", default: false) {
            shown = try await ArtifactPresenter.markImmutable(shown, repository: artifact.repositoryName.value, projectID: project.id, services: services)
        }
        return try JSONResponse.ok(shown, headers: paging.headers(total: Int64(tags.count), path: path))
    }

    /// Body `{"name":"v2"}`; 409 when the repository already has the tag.
    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.tag, .create), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let tag = try Tag(try await JSONBody.decode(TagReq.self, from: request).name)
        guard try await services.artifacts.createTag(tag, artifactID: artifact.id, repositoryID: artifact.repositoryID) != nil else {
            throw APIError.conflict("tag \(tag.value) already exists in \(artifact.repositoryName)")
        }
        await services.recordAudit(context.identity, "create", "tag", "\(artifact.repositoryName):\(tag.value)", projectID: project.id)
        return JSONResponse.created(location: APIServices.path(of: artifact.repositoryName) + "/artifacts/\(artifact.digest)/tags/\(tag.value)")
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.tag, .delete), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let name = try context.parameters.required("tag_name")
        try await services.immutableRules.refuseDeleting([name], in: artifact.repositoryName.value, projectID: project.id)
        guard try await services.artifacts.deleteTag(named: name, artifactID: artifact.id) else {
            throw APIError.notFound("tag \(name) not found on \(artifact.digest)")
        }
        await services.recordAudit(context.identity, "delete", "tag", "\(artifact.repositoryName):\(name)", projectID: project.id)
        await services.events?.artifactDeleted(repository: artifact.repositoryName, reference: name, operatorName: context.identity.name)
        return JSONResponse.empty(.ok)
    }
}
