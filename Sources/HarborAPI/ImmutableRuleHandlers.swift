import Access
import Foundation
import Hummingbird
import Metadata
import Selectors

/// `/api/v2.0/projects/{project}/immutabletagrules`: Harbor's immutable tag rules.
struct ImmutableRuleHandlers {
    let services: APIServices
    /// Harbor allows 15 rules per project, as for retention.
    static let maximumRules = 15

    func list(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.immutableTag, .list), in: project)
        let paging = try Pagination(request)
        let page = try await services.immutableRules.list(projectID: project.id, page: paging.offsetRequest)
        return try JSONResponse.ok(page.items.map(ImmutableRuleResp.init),
                                   headers: paging.headers(total: page.total, path: "/api/v2.0/projects/\(project.name)/immutabletagrules"))
    }

    func create(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.immutableTag, .create), in: project)
        let rule = try await JSONBody.decode(ImmutableRuleReq.self, from: request).validated()
        let existing = try await services.immutableRules.list(projectID: project.id, page: OffsetRequest(offset: 0, limit: 100)).items
        guard existing.count < Self.maximumRules else { throw APIError.badRequest("a project has at most \(Self.maximumRules) immutable tag rules") }
        if existing.contains(where: { $0.tagSelectors == rule.tags && $0.scopeSelectors == rule.scopes }) {
            throw APIError.conflict("an immutable tag rule with the same selectors already exists")
        }
        let id = try await services.immutableRules.create(projectID: project.id, priority: rule.priority, disabled: rule.disabled,
                                                          tagSelectors: rule.tags, scopeSelectors: rule.scopes)
        return JSONResponse.created(location: "/api/v2.0/projects/\(project.id)/immutabletagrules/\(id)")
    }

    func update(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.immutableTag, .update), in: project)
        let id = try context.parameters.requiredID("immutable_rule_id")
        let rule = try await JSONBody.decode(ImmutableRuleReq.self, from: request).validated()
        guard try await services.immutableRules.update(id: id, projectID: project.id, priority: rule.priority, disabled: rule.disabled,
                                                       tagSelectors: rule.tags, scopeSelectors: rule.scopes) else {
            throw APIError.notFound("immutable tag rule \(id) not found in \(project.name)")
        }
        return JSONResponse.empty(.ok)
    }

    func delete(_ request: Request, context: some APIContext) async throws -> Response {
        let project = try await services.project(request, parameter: try context.parameters.required("project_name_or_id"))
        try await services.require(context.identity, Permission(.immutableTag, .delete), in: project)
        let id = try context.parameters.requiredID("immutable_rule_id")
        guard try await services.immutableRules.delete(id: id, projectID: project.id) else {
            throw APIError.notFound("immutable tag rule \(id) not found in \(project.name)")
        }
        return JSONResponse.empty(.ok)
    }
}

/// Harbor's `ImmutableRule` as clients send it.
struct ImmutableRuleReq: Decodable {
    let priority: Int?
    let disabled: Bool?
    let action: String?
    let template: String?
    let tag_selectors: [Selector]?
    let scope_selectors: [String: [Selector]]?

    struct Valid {
        let priority: Int
        let disabled: Bool
        let tags: [Selector]
        let scopes: [String: [Selector]]
    }

    func validated() throws -> Valid {
        if let action, action != "immutable" { throw APIError.badRequest("action must be immutable") }
        if let template, template != "immutable_template" { throw APIError.badRequest("template must be immutable_template") }
        let tags = tag_selectors ?? [], scopes = scope_selectors ?? [:]
        do {
            try RuleSelectors.validate(tags: tags, scopes: scopes)
        } catch {
            throw APIError.badRequest(error.message)
        }
        return Valid(priority: priority ?? 0, disabled: disabled ?? false, tags: tags, scopes: scopes)
    }
}

/// As the swagger's `ImmutableRule`, which has no project id (the path names the project).
struct ImmutableRuleResp: Encodable {
    let id: Int64
    let priority: Int
    let disabled: Bool
    let action = "immutable"
    let template = "immutable_template"
    let tag_selectors: [Selector]
    let scope_selectors: [String: [Selector]]

    init(_ rule: ImmutableRule) {
        id = rule.id
        priority = rule.priority
        disabled = rule.disabled
        tag_selectors = rule.tagSelectors
        scope_selectors = rule.scopeSelectors
    }
}
