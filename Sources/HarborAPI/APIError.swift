import HTTPTypes

/// Harbor's error body `{"errors":[{"code":"NOT_FOUND","message":"..."}]}` with the statuses Harbor
/// uses. Handlers throw these; `APIErrorMiddleware` renders them.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIError { .init(.badRequest, code: "BAD_REQUEST", message) }
    public static func unauthorized(_ message: String) -> APIError { .init(.unauthorized, code: "UNAUTHORIZED", message) }
    public static func forbidden(_ message: String) -> APIError { .init(.forbidden, code: "FORBIDDEN", message) }
    public static func notFound(_ message: String) -> APIError { .init(.notFound, code: "NOT_FOUND", message) }
    public static func conflict(_ message: String) -> APIError { .init(.conflict, code: "CONFLICT", message) }
    public static func precondition(_ message: String) -> APIError { .init(.preconditionFailed, code: "PRECONDITION", message) }
    /// Harbor's 412 for deleting an artifact that an index still lists.
    public static func referenced(_ message: String) -> APIError { .init(.preconditionFailed, code: "VIOLATE_FOREIGN_KEY_CONSTRAINT", message) }
    public static func methodNotAllowed(_ message: String) -> APIError { .init(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", message) }
    public static func tooManyRequests(_ message: String) -> APIError { .init(.tooManyRequests, code: "TOO_MANY_REQUEST", message) }
    /// Harbor's answer to a change while `read_only` is on.
    public static func readOnly(_ message: String) -> APIError { .init(.forbidden, code: "DENIED", message) }
    public static func unavailable(_ message: String) -> APIError { .init(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message) }
    public static func `internal`(_ message: String) -> APIError { .init(.internalServerError, code: "INTERNAL_SERVER_ERROR", message) }
}
