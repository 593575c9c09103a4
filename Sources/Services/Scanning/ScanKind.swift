/// Harbor's two scan types (`{"scan_type": ...}` of `POST .../scan`): a vulnerability report, or
/// an SBOM stored as an accessory of the image. Each runs as its own job type, so the two can run,
/// be stopped and be logged independently.
public enum ScanKind: String, Sendable, CaseIterable {
    case vulnerability
    case sbom

    /// The job type (and execution vendor type) Harbor's job service uses for it.
    public var jobType: String {
        switch self {
        case .vulnerability: ArtifactScanJob.jobType
        case .sbom: SBOMGenerationJob.jobType
        }
    }

    var attempts: Int {
        switch self {
        case .vulnerability: ArtifactScanJob.attempts
        case .sbom: SBOMGenerationJob.attempts
        }
    }
}
