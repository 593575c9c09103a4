import Jobs
import Metadata
import OCI

/// Starts replication: by hand (`POST /replication/executions`), on a policy's schedule (kept in
/// the job system's scheduler while the policy is enabled), and on events, where a push to or a
/// deletion in a repository a push-mode `event_based` policy selects starts an execution of that
/// one artifact at once.
public struct ReplicationTriggers: Sendable {
    let policies: ReplicationPolicyStore
    let jobs: JobStore
    let schedules: ScheduleStore
    let labels: LabelStore
    let notify: @Sendable () -> Void

    public init(database: MetadataDatabase, notify: @escaping @Sendable () -> Void = {}) {
        policies = ReplicationPolicyStore(database: database)
        jobs = JobStore(database: database)
        schedules = ScheduleStore(database: database)
        labels = LabelStore(database: database)
        self.notify = notify
    }

    /// Queues an execution of the whole policy; returns its id.
    public func start(_ policy: ReplicationPolicyRecord, trigger: JobTrigger) async throws -> Int64 {
        guard policy.enabled else { throw ReplicationError.badRequest("the policy \(policy.name) is disabled") }
        let id = try await jobs.enqueue(vendorType: ReplicationJob.jobType, vendorID: policy.id, trigger: trigger,
                                        parameters: CanonicalJSON.string(ReplicationLaunch(policy_id: policy.id)),
                                        tasks: [TaskSpec(jobType: ReplicationJob.jobType, parameters: CanonicalJSON.string(ReplicationLaunch(policy_id: policy.id)),
                                                         maxAttempts: 2)])
        notify()
        return id
    }

    /// Keeps the scheduler in step with the policy: a schedule while it is enabled and scheduled.
    public func syncSchedule(_ policy: ReplicationPolicyRecord) async throws {
        if policy.enabled && policy.triggerType == "scheduled" {
            try await schedules.put(vendorType: ReplicationJob.jobType, vendorID: policy.id,
                                    schedule: try HarborSchedule(type: "Custom", cron: policy.cron),
                                    parameters: CanonicalJSON.string(ReplicationLaunch(policy_id: policy.id)))
        } else {
            try await schedules.delete(vendorType: ReplicationJob.jobType, vendorID: policy.id)
        }
    }

    /// A manifest was stored in `repository` under `tags`. A push by digest replicates on its own
    /// only when it is a referrer (a signature made after the image went across); the children of
    /// an index arrive by digest first and go with the tagged index.
    public func pushed(_ repository: RepositoryName, digest: Digest, tags: [String], isReferrer: Bool) async throws {
        guard !tags.isEmpty || isReferrer else { return }
        try await fire(repository, references: tags.isEmpty ? [digest.description] : tags, operation: .copy)
    }

    /// A tag or an artifact (by digest) was deleted from `repository`.
    public func deleted(_ repository: RepositoryName, reference: String) async throws {
        try await fire(repository, references: [reference], operation: .deletion)
    }

    private func fire(_ repository: RepositoryName, references: [String], operation: ReplicationTaskParameters.Operation) async throws {
        var queued = false
        for policy in try await policies.eventBased() where operation == .copy || policy.replicateDeletion {
            guard let filters = try? ReplicationFilters(policy.filters), filters.selects(repository: repository.value) else { continue }
            var selected: [String] = []
            for reference in references {
                if (try? Digest(parsing: reference)) != nil { selected.append(reference); continue }
                guard filters.selects(tag: reference) else { continue }
                if filters.usesLabels, !filters.selects(labels: try await labels.names(onArtifactTagged: reference, in: repository.value)) { continue }
                selected.append(reference)
            }
            guard !selected.isEmpty,
                  let parameters = try? ReplicationTaskParameters.of(policy, operation: operation, repository: repository.value,
                                                                      references: selected) else { continue }
            try await jobs.enqueue(vendorType: ReplicationJob.jobType, vendorID: policy.id, trigger: .event, parameters: parameters.json,
                                   tasks: [TaskSpec(jobType: ReplicationTaskJob.jobType, parameters: parameters.json,
                                                    maxAttempts: ReplicationTaskJob.attempts)])
            queued = true
        }
        if queued { notify() }
    }
}
