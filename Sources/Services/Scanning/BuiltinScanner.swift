import Scanner

/// The scanner inside Berth, as Harbor's scanner registry lists it. It is always present and is
/// the default until another registration is made the default.
public enum BuiltinScanner {
    public static let uuid = "berth-builtin-scanner"
    public static let name = ReportContext.scannerName
    public static let vendor = ReportContext.scannerName
    public static let version = ReportContext.scannerVersion
    public static let url = "http://berth-builtin-scanner"
    public static let description = "The vulnerability scanner built into Berth: OS and language packages matched against the OSV advisories in the metadata database."

    /// Manifest media types it reads (Harbor's `consumes_mime_types`).
    public static let consumes = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
    /// Harbor's native report type: the key of `scan_overview` and of the vulnerabilities addition.
    public static let nativeReportType = HarborReport.mimeType
    /// The adapter report type Harbor also accepts in `X-Accept-Vulnerabilities` (the same JSON).
    public static let adapterReportType = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
    /// Report types it writes (Harbor's `produces_mime_types`).
    public static let produces = [nativeReportType, adapterReportType]
    /// The SBOM report type of the Pluggable Scanner API (Harbor's `sbom` capability).
    public static let sbomReportType = "application/vnd.security.sbom.report+json; version=1.0"
}
