import Access
import HTTPTypes
import Hummingbird
import Metadata
import OCI

/// Parses the registry route, finds the project the repository belongs to and checks that the
/// caller may perform the action the request needs. Anonymous callers that are refused get 401 with
/// a challenge (so clients retry with credentials); authenticated ones get 403.
public struct AuthorizationMiddleware: RouterMiddleware {
    public typealias Context = RegistryRequestContext
    let projects: ProjectStore
    let policy: any AccessPolicy
    let challenge: String

    public init(projects: ProjectStore, policy: any AccessPolicy, realm: String = "Berth") {
        self.projects = projects
        self.policy = policy
        self.challenge = "Basic realm=\"\(realm)\""
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let route = try RegistryRoute(path: request.uri.path) else {
            throw RegistryError(.unsupported, "no registry endpoint at \(request.uri.path.prefix(300))", status: .notFound)
        }
        var context = context
        context.route = route
        guard let repository = route.repository else {
            // `/v2/` and the catalog need a signed-in caller; that is how clients discover auth.
            guard context.identity != .anonymous else { throw unauthorized("authentication required") }
            return try await next(request, context)
        }
        let action = Self.requiredAction(route: route, method: request.method)
        guard let project = try await projects.find(name: repository.projectName) else {
            guard context.identity != .anonymous else { throw unauthorized("authentication required") }
            throw RegistryError(.nameUnknown, "project \(repository.projectName) not found")
        }
        let allowed = try await policy.allowedActions(for: context.identity, in: project)
        guard allowed.contains(action) else {
            if context.identity == .anonymous { throw unauthorized("authentication required to \(action.rawValue) \(repository)") }
            throw RegistryError(.denied, "not allowed to \(action.rawValue) \(repository)")
        }
        context.project = project
        context.allowedActions = allowed
        return try await next(request, context)
    }

    static func requiredAction(route: RegistryRoute, method: HTTPRequest.Method) -> RepositoryAction {
        switch (route, method) {
        case (.uploads, _), (.upload, _), (.manifest, .put):
            return .push
        case (.manifest, .delete), (.blob, .delete):
            return .delete
        default:
            return .pull
        }
    }

    func unauthorized(_ message: String) -> RegistryError {
        .unauthorized(message, challenge: challenge)
    }
}
