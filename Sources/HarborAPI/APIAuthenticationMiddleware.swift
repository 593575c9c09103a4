import Access
import Hummingbird

/// Sets `context.identity` from Basic credentials (users, robots). Wrong credentials are a 401 at
/// once, never a silent fall-back to anonymous; registry Bearer tokens are refused here.
public struct APIAuthenticationMiddleware<Context: APIContext>: RouterMiddleware {
    let authenticator: Authenticator

    public init(authenticator: Authenticator) {
        self.authenticator = authenticator
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch try await authenticator.authenticate(authorization: request.headers[.authorization], address: context.remoteAddress,
                                                    acceptBearer: false) {
        case .none:
            break
        case .authenticated(let identity):
            context.identity = identity
        case .rejected(let message):
            throw APIError.unauthorized(message)
        }
        return try await next(request, context)
    }
}
