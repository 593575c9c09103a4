/// A one-line account of why JSON did not decode, with the path of the offending field, for error
/// messages that tell a client what to fix. Used for manifests and for API request bodies.
public func readableDecodingFailure(_ error: any Error) -> String {
    switch error {
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
         DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
    default:
        return "\(error)"
    }
}
