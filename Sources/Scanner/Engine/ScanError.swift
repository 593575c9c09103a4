/// Errors that stop a scan, each with a message that says what to do.
public enum ScanError: Error, Equatable, Sendable, CustomStringConvertible {
    case corruptLayer(String)
    case badImage(String)
    case badAdvisoryDatabase(String)
    case usage(String)

    public var description: String {
        switch self {
        case .corruptLayer(let m): "layer cannot be read: \(m)"
        case .badImage(let m): "image cannot be read: \(m)"
        case .badAdvisoryDatabase(let m): "advisory database cannot be read: \(m)"
        case .usage(let m): m
        }
    }
}
