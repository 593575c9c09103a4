import Foundation
import Jobs
import Metadata
import Services

// Harbor's `WebhookPolicy`, `WebhookLastTrigger`, `SupportedWebhookEventTypes`, and the generic
// `Execution` and `Task` its webhook executions are listed as.

struct WebhookPolicyJSON: Codable {
    var id: Int64?
    var name: String?
    var description: String?
    var project_id: Int64?
    var targets: [WebhookTarget]?
    var event_types: [String]?
    var creator: String?
    var creation_time: String?
    var update_time: String?
    var enabled: Bool?

    /// What a masked auth header reads as.
    static let mask = "*****"

    init(_ record: WebhookPolicyRecord, revealingAuthHeaders: Bool) {
        id = record.id
        name = record.name
        description = record.description
        project_id = record.projectID
        targets = record.targets.map { target in
            var target = target
            if !revealingAuthHeaders, let header = target.auth_header, !header.isEmpty { target.auth_header = Self.mask }
            return target
        }
        event_types = record.eventTypes
        creator = record.creator
        creation_time = Timestamp.rfc3339(millis: record.creationTime)
        update_time = Timestamp.rfc3339(millis: record.updateTime)
        enabled = record.enabled
    }
}

struct WebhookLastTriggerJSON: Encodable {
    let policy_name: String
    let event_type: String
    let enabled: Bool
    let creation_time: String
    let last_trigger_time: String?
}

struct SupportedWebhookEventTypesJSON: Encodable {
    struct PayloadFormats: Encodable {
        let notify_type: String
        let formats: [String]
    }

    let event_type = WebhookEventType.allCases.map(\.rawValue)
    let notify_type = WebhookNotifyType.allCases.map(\.rawValue)
    let payload_formats = [PayloadFormats(notify_type: WebhookNotifyType.http.rawValue, formats: WebhookPayloadFormat.allCases.map(\.rawValue))]
}

/// Swagger's `Execution`.
struct ExecutionJSON: Encodable {
    struct Metrics: Encodable {
        var task_count = 0, success_task_count = 0, error_task_count = 0, pending_task_count = 0
        var running_task_count = 0, scheduled_task_count = 0, stopped_task_count = 0
    }

    let id: Int64
    let vendor_type: String
    let vendor_id: Int64
    let status: String
    let status_message: String
    let metrics: Metrics
    let trigger: String
    let extra_attrs: [String: String]
    let start_time: String
    let end_time: String

    init(_ execution: JobExecution, tasks: [JobTask]) {
        id = execution.id
        vendor_type = execution.vendorType
        vendor_id = execution.vendorID
        status = execution.status.rawValue
        status_message = execution.statusMessage ?? ""
        var metrics = Metrics()
        metrics.task_count = tasks.count
        for task in tasks {
            switch task.status {
            case .success: metrics.success_task_count += 1
            case .error: metrics.error_task_count += 1
            case .pending: metrics.pending_task_count += 1
            case .running: metrics.running_task_count += 1
            case .stopped: metrics.stopped_task_count += 1
            }
        }
        self.metrics = metrics
        trigger = execution.trigger.rawValue
        extra_attrs = (try? JSONDecoder().decode([String: String].self, from: Data(execution.parameters.utf8))) ?? [:]
        start_time = Timestamp.rfc3339(millis: execution.startTime)
        end_time = execution.endTime.map(Timestamp.rfc3339(millis:)) ?? Timestamp.zero
    }
}

/// Swagger's `Task`.
struct TaskJSON: Encodable {
    let id: Int64
    let execution_id: Int64
    let status: String
    let status_message: String
    let run_count: Int
    let extra_attrs: [String: String]
    let creation_time: String
    let update_time: String
    let start_time: String
    let end_time: String

    init(_ task: JobTask) {
        id = task.id
        execution_id = task.executionID
        status = task.status.rawValue
        status_message = task.statusMessage ?? ""
        run_count = task.attempt
        extra_attrs = [:]
        creation_time = Timestamp.rfc3339(millis: task.creationTime)
        update_time = Timestamp.rfc3339(millis: task.updateTime)
        start_time = task.startTime.map(Timestamp.rfc3339(millis:)) ?? Timestamp.zero
        end_time = task.endTime.map(Timestamp.rfc3339(millis:)) ?? Timestamp.zero
    }
}
