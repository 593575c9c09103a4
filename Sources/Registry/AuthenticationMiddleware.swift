import Access
import HTTPTypes
import Hummingbird

/// Establishes `context.identity` from the `Authorization` header (Basic for users and robots,
/// Bearer for tokens). Wrong credentials are refused here with 401; a request without credentials
/// stays anonymous and authorization decides.
public struct AuthenticationMiddleware<Context: RegistryContext>: RouterMiddleware {
    let authenticator: Authenticator
    let challenge: RegistryChallenge

    public init(authenticator: Authenticator, challenge: RegistryChallenge) {
        self.authenticator = authenticator
        self.challenge = challenge
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let header = request.headers[.authorization]
        switch try await authenticator.authenticate(authorization: header, address: context.remoteAddress) {
        case .none:
            break
        case .authenticated(let identity):
            context.identity = identity
        case .rejected(let message):
            let isBearer = header?.lowercased().hasPrefix("bearer") == true
            throw RegistryError.unauthorized(message, challenge: isBearer
                ? challenge.bearer(for: request, scope: nil, error: "invalid_token")
                : RegistryChallenge.basic)
        }
        return try await next(request, context)
    }
}
