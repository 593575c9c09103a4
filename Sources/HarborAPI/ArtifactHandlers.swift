import Access
import Hummingbird
import Metadata
import OCI
import RequestGrammar

/// `/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts...`
struct ArtifactHandlers {
    let services: APIServices

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifact, .list), in: project)
        let name = try APIServices.repositoryName(context, in: project)
        guard let repository = try await services.repositories.find(name) else { throw APIError.notFound("repository \(name) not found") }
        let paging = try Pagination(request)
        let filter = try Self.filter(request)
        let page = try await services.artifacts.artifacts(repositoryID: repository.id, filter: filter, page: paging.offsetRequest)
        let body = try await ArtifactPresenter(services: services).present(page.items, options: try Self.options(request))
        return try JSONResponse.ok(body, headers: paging.headers(total: page.total, path: APIServices.path(of: name) + "/artifacts"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifact, .read), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let presenter = ArtifactPresenter(services: services)
        return try JSONResponse.ok(try await presenter.present([artifact], options: try Self.options(request))[0])
    }

    /// Deletes the artifact (every tag on it too); 412 while an index references it.
    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifact, .delete), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let tags = try await services.immutableRules.tags(ofDigest: artifact.digest.description, in: artifact.repositoryName.value)
        try await services.immutableRules.refuseDeleting(tags, in: artifact.repositoryName.value, projectID: project.id)
        try await services.artifacts.deleteArtifact(id: artifact.id, announce: await services.outbox(OutboxEvent(
            type: OutboxEvent.deleted, projectID: project.id, repository: artifact.repositoryName.value, digest: artifact.digest.description,
            details: .init(tags: tags, operatorName: context.identity.name))))
        await services.recordAudit(context.identity, "delete", "artifact", "\(artifact.repositoryName)@\(artifact.digest)", projectID: project.id)
        await services.events?.artifactDeleted(repository: artifact.repositoryName, reference: artifact.digest.description,
                                              operatorName: context.identity.name)
        return JSONResponse.empty(.ok)
    }

    /// `POST .../artifacts?from=<project>/<repo>@<digest>` or `...:<tag>`: copies the artifact, its
    /// children and tags into this repository. The caller must be able to pull the source.
    func copy(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifact, .create), in: project)
        let target = try APIServices.repositoryName(context, in: project)
        guard let from = request.uri.queryParameters["from"].map(String.init), !from.isEmpty else {
            throw APIError.badRequest("from is required: <project>/<repository>@<digest> or <project>/<repository>:<tag>")
        }
        let (sourceName, reference) = try Self.parseSource(from)
        guard let sourceProject = try await services.projects.find(name: sourceName.projectName) else {
            throw APIError.notFound("project \(sourceName.projectName) not found")
        }
        try await services.require(context.identity, Permission(.repository, .pull), in: sourceProject)
        guard let source = try await services.artifacts.artifact(reference, in: sourceName) else {
            throw APIError.notFound("artifact \(from) not found")
        }
        if let excess = try await services.quotas.excess(projectID: project.id, adding: try await services.artifacts.blobDigests(ofArtifact: source.id)) {
            throw APIError(.forbidden, code: "DENIED", excess.message)
        }
        try await services.artifacts.copy(artifactID: source.id, to: target, projectID: project.id)
        await services.recordAudit(context.identity, "create", "artifact", "\(target)@\(source.digest)", projectID: project.id)
        return JSONResponse.created(location: APIServices.path(of: target) + "/artifacts/\(source.digest)")
    }

    /// `GET .../artifacts/{reference}/accessories`: signatures, SBOMs and other referrers of the
    /// artifact, oldest first; `q=type=signature.cosign` picks one kind.
    func accessories(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.accessory, .list), in: project)
        let name = try APIServices.repositoryName(context, in: project)
        let artifact = try await services.artifact(context, in: name)
        let paging = try Pagination(request)
        var found = (try await services.artifacts.accessories(ofArtifacts: [artifact.id])[artifact.id] ?? []).map(ArtifactPresenter.accessory)
        if let type = HarborQuery(request).exact["type"] { found = found.filter { $0.type == type } }
        return try JSONResponse.ok(paging.slice(found), headers: paging.headers(
            total: Int64(found.count), path: APIServices.path(of: name) + "/artifacts/\(artifact.digest)/accessories"))
    }

    static func options(_ request: Request) throws -> ArtifactPresenter.Options {
        // Accepted as Harbor accepts it; signatures are accessories now (`with_accessory`).
        _ = try flag(request, "with_signature", default: false)
        return ArtifactPresenter.Options(withTags: try flag(request, "with_tag", default: true),
                                  withLabels: try flag(request, "with_label", default: false),
                                  withImmutableStatus: try flag(request, "with_immutable_status", default: false),
                                  withScanOverview: try flag(request, "with_scan_overview", default: false),
                                  withSBOMOverview: try flag(request, "with_sbom_overview", default: false),
                                  withAccessories: try flag(request, "with_accessory", default: false),
                                  withInheritedAccessories: try flag(request, "with_inherited_accessory", default: false))
    }

    static func parseSource(_ from: String) throws -> (RepositoryName, Reference) {
        if let at = from.firstIndex(of: "@") {
            return (try RepositoryName(String(from[..<at])), .digest(try Digest(parsing: String(from[from.index(after: at)...]))))
        }
        guard let colon = from.lastIndex(of: ":"), !from[colon...].contains("/") else {
            throw APIError.badRequest("from must name a digest (@sha256:...) or a tag (:tag)")
        }
        return (try RepositoryName(String(from[..<colon])), .tag(try Tag(String(from[from.index(after: colon)...]))))
    }

    /// Harbor's `q` for artifacts (`digest`, `tags`, `base=*`) and `sort` by push time.
    static func filter(_ request: Request) throws -> ArtifactFilter {
        let query = HarborQuery(request)
        var filter = ArtifactFilter()
        filter.digest = query.exact["digest"]
        filter.tag = query.exact["tags"]
        filter.tagContains = query.fuzzy["tags"]
        filter.includeChildren = query.exact["base"] == "*"
        // `labels=(1 2)` (carries both) or `labels=1`, by label id.
        let labels = query.allOf["labels"] ?? query.exact["labels"].map { [$0] } ?? []
        filter.labelIDs = try labels.map { text in
            guard let id = Int64(text) else { throw APIError.badRequest("labels takes label ids: labels=(1 2)") }
            return id
        }
        switch request.uri.queryParameters["sort"].map(String.init) {
        case nil, "", "-push_time", "-creation_time": filter.newestFirst = true
        case "push_time", "creation_time": filter.newestFirst = false
        default: throw APIError.badRequest("artifacts sort by push_time or -push_time")
        }
        return filter
    }
}
