import OCI

/// A repository as the Harbor API shows it: counts and times beside the name.
public struct RepositoryInfo: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let name: RepositoryName
    public let description: String?
    /// Top-level artifacts: children of an index are only counted when tagged, as in Harbor.
    public let artifactCount: Int64
    public let pullCount: Int64
    public let createdAt: Int64
    public let updatedAt: Int64
}

/// One artifact (a manifest row) with what the API needs to describe it, payload included so the
/// caller can read its config and children.
public struct ArtifactRecord: Sendable, Equatable {
    public let id: Int64
    public let repositoryID: Int64
    public let projectID: Int64
    public let repositoryName: RepositoryName
    public let digest: Digest
    public let mediaType: String
    public let artifactType: String?
    public let size: Int64
    public let payload: [UInt8]
    public let annotations: [String: String]?
    public let pushedAt: Int64
    public let pulledAt: Int64?
}

public struct TagRecord: Sendable, Equatable {
    public let id: Int64
    public let repositoryID: Int64
    public let artifactID: Int64
    public let name: String
    public let pushedAt: Int64
    public let pulledAt: Int64?
}

/// Filters and order of an artifact listing (Harbor's `q` and `sort`, the part Berth understands).
public struct ArtifactFilter: Sendable {
    public var digest: String?
    /// Exact tag name; `*` means any tagged artifact, `nil` (the string) untagged ones.
    public var tag: String?
    public var tagContains: String?
    /// Harbor's `base=*`: also list children of indexes that carry no tag.
    public var includeChildren = false
    /// Newest first unless false.
    public var newestFirst = true
    /// Only artifacts that carry every one of these labels.
    public var labelIDs: [Int64] = []

    public init() {}

    /// No filter but the repository: what the portal and `GET .../artifacts` ask for by default.
    var isPlainListing: Bool {
        digest == nil && tag == nil && (tagContains ?? "").isEmpty && !includeChildren && labelIDs.isEmpty
    }
}

/// Sort orders of a repository listing.
public enum RepositorySort: String, Sendable {
    case name, creationTime = "creation_time", updateTime = "update_time", pullCount = "pull_count"
}
