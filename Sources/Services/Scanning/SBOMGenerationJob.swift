import BlobStore
import Foundation
import Jobs
import Metadata
import OCI
import Scanner

/// Harbor's `SBOM` job: the image's packages (from the same per-layer inventories a vulnerability
/// scan uses, so an image already scanned reads no layer) written as an SPDX 2.3 document (the
/// first layer, what Harbor's own SBOMs hold) and a CycloneDX 1.5 one (the second), stored as a
/// Harbor SBOM accessory of the image (`application/vnd.goharbor.harbor.sbom.v1`, `subject` = the
/// image), replacing the SBOM generated before. The report row keeps where it is.
public struct SBOMGenerationJob: JobKind {
    public static let jobType = "SBOM"
    public var jobType: String { Self.jobType }
    static let attempts = 2
    public var maxAttempts: Int { Self.attempts }

    /// Harbor's artifact type for the SBOMs its scanners generate.
    public static let artifactType = "application/vnd.goharbor.harbor.sbom.v1"
    public static let documentMediaType = "application/spdx+json"
    public static let cycloneDXMediaType = "application/vnd.cyclonedx+json"

    let artifacts: ArtifactStore
    let reports: ScanReportStore
    let reader: ImageInventoryReader
    let writer: AccessoryWriter

    public init(database: MetadataDatabase, blobs: BlobStore, limits: ScanLimits = ScanLimits()) {
        artifacts = ArtifactStore(database: database)
        reports = ScanReportStore(database: database)
        reader = ImageInventoryReader(blobs: blobs, layers: LayerInventoryStore(database: database), limits: limits)
        writer = AccessoryWriter(database: database, blobs: blobs)
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(ScanJobParameters.self, from: Data(context.parameters.utf8))
        guard let record = try await artifacts.artifacts(ids: [parameters.manifest_id]).first else {
            context.log("the artifact was deleted before its SBOM was generated")
            return
        }
        context.log("generating the SBOM of \(record.repositoryName)@\(record.digest) with \(BuiltinScanner.name) \(BuiltinScanner.version)")
        let uuid = try await reports.request(manifestID: record.id, registrationUUID: parameters.registration_uuid,
                                             scanType: ScanKind.sbom.rawValue, taskID: context.task.id)
        let previous = try await reports.report(uuid: uuid).flatMap { $0.result.flatMap { SBOMReference(json: $0.report) } }
        let inventory = try await reader.inventory(of: record, log: { context.log($0) })
        let created = Date()
        let about = ReportContext(repository: record.repositoryName.value, tag: nil, digest: record.digest.description,
                                  mimeType: record.mediaType, generatedAt: created)
        let spdx = try ReportFormat.spdx.render(inventory: inventory, vulnerabilities: [], context: about)
        let cycloneDX = try ReportFormat.cyclonedx.render(inventory: inventory, vulnerabilities: [], context: about)
        let timestamp = ISO8601DateFormatter().string(from: created)
        let digest = try await writer.store(
            artifactType: Self.artifactType,
            layers: [.init(mediaType: Self.documentMediaType, bytes: Array(spdx), title: "sbom.spdx.json"),
                     .init(mediaType: Self.cycloneDXMediaType, bytes: Array(cycloneDX), title: "sbom.cdx.json")],
            annotations: ["created-by": "Berth", "org.opencontainers.artifact.created": timestamp,
                          "org.opencontainers.artifact.description": "SPDX JSON SBOM, with a CycloneDX JSON rendering of it"],
            subject: record)
        let reference = SBOMReference(digest: digest.description, repository: record.repositoryName.value,
                                      mediaType: Self.documentMediaType, packages: inventory.packages.count)
        guard try await reports.saveResult(uuid, reference.fields) else {
            context.log("the artifact was deleted while its SBOM was generated; removing the SBOM")
            try? await artifacts.deleteManifest(digest, in: record.repositoryName)
            return
        }
        if let previous, previous.digest != reference.digest, let old = try? Digest(parsing: previous.digest) {
            // Harbor keeps one generated SBOM per image: the one made before goes.
            do { try await artifacts.deleteManifest(old, in: record.repositoryName) } catch MetadataError.manifestUnknown {
            } catch { context.log("the previous SBOM \(old) was not removed: \(error)") }
        }
        context.log("\(inventory.packages.count) packages; SBOM stored as \(record.repositoryName)@\(digest); read \(inventory.bytesRead) bytes of layers")
    }
}

/// What an SBOM report row keeps: where the accessory is. Stored as the row's `report`.
public struct SBOMReference: Codable, Sendable, Equatable {
    public var digest: String
    public var repository: String
    public var mediaType: String
    public var packages: Int

    enum CodingKeys: String, CodingKey {
        case digest = "sbom_digest", repository = "sbom_repository", mediaType = "media_type", packages
    }

    init(digest: String, repository: String, mediaType: String, packages: Int) {
        self.digest = digest
        self.repository = repository
        self.mediaType = mediaType
        self.packages = packages
    }

    public init?(json: String) {
        guard let value = try? JSONDecoder().decode(Self.self, from: Data(json.utf8)) else { return nil }
        self = value
    }

    /// No severity or findings: the vulnerability gate never reads SBOM rows.
    var fields: ScanResultFields {
        ScanResultFields(report: CanonicalJSON.string(self), severity: "None", summary: "{}", findings: "[]", contentHash: digest)
    }
}
