/// Why a replication request or task cannot go on, in the words the API or the task log shows.
public enum ReplicationError: Error, Equatable, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)
    case failed(String)

    public var description: String {
        switch self {
        case .badRequest(let message), .notFound(let message), .failed(let message): message
        }
    }
}
