import HTTPTypes
import Hummingbird

/// The registry's error-code registry: every error a `/v2/` client can see, with the status it is
/// sent with. Handlers throw; `RegistryErrorMiddleware` renders the OCI error body.
public struct RegistryError: Error, Sendable {
    public enum Code: String, Sendable {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case tagInvalid = "TAG_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case rangeInvalid = "RANGE_INVALID"
        case tooManyRequests = "TOOMANYREQUESTS"
        case unknown = "UNKNOWN"
        /// distribution's code for a backend that did not answer (the blob storage).
        case unavailable = "UNAVAILABLE"
        /// Harbor's code for a push or delete refused by a project policy (immutable tags).
        case precondition = "PRECONDITION"
        /// Harbor's code for a pull refused by a project policy (the vulnerability gate).
        case projectPolicyViolation = "PROJECTPOLICYVIOLATION"
        /// Harbor's code for deleting what another artifact still references (an index's child).
        case violateForeignKeyConstraint = "VIOLATE_FOREIGN_KEY_CONSTRAINT"

        var defaultStatus: HTTPResponse.Status {
            switch self {
            case .blobUnknown, .blobUploadUnknown, .manifestUnknown, .nameUnknown: .notFound
            case .unauthorized: .unauthorized
            case .denied: .forbidden
            case .rangeInvalid: .rangeNotSatisfiable
            case .tooManyRequests: .tooManyRequests
            case .violateForeignKeyConstraint, .precondition, .projectPolicyViolation: .preconditionFailed
            case .unknown: .internalServerError
            case .unavailable: .serviceUnavailable
            default: .badRequest
            }
        }
    }

    public let code: Code
    public let status: HTTPResponse.Status
    public let message: String
    public let detail: String?
    /// Extra headers the error must carry (`WWW-Authenticate`, `Range`).
    public let headers: HTTPFields

    public init(_ code: Code, _ message: String, detail: String? = nil,
                status: HTTPResponse.Status? = nil, headers: HTTPFields = [:]) {
        self.code = code
        self.status = status ?? code.defaultStatus
        self.message = message
        self.detail = detail
        self.headers = headers
    }
}

extension RegistryError {
    /// 401 with the challenge that tells Docker clients how to authenticate.
    static func unauthorized(_ message: String, challenge: String) -> RegistryError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = challenge
        return RegistryError(.unauthorized, message, headers: headers)
    }
}
