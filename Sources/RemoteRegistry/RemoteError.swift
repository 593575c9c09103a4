/// Why talking to a remote registry or download server failed, in words an operator can act on.
/// URLs in messages never carry credentials.
public enum RemoteError: Error, Equatable, CustomStringConvertible {
    /// The location could not be understood (`oci://host/repository:tag`, `https://...`).
    case badLocation(String)
    /// The server answered with an unexpected status; `message` is the registry's error text if any.
    case status(url: String, status: Int, message: String)
    /// Credentials are missing or were refused.
    case unauthorized(url: String, reason: String)
    /// The bytes received do not hash to the digest asked for.
    case digestMismatch(url: String, expected: String, actual: String)
    case tooLarge(url: String, limit: Int64)
    /// A manifest this client does not read (an index with no single answer, a Docker v1 manifest).
    case unsupported(String)
    /// The server could not be reached or the connection broke.
    case unreachable(url: String, reason: String)

    public var description: String {
        switch self {
        case .badLocation(let reason): "bad location: \(reason)"
        case .status(let url, let status, let message):
            "\(url) answered \(status)" + (message.isEmpty ? "" : ": \(message)")
        case .unauthorized(let url, let reason): "\(url): not authorized (\(reason))"
        case .digestMismatch(let url, let expected, let actual): "\(url): content has digest \(actual), expected \(expected)"
        case .tooLarge(let url, let limit): "\(url): larger than the limit of \(limit) bytes"
        case .unsupported(let reason): reason
        case .unreachable(let url, let reason): "\(url) could not be reached: \(reason)"
        }
    }
}
