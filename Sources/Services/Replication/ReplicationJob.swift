import Foundation
import Jobs
import Metadata

/// Harbor's `REPLICATION` execution, started by hand, by its schedule or by an event. Its
/// launcher task lists what the policy selects on the source (repositories by the name filter,
/// then their tags by the tag filter) and adds one `REPLICATION_TASK` per repository to the same
/// execution, so the execution's tasks are the copies and stopping it stops them all.
public struct ReplicationJob: JobKind {
    public static let jobType = "REPLICATION"
    public var jobType: String { Self.jobType }

    let endpoints: ReplicationEndpoints
    let jobs: JobStore

    public init(database: MetadataDatabase, endpoints: ReplicationEndpoints) {
        self.endpoints = endpoints
        jobs = JobStore(database: database)
    }

    public func run(_ context: JobContext) async throws {
        let launch = try JSONDecoder().decode(ReplicationLaunch.self, from: Data(context.parameters.utf8))
        let policy = try await endpoints.policy(launch.policy_id)
        guard policy.enabled else {
            context.log("policy \(policy.name) is disabled: nothing replicated")
            return
        }
        // Only an older execution holds the policy, so two started together never both skip.
        if policy.singleActiveReplication,
           let active = try await jobs.activeExecutions(vendorType: Self.jobType, vendorID: policy.id)
            .first(where: { $0.id < context.task.executionID }) {
            context.log("skipped: execution \(active.id) of policy \(policy.name) is still running (single_active_replication)")
            return
        }
        let filters = try ReplicationFilters(policy.filters)
        let sides = try await endpoints.sides(of: policy)
        context.log("policy \(policy.name): \(policy.isPull ? "pull from" : "push to") \(sides.remote.name) (\(sides.remote.url))")
        let repositories: [String]
        do {
            repositories = try await sides.source.repositories(candidates: filters.literalRepositories).filter(filters.selects(repository:))
        } catch {
            try? await endpoints.registries.setStatus(sides.remote.id, healthy: false)
            throw ReplicationStepError(doing: "listing repositories on \(sides.source.label)", cause: "\(error)")
        }
        var tasks: [TaskSpec] = []
        for repository in repositories {
            try Task.checkCancellation()
            let tags: [String]
            do {
                tags = try await labelled(sides.source.tags(of: repository).filter(filters.selects(tag:)), in: repository,
                                          source: sides.source, filters: filters)
            } catch {
                throw ReplicationStepError(doing: "listing the tags of \(repository) on \(sides.source.label)", cause: "\(error)")
            }
            guard !tags.isEmpty else { continue }
            let parameters = try ReplicationTaskParameters.of(policy, operation: .copy, repository: repository, references: tags.sorted())
            tasks.append(TaskSpec(jobType: ReplicationTaskJob.jobType, parameters: parameters.json, maxAttempts: ReplicationTaskJob.attempts))
            context.log("\(parameters.sourceResource) -> \(parameters.dst_repository)")
        }
        try? await endpoints.registries.setStatus(sides.remote.id, healthy: true)
        if filters.usesLabels && !policy.isPull { context.log("label filters applied to each tag's artifact") }
        try await jobs.addTasks(tasks, toExecution: context.task.executionID)
        context.log("\(tasks.count) of \(repositories.count) repositories have tags to replicate")
    }

    /// The tags whose artifacts pass the label filters (all of them when there are none).
    private func labelled(_ tags: [String], in repository: String, source: any ReplicationSource, filters: ReplicationFilters) async throws -> [String] {
        guard filters.usesLabels else { return tags }
        var kept: [String] = []
        for tag in tags where filters.selects(labels: try await source.labels(repository, tag: tag)) { kept.append(tag) }
        return kept
    }
}

/// One repository of a replication: copies (or deletes) its references on the target. Safe to
/// repeat, so it is retried with back-off; what is already on the target is not sent again.
public struct ReplicationTaskJob: JobKind {
    public static let jobType = "REPLICATION_TASK"
    public static let attempts = 3
    public var jobType: String { Self.jobType }
    public var maxAttempts: Int { Self.attempts }

    let endpoints: ReplicationEndpoints

    public init(endpoints: ReplicationEndpoints) {
        self.endpoints = endpoints
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try ReplicationTaskParameters.decode(context.parameters)
        let policy = try await endpoints.policy(parameters.policy_id)
        let sides = try await endpoints.sides(of: policy)
        let replicator = ArtifactReplicator(
            source: sides.source, target: sides.target, filters: try ReplicationFilters(policy.filters), override: policy.override,
            chunked: policy.copyByChunk, bytesPerSecond: Int64(max(0, policy.speed)) * 1024, log: { context.log($0) })
        context.log("\(parameters.operation.rawValue) \(parameters.sourceResource) (\(sides.source.label)) -> "
                    + "\(parameters.destinationResource) (\(sides.target.label))" + (context.task.attempt > 1 ? ", attempt \(context.task.attempt)" : ""))
        var outcomes: [ArtifactReplicator.Outcome] = []
        var deleted = 0
        for reference in parameters.references {
            try Task.checkCancellation()
            switch parameters.operation {
            case .copy:
                outcomes.append(try await replicator.copy(parameters.src_repository, reference: reference, to: parameters.dst_repository))
            case .deletion:
                if try await replicator.delete(parameters.dst_repository, reference: reference) {
                    deleted += 1
                    context.log("deleted \(parameters.dst_repository):\(reference) on \(sides.target.label)")
                } else {
                    context.log("\(parameters.dst_repository):\(reference) was not on \(sides.target.label)")
                }
            }
        }
        let counts = replicator.counters.snapshot
        let result = ReplicationTaskResult(
            copied: outcomes.filter { $0 == .copied }.count, unchanged: outcomes.filter { $0 == .unchanged }.count,
            kept: outcomes.filter { $0 == .keptExisting }.count, deleted: deleted,
            blobs_sent: counts.blobsSent, blobs_skipped: counts.blobsSkipped, bytes_sent: counts.bytesSent)
        context.log("done: \(result.copied) copied, \(result.unchanged) already there, \(result.kept) kept, \(result.deleted) deleted; "
                    + "\(result.blobs_sent) blobs (\(result.bytes_sent) bytes) sent, \(result.blobs_skipped) already present or mounted")
        context.report(CanonicalJSON.string(result))
    }
}
