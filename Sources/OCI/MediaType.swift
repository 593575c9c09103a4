/// Media types the registry recognises. Anything else that parses as a manifest or index by shape is
/// still accepted (artifacts), but these decide how a manifest's references are checked.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    /// Config types that make a manifest a container image (what the scanner reads).
    public static let imageConfigTypes: Set<String> = [ociConfig, dockerConfig]
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    public static let dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    public static let manifestTypes: Set<String> = [ociManifest, dockerManifest]
    public static let indexTypes: Set<String> = [ociIndex, dockerManifestList]

    /// Layers the registry must not require: their content lives elsewhere (`urls`).
    public static func isNonDistributable(_ mediaType: String) -> Bool {
        mediaType == dockerForeignLayer || mediaType.hasPrefix("application/vnd.oci.image.layer.nondistributable.")
    }

    /// Layer types that hold a filesystem tar (OCI, Docker, compressed or not, foreign or not).
    public static func isFilesystemLayer(_ mediaType: String) -> Bool {
        mediaType.hasPrefix("application/vnd.oci.image.layer.") || mediaType.hasPrefix("application/vnd.docker.image.rootfs.")
    }
}
