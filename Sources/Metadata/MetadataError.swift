import OCI

public enum MetadataError: Error, Equatable, Sendable {
    case invalidConfiguration(String)
    case projectUnknown(String)
    case repositoryUnknown(String)
    case manifestUnknown(String)
    /// The manifest references blobs or child manifests this repository does not have.
    case manifestReferencesMissing(blobs: [Digest], manifests: [Digest])
    /// An index still lists this manifest; the index must go first.
    case manifestReferenced(by: Digest)
    case conflict(String)

    /// Harbor's message for `manifestReferenced`, the same on `/v2/` and the API.
    public static func referencedMessage(_ parent: Digest) -> String {
        "the deleting artifact is referenced by others: \(parent)"
    }
}
