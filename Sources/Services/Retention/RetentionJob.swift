import Foundation
import Jobs
import Metadata

/// Harbor's `RETENTION` job. An execution starts with one launcher task that adds a task per
/// repository the policy covers; each of those decides and deletes a whole repository in a few
/// statements (Harbor #22319 spent a round trip per artifact). Deleted artifacts leave their blobs
/// to garbage collection.
public struct RetentionJob: JobKind {
    public static let jobType = "RETENTION"
    public var jobType: String { Self.jobType }
    public var maxAttempts: Int { 3 }

    /// The parameters of every task: the launcher has no repository.
    public struct Parameters: Codable, Sendable {
        public var policy_id: Int64
        public var dry_run: Bool
        public var repository: String?

        public init(policyID: Int64, dryRun: Bool, repository: String? = nil) {
            policy_id = policyID
            dry_run = dryRun
            self.repository = repository
        }

        public var json: String { CanonicalJSON.string(self) }
    }

    /// Counts a repository task reports.
    public struct Result: Codable, Sendable, Equatable {
        public var total: Int
        public var retained: Int
        /// `repository:tag` (or `repository@digest` when untagged) of each deleted artifact; the
        /// TAG_RETENTION webhook lists them. None on a dry run.
        public var deleted: [String]?
    }

    let store: RetentionStore
    let jobs: JobStore
    let immutableRules: ImmutableRuleStore

    public init(database: MetadataDatabase) {
        store = RetentionStore(database: database)
        jobs = JobStore(database: database)
        immutableRules = ImmutableRuleStore(database: database)
    }

    public func run(_ context: JobContext) async throws {
        let parameters = try JSONDecoder().decode(Parameters.self, from: Data(context.parameters.utf8))
        guard let record = try await store.policy(id: parameters.policy_id) else {
            throw RetentionJobError("retention policy \(parameters.policy_id) no longer exists")
        }
        let policy = try JSONDecoder().decode(RetentionPolicy.self, from: Data(record.policy.utf8))
        if let repository = parameters.repository {
            try await retain(repository, policy: policy, projectID: record.projectID, dryRun: parameters.dry_run, context: context)
        } else {
            try await launch(policy, record: record, parameters: parameters, context: context)
        }
    }

    private func launch(_ policy: RetentionPolicy, record: RetentionPolicyRecord, parameters: Parameters, context: JobContext) async throws {
        let repositories = try await store.repositories(projectID: record.projectID)
        let covered = repositories.filter { repository in policy.rules.contains { $0.covers(repository: Self.nameInProject(repository.name)) } }
        context.log("retention policy \(record.id)\(parameters.dry_run ? " (dry run)" : ""): \(covered.count) of \(repositories.count) repositories covered by its rules")
        try await jobs.addTasks(covered.map {
            TaskSpec(jobType: Self.jobType, parameters: Parameters(policyID: record.id, dryRun: parameters.dry_run, repository: $0.name).json,
                     maxAttempts: maxAttempts)
        }, toExecution: context.task.executionID)
    }

    private func retain(_ repository: String, policy: RetentionPolicy, projectID: Int64, dryRun: Bool, context: JobContext) async throws {
        guard let repositoryID = try await store.repositories(projectID: projectID).first(where: { $0.name == repository })?.id else {
            context.log("repository \(repository) no longer exists")
            context.report(CanonicalJSON.string(Result(total: 0, retained: 0)))
            return
        }
        let inProject = Self.nameInProject(repository)
        let rules = policy.rules.enumerated().filter { $0.element.covers(repository: inProject) }.map { (number: $0.offset + 1, rule: $0.element) }
        let candidates = try await store.candidates(repositoryID: repositoryID)
        let protected = Set(try await immutableRules.protectedTags(Array(Set(candidates.flatMap(\.tags))), in: repository, projectID: projectID))
        let decision = RetentionDecision.decide(candidates, rules: rules, protected: protected, now: WallClock.nowMillis())
        try Task.checkCancellation()
        if !dryRun { try await store.deleteArtifacts(decision.deleted.map(\.id), repositoryID: repositoryID) }

        context.log("repository \(repository): \(candidates.count) artifacts, \(decision.retained.count) retained, "
                    + "\(decision.immutable.count) kept as immutable, \(decision.deleted.count) \(dryRun ? "would be deleted" : "deleted")")
        context.log(Self.row("DIGEST", "TAGS", "ACTION", "REASON"))
        for (candidate, rule) in decision.retained { context.log(Self.row(candidate, "RETAIN", "rule \(rule)")) }
        for candidate in decision.immutable { context.log(Self.row(candidate, "IMMUTABLE", "an immutable tag rule protects it")) }
        for candidate in decision.deleted { context.log(Self.row(candidate, dryRun ? "DEL (dry run)" : "DEL", "no rule retains it")) }
        let deleted = dryRun ? nil : decision.deleted.map { $0.tags.first.map { "\(repository):\($0)" } ?? "\(repository)@\($0.digest)" }
        context.report(CanonicalJSON.string(Result(total: candidates.count, retained: decision.retained.count + decision.immutable.count,
                                                   deleted: deleted)))
    }

    /// Harbor matches repository selectors against the name without its project.
    static func nameInProject(_ name: String) -> String {
        name.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init) ?? name
    }

    static func row(_ candidate: RetentionCandidate, _ action: String, _ reason: String) -> String {
        row(String(candidate.digest.prefix(19)), candidate.tags.isEmpty ? "<none>" : candidate.tags.joined(separator: ","), action, reason)
    }

    static func row(_ digest: String, _ tags: String, _ action: String, _ reason: String) -> String {
        func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count) }
        return pad(digest, 21) + pad(tags, 30) + pad(action, 15) + reason
    }
}

struct RetentionJobError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
