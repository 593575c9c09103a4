import Access
import Foundation
import Hummingbird
import Metadata
import OCI
import RequestGrammar

/// `GET /service/token`: Docker token authentication. The token's `access` claim holds only what the
/// caller asked for and is allowed: a guest asking for `pull,push` gets `pull`.
struct TokenHandler {
    let services: APIServices

    func issue(_ request: Request, context: some APIContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard query["service"].map(String.init) == TokenSigner.audience else {
            throw APIError.badRequest("Unable to handle service: \(query["service"].map(String.init) ?? "")")
        }
        let scopes = Scope.parseAll(query.getAll("scope").map { String($0) })
        let identity = context.identity
        if !identity.isAuthenticated && scopes.isEmpty {
            throw APIError.unauthorized("authentication required")
        }
        var access: [TokenAccess] = []
        for scope in scopes {
            access.append(TokenAccess(type: scope.type, name: scope.name, actions: try await granted(scope, to: identity)))
        }
        if scopes.isEmpty, let name = identity.name {
            // A token request without scope is how `docker login` checks credentials.
            await services.recordAudit(identity, "login", "user", name, projectID: nil)
        }
        let now = Int64(Date().timeIntervalSince1970)
        let lifetime = await services.systemSettings.current.tokenLifetimeSeconds
        let claims = TokenClaims(subject: identity.name ?? "", access: access, issuedAt: now, lifetime: lifetime)
        let token = try services.signer.sign(claims)
        return try JSONResponse.ok(TokenResponse(token: token, access_token: token, expires_in: lifetime,
                                        issued_at: Timestamp.rfc3339(millis: now * 1000)))
    }

    private func granted(_ scope: Scope, to identity: Identity) async throws -> [String] {
        switch scope.type {
        case "repository":
            guard let repository = try? RepositoryName(scope.name),
                  let project = try await services.projects.find(name: repository.projectName) else { return [] }
            let allowed = try await services.policy.allowedActions(for: identity, repository: repository, in: project)
            let requested = Set(scope.actions.flatMap { $0 == "*" ? RepositoryAction.allCases.map(\.rawValue) : [$0] })
            return RepositoryAction.allCases.filter { allowed.contains($0) && requested.contains($0.rawValue) }.map(\.rawValue)
        case "registry" where scope.name == "catalog":
            return services.policy.can(identity, system: Permission(.catalog, .read)) ? ["*"] : []
        default:
            return []
        }
    }
}

/// The token service's answer, as Harbor writes it.
struct TokenResponse: Encodable {
    let token: String
    let access_token: String
    let expires_in: Int64
    let issued_at: String
}
