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
    let matcher: InventoryMatcher
    let events: ArtifactEventStore
    let reader: ImageInventoryReader
    let registrations: ScannerRegistrationStore
    /// How registered external scanners are driven; nil where none can be (tools without a server).
    let external: ExternalScanner?

    public init(database: MetadataDatabase, blobs: BlobStore, limits: ScanLimits = ScanLimits(), external: ExternalScanner? = nil,
                sealer: (any SecretSealer)? = nil) {
        artifacts = ArtifactStore(database: database)
        reports = ScanReportStore(database: database)
        matcher = InventoryMatcher(advisories: AdvisoryStore(database: database))
        events = ArtifactEventStore(database: database)
        reader = ImageInventoryReader(blobs: blobs, layers: LayerInventoryStore(database: database), limits: limits)
        registrations = ScannerRegistrationStore(database: database, sealer: sealer)
        self.external = external
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(ScanJobParameters.self, from: Data(context.parameters.utf8))
        guard let record = try await artifacts.artifacts(ids: [parameters.manifest_id]).first else {
            context.log("the artifact was deleted before it was scanned")
            return
        }
        // Points the report at this task, whatever the requester managed to write.
        let uuid = try await reports.request(manifestID: record.id, registrationUUID: parameters.registration_uuid,
                                             scanType: parameters.scan_type, taskID: context.task.id)
        if parameters.registration_uuid != BuiltinScanner.uuid {
            try await scanExternally(record, registrationUUID: parameters.registration_uuid, reportUUID: uuid, context: context)
            return
        }
        context.log("scanning \(record.repositoryName)@\(record.digest) with \(BuiltinScanner.name) \(BuiltinScanner.version)")
        try await matcher.requireAdvisories()
        let inventory = try await reader.inventory(of: record, log: { context.log($0) })
        let vulnerabilities = try await matcher.match(inventory)
        let fields = try ScanResult.fields(inventory: inventory, vulnerabilities: vulnerabilities, artifact: record)
        guard try await store(fields, inventory: CanonicalJSON.string(inventory), of: record, in: uuid, context: context) else { return }
        context.log("\(inventory.packages.count) packages, \(vulnerabilities.count) vulnerabilities (worst: \(fields.severity)); read \(inventory.bytesRead) bytes of layers")
    }

    /// The same through a registered external scanner: its report, stored as the built-in one's.
    func scanExternally(_ record: ArtifactRecord, registrationUUID: String, reportUUID: String, context: JobContext) async throws {
        guard let registration = try await registrations.find(registrationUUID) else {
            throw ScanJobError("the scanner registration \(registrationUUID) was removed before the scan ran")
        }
        guard let external else { throw ScanJobError("this process cannot drive external scanners") }
        let fields = try await external.scan(record, with: registration, log: { context.log($0) })
        _ = try await store(fields, inventory: nil, of: record, in: reportUUID, context: context)
    }

    /// Saves a result and records `SCANNING_COMPLETED` for webhooks; false when the artifact was
    /// deleted while it was scanned.
    private func store(_ fields: ScanResultFields, inventory: String?, of record: ArtifactRecord, in reportUUID: String,
                       context: JobContext) async throws -> Bool {
        guard try await reports.saveResult(reportUUID, fields, inventory: inventory) else {
            context.log("the artifact was deleted while it was scanned")
            return false
        }
        try await events.record("SCANNING_COMPLETED", projectID: record.projectID, repository: record.repositoryName.value,
                                digest: record.digest.description, payload: fields.summary)
        return true
    }
}

public struct ScanJobError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
