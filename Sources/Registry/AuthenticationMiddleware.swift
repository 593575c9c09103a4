import Access
import HTTPTypes
import Hummingbird

/// Establishes `context.identity` from the `Authorization` header. Wrong credentials are refused
/// here with 401; missing credentials leave the caller anonymous, and authorization decides.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = RegistryRequestContext
    let authenticator: Authenticator
    let challenge: String

    public init(authenticator: Authenticator, realm: String = "Berth") {
        self.authenticator = authenticator
        self.challenge = "Basic realm=\"\(realm)\""
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // containers/image sends `Basic Og==` (empty name and password) when it has no credentials.
        if let header = request.headers[.authorization], BasicCredentials(authorizationHeader: header) != Self.empty {
            guard let credentials = BasicCredentials(authorizationHeader: header),
                  let user = try await authenticator.authenticate(username: credentials.username, password: credentials.password)
            else { throw unauthorized("invalid username or password") }
            context.identity = .user(id: user.id, name: user.username, isAdmin: user.isAdmin)
        }
        return try await next(request, context)
    }

    static let empty = BasicCredentials(authorizationHeader: "Basic Og==")

    func unauthorized(_ message: String) -> RegistryError {
        .unauthorized(message, challenge: challenge)
    }
}
