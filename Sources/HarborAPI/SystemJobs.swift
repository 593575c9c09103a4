import Access
import Foundation
import Services

extension SystemJob {
    /// `/system/gc`: parameters `delete_untagged`, `dry_run`, `workers` (1 to 10).
    static let garbageCollection = SystemJob(
        jobType: GarbageCollectionJob.jobType, path: "/api/v2.0/system/gc", resource: .garbageCollection, maxAttempts: 3
    ) { body in
        struct Envelope: Decodable { let parameters: GarbageCollectionParameters? }
        let parameters = try JSONDecoder().decode(Envelope.self, from: body).parameters ?? GarbageCollectionParameters()
        if let violation = parameters.violation { throw APIError.badRequest(violation) }
        return parameters.json
    }

    /// `/system/scrub` (Berth's own; Harbor has none): parameters `repair`, `workers` (1 to 16),
    /// `rate_mib` (0 for no limit). Under the garbage-collection permission: it reads every blob
    /// and, repairing, removes links and rows.
    static let scrub = SystemJob(
        jobType: ScrubJob.jobType, path: "/api/v2.0/system/scrub", resource: .garbageCollection, maxAttempts: ScrubJob.attempts
    ) { body in
        struct Envelope: Decodable { let parameters: ScrubParameters? }
        let parameters = try JSONDecoder().decode(Envelope.self, from: body).parameters ?? ScrubParameters()
        if let violation = parameters.violation { throw APIError.badRequest(violation) }
        return parameters.json
    }

    /// `/system/purgeaudit`: parameters `audit_retention_hour`, `include_event_types`, `dry_run`.
    static let purgeAudit = SystemJob(
        jobType: AuditPurgeJob.jobType, path: "/api/v2.0/system/purgeaudit", resource: .purgeAudit, maxAttempts: 3
    ) { body in
        struct Envelope: Decodable { let parameters: AuditPurgeParameters? }
        guard let parameters = try JSONDecoder().decode(Envelope.self, from: body).parameters else {
            throw APIError.badRequest("parameters.audit_retention_hour is required")
        }
        if let violation = parameters.violation { throw APIError.badRequest(violation) }
        return parameters.json
    }
}

extension SystemJob {
    /// `/system/scanAll`: no parameters; its history is `/scans/all/metrics`.
    static let scanAll = SystemJob(
        jobType: ScanAllJob.jobType, path: "/api/v2.0/system/scanAll", resource: .scanAll, maxAttempts: 3
    ) { _ in "{}" }
}

extension SystemJob {
    /// `/system/vulndb`: an advisory update from `parameters.url` (http(s)://, oci://, oci+http://),
    /// now or on a schedule, with the history, log and stop of the other system jobs. For system
    /// administrators only (the `configuration` resource, which no robot can hold): it decides
    /// what the pull gate believes, and it sends the configured vulndb credentials where it points.
    static let vulnerabilityDatabase = SystemJob(
        jobType: AdvisoryUpdateJob.jobType, path: "/api/v2.0/system/vulndb", resource: .configuration, maxAttempts: AdvisoryUpdateJob.attempts
    ) { body in
        struct Envelope: Decodable { let parameters: AdvisoryUpdateParameters? }
        guard let parameters = try JSONDecoder().decode(Envelope.self, from: body).parameters else {
            throw APIError.badRequest("parameters.url is required: the http(s)://, oci:// or oci+http:// location of the advisories")
        }
        if let violation = parameters.violation { throw APIError.badRequest(violation) }
        return parameters.json
    }
}
