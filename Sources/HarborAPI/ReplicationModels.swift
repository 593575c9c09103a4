import Jobs
import Metadata
import Services

/// Harbor's `RegistryCredential`. The secret is never sent back: answers show `*****`.
struct RegistryCredentialJSON: Codable {
    var type: String?
    var access_key: String?
    var access_secret: String?
}

/// Harbor's `Registry`, as answered and as `POST /registries` takes it.
struct RegistryJSON: Codable {
    var id: Int64?
    var url: String?
    var name: String?
    var credential: RegistryCredentialJSON?
    var type: String?
    var insecure: Bool?
    var ca_certificate: String?
    var description: String?
    var status: String?
    var creation_time: String?
    var update_time: String?

    init(_ record: RegistryEndpointRecord) {
        id = record.id
        url = record.url
        name = record.name
        credential = RegistryCredentialJSON(type: record.credentialType, access_key: record.accessKey,
                                            access_secret: record.accessSecret.isEmpty ? "" : "*****")
        type = record.type
        insecure = record.insecure
        ca_certificate = record.caCertificate
        description = record.description
        status = record.status
        creation_time = Timestamp.rfc3339(millis: record.creationTime)
        update_time = Timestamp.rfc3339(millis: record.updateTime)
    }
}

/// Harbor's `RegistryUpdate` (and, with `id` and `type`, `RegistryPing`): every field optional.
struct RegistryUpdateJSON: Decodable {
    var id: Int64?
    var type: String?
    var name: String?
    var description: String?
    var url: String?
    var credential_type: String?
    var access_key: String?
    var access_secret: String?
    var insecure: Bool?
    var ca_certificate: String?
}

struct FilterStyleJSON: Encodable {
    let type: String
    let style: String
    let values: [String]
}

/// Harbor's `RegistryInfo`.
struct RegistryInfoJSON: Encodable {
    let type: String
    let description: String
    let supported_resource_filters: [FilterStyleJSON]
    let supported_triggers: [String]
    let supported_copy_by_chunk: Bool
}

struct RegistryEndpointJSON: Encodable {
    let key: String
    let value: String
}

/// Harbor's `RegistryProviderInfo`.
struct RegistryProviderInfoJSON: Encodable {
    struct EndpointPattern: Encodable {
        let endpoint_type: String
        let endpoints: [RegistryEndpointJSON]
    }
    let endpoint_pattern: EndpointPattern?
}

/// Harbor's `ReplicationFilter`: `value` is a string, or a list of strings for `label`.
struct ReplicationFilterJSON: Codable {
    var type: String?
    var value: FilterValue?
    var decoration: String?

    enum FilterValue: Codable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .one(let text): try container.encode(text)
            case .many(let list): try container.encode(list)
            }
        }

        var patterns: [String] {
            switch self {
            case .one(let text): [text]
            case .many(let list): list
            }
        }
    }
}

struct ReplicationTriggerJSON: Codable {
    struct Settings: Codable { var cron: String? }
    var type: String?
    var trigger_settings: Settings?
}

/// Harbor's `ReplicationPolicy`. Registries are answered in full; in a request only their `id` counts.
struct ReplicationPolicyJSON: Codable {
    var id: Int64?
    var name: String?
    var description: String?
    var src_registry: RegistryJSON?
    var dest_registry: RegistryJSON?
    var dest_namespace: String?
    var dest_namespace_replace_count: Int?
    var trigger: ReplicationTriggerJSON?
    var filters: [ReplicationFilterJSON]?
    var replicate_deletion: Bool?
    var deletion: Bool?
    var override: Bool?
    var enabled: Bool?
    var creation_time: String?
    var update_time: String?
    var speed: Int?
    var copy_by_chunk: Bool?
    var single_active_replication: Bool?
}

/// Harbor's `ReplicationExecution`.
struct ReplicationExecutionJSON: Encodable {
    let id: Int64
    let policy_id: Int64
    let status: String
    let trigger: String
    let start_time: String
    let end_time: String?
    let status_text: String
    let total: Int
    let failed: Int
    let succeed: Int
    let in_progress: Int
    let stopped: Int

    /// Harbor's execution statuses: `InProgress`, `Succeed`, `Failed`, `Stopped`.
    static func status(_ status: TaskStatus) -> String {
        switch status {
        case .pending, .running: "InProgress"
        case .success: "Succeed"
        case .error: "Failed"
        case .stopped: "Stopped"
        }
    }

    static func trigger(_ trigger: JobTrigger) -> String {
        switch trigger {
        case .manual: "manual"
        case .schedule: "scheduled"
        case .event: "event_based"
        }
    }
}

/// Harbor's `ReplicationTask`.
struct ReplicationTaskJSON: Encodable {
    let id: Int64
    let execution_id: Int64
    let status: String
    let job_id: String
    let operation: String
    let resource_type: String
    let src_resource: String
    let dst_resource: String
    let start_time: String?
    let end_time: String?

    init(_ task: JobTask, _ parameters: ReplicationTaskParameters) {
        id = task.id
        execution_id = task.executionID
        status = Self.status(task.status)
        job_id = String(task.id)
        operation = parameters.operation.rawValue
        resource_type = parameters.resource_type
        src_resource = parameters.sourceResource
        dst_resource = parameters.destinationResource
        start_time = task.startTime.map(Timestamp.rfc3339(millis:))
        end_time = task.endTime.map(Timestamp.rfc3339(millis:))
    }

    /// Harbor's task statuses; an execution's differ only in folding Pending into InProgress.
    static func status(_ status: TaskStatus) -> String {
        status == .pending ? "Pending" : ReplicationExecutionJSON.status(status)
    }
}

/// Harbor's `StartReplicationExecution`.
struct StartReplicationJSON: Decodable {
    let policy_id: Int64?
}
