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
    /// The database cannot be reached now (restarting, connections cut, none free in time):
    /// answered 503 so that clients try again, rather than 500.
    case unavailable(String)
    /// An immutable tag would be moved by a push (`moving`) or deleted.
    case tagImmutable(repository: String, tag: String, moving: Bool)

    /// Harbor's messages for `tagImmutable`.
    public static func immutableMessage(repository: String, tag: String, moving: Bool) -> String {
        moving ? "Failed to process request due to '\(repository):\(tag)' configured as immutable."
            : "the tag \(tag) configured as immutable, cannot be deleted"
    }

    /// Harbor's message for `manifestReferenced`, the same on `/v2/` and the API.
    public static func referencedMessage(_ parent: Digest) -> String {
        "the deleting artifact is referenced by others: \(parent)"
    }
}
