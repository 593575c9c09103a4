import Access
import Foundation
import Hummingbird
import Metadata
import RequestGrammar

/// `/labels...` and `.../artifacts/{reference}/labels...`: global labels (scope `g`, system
/// administrators) and project labels (scope `p`, the project's label permission), and putting
/// them on artifacts.
struct LabelHandlers {
    let services: APIServices

    static let maximumNameLength = 128

    /// `scope` defaults to `g`; `p` needs `project_id`, and the project's `label:list`, which
    /// everyone has in a public project (anonymous callers too, as in Harbor).
    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let paging = try Pagination(request)
        let query = HarborQuery(request)
        let scope = request.uri.queryParameters["scope"].map(String.init) ?? "g"
        var projectID: Int64?
        switch scope {
        case "g": try services.requireAuthenticated(context.identity)
        case "p":
            guard let text = request.uri.queryParameters["project_id"], let id = Int64(text) else {
                throw APIError.badRequest("project_id is required with scope p")
            }
            guard let project = try await services.projects.find(id: id) else { throw APIError.notFound("project \(id) not found") }
            try await services.require(context.identity, Permission(.label, .list), in: project)
            projectID = id
        default:
            throw APIError.badRequest("scope must be g (global) or p (project)")
        }
        let name = request.uri.queryParameters["name"].map(String.init) ?? query.exact["name"]
        let page = try await services.labels.list(scope: scope, projectID: projectID, name: name, nameContains: query.fuzzy["name"],
                                                   page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(LabelJSON.init), headers: paging.headers(total: page.total, path: "/api/v2.0/labels"))
    }

    func get(_ request: Request, context: some APIContext) async throws -> Response {
        let label = try await stored(context, .read)
        return try JSONResponse.ok(LabelJSON(label))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let body = try await JSONBody.decode(LabelJSON.self, from: request)
        let now = WallClock.nowMillis()
        var label = LabelRecord(name: body.name ?? "", description: body.description ?? "", color: body.color ?? "",
                                scope: body.scope ?? "", projectID: body.scope == "p" ? body.project_id : nil, creationTime: now, updateTime: now)
        try Self.validate(&label)
        try await authorize(label, .create, context)
        let id = try await services.labels.insert(label)
        await services.recordAudit(context.identity, "create", "label", label.name, projectID: label.projectID)
        return JSONResponse.created(location: "/api/v2.0/labels/\(id)")
    }

    /// Name, description and color change; scope and project do not.
    func update(_ request: Request, context: some APIContext) async throws -> Response {
        var label = try await stored(context, .update)
        let body = try await JSONBody.decode(LabelJSON.self, from: request)
        if let name = body.name { label.name = name }
        if let description = body.description { label.description = description }
        if let color = body.color { label.color = color }
        label.updateTime = WallClock.nowMillis()
        try Self.validate(&label)
        try await services.labels.update(label)
        return JSONResponse.empty(.ok)
    }

    /// Takes the label off every artifact, then removes it.
    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let label = try await stored(context, .delete)
        try await services.labels.delete(label.id)
        await services.recordAudit(context.identity, "delete", "label", label.name, projectID: label.projectID)
        return JSONResponse.empty(.ok)
    }

    /// `POST .../artifacts/{reference}/labels {"id": N}`: a global label or one of the artifact's
    /// project; 409 when the artifact has it already.
    func addToArtifact(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifactLabel, .create), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        guard let id = try await JSONBody.decode(LabelJSON.self, from: request).id else { throw APIError.badRequest("the label's id is required") }
        guard let label = try await services.labels.find(id) else { throw APIError.notFound("label \(id) not found") }
        guard label.scope == "g" || label.projectID == project.id else {
            throw APIError.badRequest("label \(label.name) belongs to another project")
        }
        guard try await services.labels.add(label.id, toArtifact: artifact.id) else {
            throw APIError.conflict("the artifact already has label \(label.name)")
        }
        return JSONResponse.empty(.ok)
    }

    func removeFromArtifact(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.namedProject(context)
        try await services.require(context.identity, Permission(.artifactLabel, .delete), in: project)
        let artifact = try await services.artifact(context, in: try APIServices.repositoryName(context, in: project))
        let id = try context.parameters.requiredID("label_id")
        guard try await services.labels.remove(id, fromArtifact: artifact.id) else {
            throw APIError.notFound("the artifact does not have label \(id)")
        }
        return JSONResponse.empty(.ok)
    }

    // MARK: helpers

    /// The label, after checking `action` on it: global labels are anyone's to read and system
    /// administrators' to change; project labels follow the project's label permission.
    private func stored(_ context: some APIContext, _ action: Action) async throws -> LabelRecord {
        let id = try context.parameters.requiredID("label_id")
        guard let label = try await services.labels.find(id) else { throw APIError.notFound("label \(id) not found") }
        try await authorize(label, action, context)
        return label
    }

    private func authorize(_ label: LabelRecord, _ action: Action, _ context: some APIContext) async throws {
        if label.scope == "g" {
            if action == .read { try services.requireAuthenticated(context.identity) } else {
                try services.require(context.identity, system: Permission(.label, action))
            }
            return
        }
        guard let projectID = label.projectID, let project = try await services.projects.find(id: projectID) else {
            throw APIError.badRequest("project \(label.projectID ?? 0) does not exist")
        }
        try await services.require(context.identity, Permission(.label, action), in: project)
    }

    /// Harbor's rules: a name, scope `g` or `p` (with a project), a `#RRGGBB` color or none.
    static func validate(_ label: inout LabelRecord) throws {
        label.name = label.name.trimmingCharacters(in: .whitespaces)
        guard !label.name.isEmpty, label.name.count <= maximumNameLength else {
            throw APIError.badRequest("name is required (at most \(maximumNameLength) characters)")
        }
        guard label.scope == "g" || label.scope == "p" else { throw APIError.badRequest("scope must be g (global) or p (project)") }
        if label.scope == "p" && (label.projectID ?? 0) <= 0 { throw APIError.badRequest("a project label needs project_id") }
        let hex = label.color.dropFirst()
        guard label.color.isEmpty || (label.color.hasPrefix("#") && hex.count == 6 && hex.allSatisfy(\.isHexDigit)) else {
            throw APIError.badRequest("color must be #RRGGBB (got '\(label.color)')")
        }
    }
}
