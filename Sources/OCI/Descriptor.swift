/// An OCI content descriptor. Only the fields the registry reads or echoes are modelled; unknown
/// fields of pushed manifests are preserved because manifests are stored as the exact bytes pushed.
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: String
    public var digest: String
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    public var artifactType: String?
    public var platform: Platform?

    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil, artifactType: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest.description
        self.size = size
        self.annotations = annotations
        self.artifactType = artifactType
    }

    /// The digest, validated; manifests carrying a malformed descriptor digest are refused.
    public func validDigest() throws(OCIFormatError) -> Digest {
        do {
            return try Digest(parsing: digest)
        } catch {
            throw .manifestInvalid("descriptor digest '\(digest.prefix(140))' is invalid: \(error.message)")
        }
    }
}

public struct Platform: Codable, Hashable, Sendable {
    public var architecture: String
    public var os: String
    public var variant: String?
    public var osVersion: String?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
    }
}
