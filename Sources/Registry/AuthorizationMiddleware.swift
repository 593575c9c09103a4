import Access
import HTTPTypes
import Hummingbird
import Metadata
import OCI

/// Parses the registry route, finds the project the repository belongs to and checks that the
/// caller may perform the action the request needs. As in Harbor, a request without an
/// `Authorization` header is always answered 401 with a Bearer challenge naming the scope, so that
/// clients fetch a token (anonymous tokens included). A token that lacks the scope gets the same
/// challenge, so the client fetches a token for it; a caller signed in with Basic credentials that
/// lacks the permission gets 403, since asking again would not help.
public struct AuthorizationMiddleware<Context: RegistryContext>: RouterMiddleware {
    let pullCache: PullCache
    let policy: any AccessPolicy
    let challenge: RegistryChallenge

    public init(pullCache: PullCache, policy: any AccessPolicy, challenge: RegistryChallenge) {
        self.pullCache = pullCache
        self.policy = policy
        self.challenge = challenge
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let route = try RegistryRoute(path: request.uri.path) else {
            throw RegistryError(.unsupported, "no registry endpoint at \(request.uri.path.prefix(300))", status: .notFound)
        }
        var context = context
        context.registry.route = route
        let action = Self.requiredAction(route: route, method: request.method)
        let hasCredentials = request.headers[.authorization] != nil
        func refuse(_ message: String) -> RegistryError {
            let signedInWithBasic: Bool
            switch context.identity {
            case .user, .robot: signedInWithBasic = true
            case .anonymous, .token: signedInWithBasic = false
            }
            guard hasCredentials && signedInWithBasic else {
                return challenge.unauthorized(message, request: request, route: route, action: action)
            }
            return RegistryError(.denied, message)
        }

        switch route {
        case .base:
            guard context.identity.isAuthenticated else { throw refuse("authentication required") }
            return try await next(request, context)
        case .catalog:
            guard policy.can(context.identity, system: Permission(.catalog, .read)) else {
                throw refuse("listing the catalog needs the system catalog permission")
            }
            return try await next(request, context)
        default:
            break
        }
        guard let repository = route.repository else { throw RegistryError(.unknown, "route without repository") }
        guard hasCredentials else { throw refuse("authentication required") }
        context.registry.stamp = await pullCache.stamp()
        guard let found = try await pullCache.project(named: repository.projectName, at: context.registry.stamp) else {
            guard context.identity.isAuthenticated else { throw refuse("authentication required") }
            throw RegistryError(.nameUnknown, "project \(repository.projectName) not found")
        }
        let project = found.project
        let allowed = try await policy.allowedActions(for: context.identity, repository: repository, in: project)
        guard allowed.contains(action) else { throw refuse("not allowed to \(action.rawValue) \(repository)") }
        context.registry.project = project
        context.registry.projectHasPullGates = found.hasPullGates
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
}
