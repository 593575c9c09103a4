import Access
import Foundation
import HTTPTypes
import Hummingbird
import Metadata
import OCI
import Services

/// Renders every error thrown by API handlers as Harbor's error body.
public struct APIErrorMiddleware<Context: APIContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.translate(error)
            if apiError.status == .internalServerError {
                context.logger.error("API request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            } else if let unavailable = error as? DirectoryUnavailable {
                // The caller got the kind of failure; the operator gets the whole of it.
                context.logger.warning("sign-in directory unavailable", metadata: ["error": "\(unavailable.detail)"])
            }
            return JSONResponse.error(apiError, includeBody: request.method != .head)
        }
    }

    static func translate(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPError:
            return APIError(error.status, code: error.status == .notFound ? "NOT_FOUND" : "BAD_REQUEST", error.body ?? "\(error.status)")
        case is DecodingError:
            return .badRequest("request body is not valid JSON of the expected shape: \(readableDecodingFailure(error))")
        case let error as OCIFormatError:
            return .badRequest(error.message)
        case let error as MetadataError:
            switch error {
            case .projectUnknown(let name): return .notFound("project \(name) not found")
            case .repositoryUnknown(let name): return .notFound("repository \(name) not found")
            case .manifestUnknown(let ref): return .notFound("artifact \(ref) not found")
            case .conflict(let message): return .conflict(message)
            case .manifestReferenced(let parent): return .referenced(MetadataError.referencedMessage(parent))
            case .tagImmutable(let repository, let tag, let moving):
                return .precondition(MetadataError.immutableMessage(repository: repository, tag: tag, moving: moving))
            case .unavailable(let message): return .unavailable(message)
            case .manifestReferencesMissing, .invalidConfiguration: return .internal("internal error")
            }
        case let error as DirectoryUnavailable:
            return .unavailable("sign-in could not be checked: \(error.message); try again")
        case let error as ReplicationError:
            switch error {
            case .badRequest(let message): return .badRequest(message)
            case .notFound(let message): return .notFound(message)
            case .failed: return .internal("internal error")
            }
        default:
            return .internal("internal error")
        }
    }
}
