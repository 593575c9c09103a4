import Foundation
import Metadata
import OCI

// Harbor's `Repository`, `Artifact`, `Tag`, `Reference`, `Platform` and `AuditLog` definitions.

struct RepositoryResp: Encodable {
    let id: Int64
    let project_id: Int64
    let name: String
    let description: String
    let artifact_count: Int64
    let pull_count: Int64
    let creation_time: String
    let update_time: String

    init(_ repository: RepositoryInfo) {
        id = repository.id
        project_id = repository.projectID
        name = repository.name.value
        description = repository.description ?? ""
        artifact_count = repository.artifactCount
        pull_count = repository.pullCount
        creation_time = Timestamp.rfc3339(millis: repository.createdAt)
        update_time = Timestamp.rfc3339(millis: repository.updatedAt)
    }
}

struct RepositoryUpdate: Decodable {
    let description: String?
}

struct ArtifactResp: Encodable {
    let id: Int64
    let type: String
    let media_type: String
    let manifest_media_type: String
    let artifact_type: String
    let project_id: Int64
    let repository_id: Int64
    let repository_name: String
    let digest: String
    let size: Int64
    let icon: String
    let push_time: String
    let pull_time: String
    let extra_attrs: [String: JSONValue]
    let annotations: [String: String]
    let references: [ReferenceResp]?
    var tags: [TagResp]?
    var labels: [LabelJSON]?
    var addition_links: [String: AdditionLink]?
    var scan_overview: [String: NativeReportSummaryResp]?
    var sbom_overview: SBOMOverviewResp?
    var accessories: [AccessoryResp]?
    /// Signatures of the indexes listing the artifact (`with_inherited_accessory`): they cover it.
    var inherited_accessories: [AccessoryResp]?
}

/// Swagger's `Accessory`: a signature, SBOM or other referrer shown under the artifact it is for.
/// Its `id` is its own artifact id (Berth keeps no separate accessory table).
struct AccessoryResp: Encodable {
    let id: Int64
    let artifact_id: Int64
    let subject_artifact_id: Int64
    let subject_artifact_digest: String
    let subject_artifact_repo: String
    let size: Int64
    let digest: String
    let type: String
    let icon: String
    let creation_time: String
}

/// Swagger's `SBOMOverview`: the SBOM generation of an image (an index's: of its images).
struct SBOMOverviewResp: Encodable {
    let start_time: String?
    let end_time: String?
    let scan_status: String
    let sbom_digest: String?
    let report_id: String
    let duration: Int64
    let scanner: ScannerResp
}

struct AdditionLink: Encodable {
    let href: String
    let absolute: Bool
}

struct ReferenceResp: Encodable {
    struct PlatformResp: Encodable {
        let architecture: String
        let os: String
        let variant: String?
        let osVersion: String?

        enum CodingKeys: String, CodingKey {
            case architecture, os, variant
            case osVersion = "os.version"
        }
    }

    let parent_id: Int64
    let child_id: Int64?
    let child_digest: String
    let platform: PlatformResp?
    let annotations: [String: String]?
    let urls: [String]?
}

struct TagResp: Encodable {
    let id: Int64
    let repository_id: Int64
    let artifact_id: Int64
    let name: String
    let push_time: String
    let pull_time: String
    /// Whether an immutable tag rule protects the tag; computed only when asked
    /// (`with_immutable_status=true`), false otherwise, as in Harbor.
    var immutable: Bool

    init(_ tag: TagRecord) {
        id = tag.id
        repository_id = tag.repositoryID
        artifact_id = tag.artifactID
        name = tag.name
        push_time = Timestamp.rfc3339(millis: tag.pushedAt)
        pull_time = Timestamp.pullTime(tag.pulledAt)
        immutable = false
    }
}

struct TagReq: Decodable {
    let name: String
}

struct AuditLogResp: Encodable {
    let id: Int64
    let username: String
    let resource: String
    let resource_type: String
    let operation: String
    let op_time: String

    init(_ entry: AuditLogEntry) {
        id = entry.id
        username = entry.event.username
        resource = entry.event.resource
        resource_type = entry.event.resourceType
        operation = entry.event.operation
        op_time = Timestamp.rfc3339(millis: entry.event.time)
    }
}

/// Harbor 2.13's `AuditLogExt`.
struct AuditLogExtResp: Encodable {
    let id: Int64
    let username: String
    let resource: String
    let resource_type: String
    let operation: String
    let operation_description: String
    let operation_result: Bool
    let op_time: String

    init(_ entry: AuditLogEntry) {
        id = entry.id
        username = entry.event.username
        resource = entry.event.resource
        resource_type = entry.event.resourceType
        operation = entry.event.operation == "push" ? "create" : entry.event.operation
        operation_description = entry.event.describedOperation
        operation_result = entry.event.succeeded
        op_time = Timestamp.rfc3339(millis: entry.event.time)
    }
}

extension Timestamp {
    /// Go's zero time, which Harbor shows for a time that never came (never pulled, not ended).
    static let zero = "0001-01-01T00:00:00.000Z"

    /// Harbor shows Go's zero time for an artifact never pulled.
    static func pullTime(_ millis: Int64?) -> String {
        millis.map(rfc3339(millis:)) ?? zero
    }
}
