import BlobStore
import Foundation
import Jobs
import Metadata
import OCI
import Scanner

/// Harbor's `IMAGE_SCAN` job: one image read from the blob store (layers already inventoried by
/// an earlier scan are not read again), matched against the advisories in the database, the
/// report stored. A scan with no advisories loaded fails: an empty database never reads as a
/// clean image.
public struct ArtifactScanJob: JobKind {
    public static let jobType = "IMAGE_SCAN"
    public var jobType: String { Self.jobType }
    /// A failure is usually the artifact's (a missing blob, a corrupt layer); one retry covers a
    /// worker that died.
    static let attempts = 2
    public var maxAttempts: Int { Self.attempts }

    let artifacts: ArtifactStore
    let reports: ScanReportStore
    let advisories: AdvisoryStore
    let events: ArtifactEventStore
    let reader: ImageInventoryReader

    public init(database: MetadataDatabase, blobs: BlobStore, limits: ScanLimits = ScanLimits()) {
        artifacts = ArtifactStore(database: database)
        reports = ScanReportStore(database: database)
        advisories = AdvisoryStore(database: database)
        events = ArtifactEventStore(database: database)
        reader = ImageInventoryReader(blobs: blobs, layers: LayerInventoryStore(database: database), limits: limits)
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(ScanJobParameters.self, from: Data(context.parameters.utf8))
        guard let record = try await artifacts.artifacts(ids: [parameters.manifest_id]).first else {
            context.log("the artifact was deleted before it was scanned")
            return
        }
        context.log("scanning \(record.repositoryName)@\(record.digest) with \(BuiltinScanner.name) \(BuiltinScanner.version)")
        // Points the report at this task, whatever the requester managed to write.
        let uuid = try await reports.request(manifestID: record.id, registrationUUID: parameters.registration_uuid,
                                             scanType: parameters.scan_type, taskID: context.task.id)
        guard try await !advisories.isEmpty() else {
            throw ScanJobError("no advisories are loaded: import an advisory database with `berth vulndb import` first; a scan without one cannot tell a clean image from an unchecked one")
        }
        let inventory = try await reader.inventory(of: record, log: { context.log($0) })
        let vulnerabilities = try await match(inventory)
        let fields = try ScanResult.fields(inventory: inventory, vulnerabilities: vulnerabilities, artifact: record)
        guard try await reports.saveResult(uuid, fields, inventory: CanonicalJSON.string(inventory)) else {
            context.log("the artifact was deleted while it was scanned")
            return
        }
        try await events.record("SCANNING_COMPLETED", projectID: record.projectID, repository: record.repositoryName.value,
                                digest: record.digest.description, payload: fields.summary)
        context.log("\(inventory.packages.count) packages, \(vulnerabilities.count) vulnerabilities (worst: \(fields.severity)); read \(inventory.bytesRead) bytes of layers")
    }

    /// The advisories that name the inventory's packages, fetched from the database, matched.
    func match(_ inventory: ImageInventory) async throws -> [Vulnerability] {
        let keys = Set(VulnerabilityMatcher.lookups(for: inventory).map { AdvisoryPackageKey(ecosystem: $0.ecosystem, name: $0.name) })
        let records = try await advisories.records(affecting: keys).compactMap {
            try? JSONDecoder().decode(OSVRecord.self, from: Data($0.utf8))
        }
        return VulnerabilityMatcher(database: OSVDatabase(records: records)).match(inventory)
    }
}

public struct ScanJobError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
