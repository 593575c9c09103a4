import OCI

/// One layer as the engine consumes it: the registry builds these from its blob store, the command
/// line from an OCI layout or a `docker save` archive.
public struct ImageLayer: Sendable {
    /// Digest of the blob as stored (compressed), and of its uncompressed tar (the cache key).
    public var digest: Digest?
    public var diffID: Digest?
    public var mediaType: String
    public var content: ByteStream

    public init(digest: Digest?, diffID: Digest?, mediaType: String, content: ByteStream) {
        self.digest = digest
        self.diffID = diffID
        self.mediaType = mediaType
        self.content = content
    }
}

/// The layer a package came from, as Harbor reports it.
public struct LayerReference: Codable, Hashable, Sendable {
    public var digest: String?
    public var diffID: String?

    enum CodingKeys: String, CodingKey {
        case digest
        case diffID = "diff_id"
    }
}

/// A package of the final image filesystem and the layer that brought it.
public struct LocatedPackage: Codable, Hashable, Sendable {
    public var package: Package
    public var layer: LayerReference
}

/// Everything installed in an image, after whiteouts and de-duplication.
public struct ImageInventory: Codable, Sendable {
    public var os: OSInfo?
    public var packages: [LocatedPackage]
    public var warnings: [String]
    /// Uncompressed layer bytes actually read (cached layers count zero).
    public var bytesRead: UInt64
    /// Layers whose reading stopped early (a limit, corrupt data): what they hold past that point
    /// is unknown, so such an inventory cannot vouch for the image.
    public var incompleteLayers: [String]

    public init(os: OSInfo?, packages: [LocatedPackage], warnings: [String] = [], bytesRead: UInt64 = 0, incompleteLayers: [String] = []) {
        self.os = os
        self.packages = packages
        self.warnings = warnings
        self.bytesRead = bytesRead
        self.incompleteLayers = incompleteLayers
    }
}
