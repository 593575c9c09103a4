import Access
import Hummingbird

/// Sets `context.identity` from Basic credentials (users, robots), else from the portal's session
/// cookie. Wrong credentials are a 401 at once, never a silent fall-back to anonymous; registry
/// Bearer tokens are refused here. An ended session is anonymous: the portal then shows its login.
public struct APIAuthenticationMiddleware<Context: APIContext>: RouterMiddleware {
    let authenticator: Authenticator
    /// Whether the portal's session cookie counts here: for the API and the portal's own
    /// endpoints, never for the token service (a registry token got through a session would
    /// outlive its logout) or the endpoints the portal does not call.
    let acceptsSession: Bool

    public init(authenticator: Authenticator, acceptsSession: Bool = false) {
        self.authenticator = authenticator
        self.acceptsSession = acceptsSession
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch try await authenticator.authenticate(authorization: request.headers[.authorization], address: context.remoteAddress,
                                                    acceptBearer: false) {
        case .none:
            if acceptsSession, let sessions = authenticator.sessions, let cookie = SessionCookies.session(of: request.head),
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
