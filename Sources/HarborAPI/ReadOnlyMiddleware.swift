import Hummingbird
import Metadata

/// Harbor's read-only mode (`read_only` in `/configurations`): while it is on, every request that
/// would change something, through `/v2/` or the API, is refused with Harbor's 403 `DENIED`.
/// Reads go on, and so do turning the mode off and logging in and out.
public struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    let settings: SystemSettingsCache
    static var message: String { "The system is in read only mode. Any modification is prohibited." }

    public init(settings: SystemSettingsCache) {
        self.settings = settings
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options:
            return try await next(request, context)
        default:
            let path = request.uri.path
            let exempt = path == "/api/v2.0/configurations" || path.hasPrefix("/c/")
            if exempt { return try await next(request, context) }
            guard await settings.current.readOnly else { return try await next(request, context) }
            return JSONResponse.error(.readOnly(Self.message), includeBody: true)
        }
    }
}
