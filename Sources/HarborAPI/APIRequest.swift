import Access
import HTTPTypes
import Hummingbird
import Metadata
import RequestGrammar

/// Paging as Harbor's API does it: `page` (from 1) and `page_size` (default 10, at most 100), with
/// `X-Total-Count` and a `Link` header to the neighbouring pages.
struct Pagination {
    let page: Int
    let pageSize: Int

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        // Bounded so that offsets cannot overflow.
        page = try query["page"].map { guard let v = Int($0), v >= 1, v <= 10_000_000 else { throw APIError.badRequest("page must be 1 to 10000000") }; return v } ?? 1
        pageSize = try query["page_size"].map { guard let v = Int($0), v >= 1, v <= 100 else { throw APIError.badRequest("page_size must be 1 to 100") }; return v } ?? 10
    }

    var offsetRequest: OffsetRequest { OffsetRequest(offset: (page - 1) * pageSize, limit: pageSize) }

    /// This page of a list already in memory.
    func slice<C: Collection>(_ items: C) -> [C.Element] {
        Array(items.dropFirst(offsetRequest.offset).prefix(pageSize))
    }

    func headers(total: Int64, path: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Total-Count")!] = String(total)
        var links: [String] = []
        if page > 1 { links.append("<\(path)?page=\(page - 1)&page_size=\(pageSize)>; rel=\"prev\"") }
        if Int64(page * pageSize) < total { links.append("<\(path)?page=\(page + 1)&page_size=\(pageSize)>; rel=\"next\"") }
        if !links.isEmpty { headers[HTTPField.Name("Link")!] = links.joined(separator: " , ") }
        return headers
    }
}

extension HarborQuery {
    /// The request's `q` (see `RequestGrammar.HarborQuery`).
    init(_ request: Request) {
        self.init(parsing: request.uri.queryParameters["q"].map(String.init))
    }

    /// A listing's name filter as Harbor clients send it: `name=x`, or `q=name=~x` / `q=name=x`;
    /// matched as a substring.
    static func name(_ request: Request) -> String? {
        let query = HarborQuery(request)
        return request.uri.queryParameters["name"].map(String.init) ?? query.fuzzy["name"] ?? query.exact["name"]
    }
}

/// A boolean query flag (`with_tag=true`); anything but `true` or `false` is a 400.
func flag(_ request: Request, _ name: String, default value: Bool) throws -> Bool {
    switch request.uri.queryParameters[Substring(name)].map(String.init) {
    case nil: return value
    case "true": return true
    case "false": return false
    default: throw APIError.badRequest("\(name) must be true or false")
    }
}

extension APIServices {
    /// Refuses unless `identity` has `permission` in `project`: 401 for anonymous callers, 403 else.
    func require(_ identity: Identity, _ permission: Permission, in project: Project) async throws {
        guard try await policy.can(identity, permission, in: project) else { throw Self.refusal(identity, permission) }
    }

    func require(_ identity: Identity, system permission: Permission) throws {
        guard policy.can(identity, system: permission) else { throw Self.refusal(identity, permission) }
    }

    func requireAuthenticated(_ identity: Identity) throws {
        guard identity.isAuthenticated else { throw APIError.unauthorized("authentication required") }
    }

    static func refusal(_ identity: Identity, _ permission: Permission) -> APIError {
        identity.isAuthenticated ? .forbidden("not allowed to \(permission.action.rawValue) \(permission.resource.rawValue)")
            : .unauthorized("authentication required")
    }

    /// The project a `{project_name_or_id}` path parameter names. A number is an id unless
    /// `X-Is-Resource-Name: true` says it is a name, as in Harbor.
    func project(_ request: Request, parameter: String) async throws -> Project {
        let isName = request.headers[HTTPField.Name("X-Is-Resource-Name")!]?.lowercased() == "true"
        let project: Project?
        if !isName, let id = Int64(parameter) {
            project = try await projects.find(id: id)
        } else {
            project = try await projects.find(name: parameter)
        }
        guard let project else { throw APIError.notFound("project \(parameter) not found") }
        return project
    }
}

extension Parameters {
    func required(_ name: String) throws -> String {
        guard let value = self.get(name) else { throw APIError.badRequest("missing path parameter \(name)") }
        return value
    }

    func requiredID(_ name: String) throws -> Int64 {
        guard let value = self.get(name).flatMap(Int64.init), value > 0 else { throw APIError.badRequest("\(name) must be a positive integer") }
        return value
    }
}
