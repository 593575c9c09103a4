import Foundation
import Scanner

/// Something a webhook policy can be told of, in Harbor's Default payload terms.
public struct WebhookEvent: Sendable {
    public let type: WebhookEventType
    public let projectID: Int64
    /// Unix seconds.
    public let occurAt: Int64
    /// Who caused it: a user or robot name, `anonymous`, or a trigger (`MANUAL`, `SCHEDULE`, `EVENT`).
    public let operatorName: String
    public let data: WebhookEventData

    public init(type: WebhookEventType, projectID: Int64, operatorName: String, data: WebhookEventData,
                occurAt: Int64 = Int64(Date().timeIntervalSince1970)) {
        self.type = type
        self.projectID = projectID
        self.operatorName = operatorName
        self.data = data
        self.occurAt = occurAt
    }
}

/// Harbor's `event_data`: which fields are set depends on the event type.
public struct WebhookEventData: Codable, Sendable, Equatable {
    public struct Resource: Codable, Sendable, Equatable {
        public var digest: String?
        public var tag: String?
        public var resource_url: String?
        public var scan_overview: [String: ScanOverview]?

        public init(digest: String?, tag: String?, resource_url: String?, scan_overview: [String: ScanOverview]? = nil) {
            self.digest = digest
            self.tag = tag
            self.resource_url = resource_url
            self.scan_overview = scan_overview
        }
    }

    public struct Repository: Codable, Sendable, Equatable {
        public var date_created: Int64?
        public var name: String
        public var namespace: String
        public var repo_full_name: String
        /// `public` or `private`.
        public var repo_type: String

        public init(dateCreated: Int64?, fullName: String, isPublic: Bool) {
            date_created = dateCreated
            let parts = fullName.split(separator: "/", maxSplits: 1)
            namespace = String(parts.first ?? "")
            name = parts.count > 1 ? String(parts[1]) : fullName
            repo_full_name = fullName
            repo_type = isPublic ? "public" : "private"
        }
    }

    public struct ScanOverview: Codable, Sendable, Equatable {
        public var report_id: String
        public var scan_status: String
        public var severity: String?
        public var duration: Int64?
        public var summary: VulnerabilitySummary?
        public var start_time: String?
        public var end_time: String?
        public var complete_percent: Int
    }

    public struct Scan: Codable, Sendable, Equatable {
        public var scan_type: String
    }

    public struct ReplicationResource: Codable, Sendable, Equatable {
        public var registry_name: String?
        public var registry_type: String
        public var endpoint: String
        public var namespace: String
    }

    public struct ArtifactOutcome: Codable, Sendable, Equatable {
        public var type: String
        public var status: String
        public var name_tag: String
    }

    public struct Replication: Codable, Sendable, Equatable {
        public var harbor_hostname: String
        public var job_status: String
        public var description: String
        public var artifact_type: String
        public var authentication_type: String
        public var override_mode: Bool
        public var trigger_type: String
        public var policy_creator: String
        public var execution_timestamp: Int64
        public var src_resource: ReplicationResource
        public var dest_resource: ReplicationResource
        public var successful_artifact: [ArtifactOutcome]?
        public var failed_artifact: [ArtifactOutcome]?
    }

    public struct Retention: Codable, Sendable, Equatable {
        public var total: Int
        public var retained: Int
        public var harbor_hostname: String
        public var project_name: String
        public var retention_policy_id: Int64
        public var result: String
        public var deleted_artifact: [ArtifactOutcome]?
    }

    public var resources: [Resource]?
    public var repository: Repository?
    public var replication: Replication?
    public var retention: Retention?
    public var scan: Scan?
    public var custom_attributes: [String: String]?

    public init(resources: [Resource]? = nil, repository: Repository? = nil, replication: Replication? = nil,
                retention: Retention? = nil, scan: Scan? = nil, custom_attributes: [String: String]? = nil) {
        self.resources = resources
        self.repository = repository
        self.replication = replication
        self.retention = retention
        self.scan = scan
        self.custom_attributes = custom_attributes
    }
}
