import Foundation
import Access
import HTTPTypes
import Hummingbird

/// Harbor's CSRF rule for browser sessions: a state-changing API request that carries the session
/// cookie (`sid`) must also carry `X-Harbor-CSRF-Token` equal to the `__csrf` cookie (double
/// submit). Scripts and CLIs that send no session cookie are not affected. The portal's login sets
/// both cookies; until then, a request with a session cookie and no matching token is refused.
public struct CSRFMiddleware<Context: APIContext>: RouterMiddleware {
    static var tokenHeader: HTTPField.Name { HTTPField.Name("X-Harbor-CSRF-Token")! }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            let cookies = SessionCookies.parse(request.headers[values: .cookie])
            guard cookies[SessionCookies.session] != nil else { return try await next(request, context) }
            guard let expected = cookies[SessionCookies.csrf], !expected.isEmpty, let presented = request.headers[Self.tokenHeader],
                  ConstantTime.equal(Array(expected.utf8), Array(presented.utf8)) else {
                throw APIError.forbidden("CSRF token invalid")
            }
            return try await next(request, context)
        }
    }
}
