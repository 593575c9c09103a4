/// Harbor's ten webhook event types: the names policies list, the Default payload's `type`, and
/// their CloudEvents `type`.
public enum WebhookEventType: String, CaseIterable, Sendable, Codable {
    case pushArtifact = "PUSH_ARTIFACT"
    case pullArtifact = "PULL_ARTIFACT"
    case deleteArtifact = "DELETE_ARTIFACT"
    case quotaExceed = "QUOTA_EXCEED"
    case quotaWarning = "QUOTA_WARNING"
    case scanningFailed = "SCANNING_FAILED"
    case scanningStopped = "SCANNING_STOPPED"
    case scanningCompleted = "SCANNING_COMPLETED"
    case replication = "REPLICATION"
    case tagRetention = "TAG_RETENTION"

    public var cloudEventType: String {
        switch self {
        case .pushArtifact: "harbor.artifact.pushed"
        case .pullArtifact: "harbor.artifact.pulled"
        case .deleteArtifact: "harbor.artifact.deleted"
        case .quotaExceed: "harbor.quota.exceeded"
        case .quotaWarning: "harbor.quota.warned"
        case .scanningFailed: "harbor.scan.failed"
        case .scanningStopped: "harbor.scan.stopped"
        case .scanningCompleted: "harbor.scan.completed"
        case .replication: "harbor.replication.status.changed"
        case .tagRetention: "harbor.tag_retention.finished"
        }
    }
}

/// Where a policy sends and how: `http` with a payload format, or `slack`.
public enum WebhookNotifyType: String, CaseIterable, Sendable {
    case http, slack

    /// The job type a delivery of this kind runs as (Harbor's vendor types).
    public var jobType: String {
        switch self {
        case .http: "WEBHOOK"
        case .slack: "SLACK"
        }
    }
}

public enum WebhookPayloadFormat: String, CaseIterable, Sendable {
    case harborDefault = "Default"
    case cloudEvents = "CloudEvents"
}
