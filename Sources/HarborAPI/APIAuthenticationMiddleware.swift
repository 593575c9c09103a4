import Access
import Hummingbird

/// Sets `context.identity` from Basic credentials (users, robots), else from the portal's session
/// cookie. Wrong credentials are a 401 at once, never a silent fall-back to anonymous; registry
/// Bearer tokens are refused here. An ended session is anonymous: the portal then shows its login.
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
            if let sessions = authenticator.sessions, let cookie = SessionCookies.session(of: request.head),
               let identity = try await sessions.identity(cookie: cookie) {
                context.identity = identity
            }
        case .authenticated(let identity):
            context.identity = identity
        case .rejected(let message):
            throw APIError.unauthorized(message)
        }
        return try await next(request, context)
    }
}
