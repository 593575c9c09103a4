import Foundation
import Jobs
import Metadata
import OCI
import RemoteRegistry
import Scanner

/// The parameters of a `SCANNER_ADAPTER_SCAN` task: which accepted request to run. The caller's
/// credential stays in the request's row, not here, so no job listing shows it.
public struct AdapterScanParameters: Codable, Sendable, Equatable {
    public var request_id: String
    public init(requestID: String) { request_id = requestID }
    public var json: String { CanonicalJSON.string(self) }
}

/// A scan asked through the Pluggable Scanner API (`POST /api/v1/scan`): the image is pulled from
/// the registry the request names, with the credential it carries, scanned by the built-in
/// engine against the advisory database, and its Harbor report stored for the caller to poll.
/// The credential is dropped when the scan ends, whichever way.
public struct AdapterScanJob: JobKind {
    public static let jobType = "SCANNER_ADAPTER_SCAN"
    public var jobType: String { Self.jobType }
    /// The caller's credential is short-lived and dropped at the end: a rerun is the caller's.
    public var maxAttempts: Int { 1 }

    let requests: AdapterScanStore
    let matcher: InventoryMatcher
    let layers: LayerInventoryStore
    let limits: ScanLimits

    public init(database: MetadataDatabase, limits: ScanLimits = ScanLimits()) {
        requests = AdapterScanStore(database: database)
        matcher = InventoryMatcher(advisories: AdvisoryStore(database: database))
        layers = LayerInventoryStore(database: database)
        self.limits = limits
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(AdapterScanParameters.self, from: Data(context.parameters.utf8))
        guard let request = try await requests.request(parameters.request_id) else {
            context.log("the scan request \(parameters.request_id) is gone")
            return
        }
        do {
            let report = try await scan(request, log: { context.log($0) })
            try await requests.finish(request.id, report: report)
        } catch {
            try? await requests.finish(request.id, report: nil)
            throw error
        }
    }

    func scan(_ request: AdapterScanRequest, log: @escaping @Sendable (String) -> Void) async throws -> String {
        log("scanning \(request.repository)@\(request.digest) from \(request.registryURL) for \(request.requestedBy)")
        try await matcher.requireAdvisories()
        let credentials = request.authorization.flatMap(RemoteCredentials.init(authorization:))
        let client = RemoteRegistryClient(endpoint: request.registryURL, credentials: credentials)
        let repository = try RepositoryName(request.repository)
        let fetched = try await client.manifest(repository, reference: .digest(try Digest(parsing: request.digest)))
        guard fetched.manifest.isContainerImage else {
            throw ScanJobError("\(request.repository)@\(request.digest) is not a container image (\(fetched.mediaType)); only images are scanned")
        }
        let scratch = NSTemporaryDirectory() + "berth-adapter-scan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let reader = RemoteImageReader(client: client, layers: layers, limits: limits)
        let inventory = try await reader.inventory(of: repository, manifest: fetched.manifest, scratch: scratch, log: log)
        let vulnerabilities = try await matcher.match(inventory)
        let context = ReportContext(repository: request.repository, tag: request.tag, digest: request.digest, mimeType: request.mimeType)
        let fields = try ScanResult.fields(inventory: inventory, vulnerabilities: vulnerabilities, context: context)
        log("\(inventory.packages.count) packages, \(vulnerabilities.count) vulnerabilities (worst: \(fields.severity)); read \(inventory.bytesRead) bytes of layers")
        return fields.report
    }
}
