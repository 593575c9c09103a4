/// A rule of the OCI or Docker formats that an input broke. The registry maps each case to its
/// registered error code; the message tells the client what was wrong.
public enum OCIFormatError: Error, Equatable, Sendable {
    case digestInvalid(String)
    case nameInvalid(String)
    case tagInvalid(String)
    case manifestInvalid(String)
    case unsupportedManifest(String)

    public var message: String {
        switch self {
        case .digestInvalid(let m), .nameInvalid(let m), .tagInvalid(let m),
             .manifestInvalid(let m), .unsupportedManifest(let m):
            return m
        }
    }
}
