import Jobs
import Metadata

/// Garbage collection as a job of the job system (Harbor's `GARBAGE_COLLECTION`). A run that fails
/// or whose worker died is retried: every step is safe to repeat.
public struct GarbageCollectionJob: JobKind {
    public static let jobType = "GARBAGE_COLLECTION"
    public var jobType: String { Self.jobType }
    public var maxAttempts: Int { 3 }

    let collector: GarbageCollector

    public init(collector: GarbageCollector) { self.collector = collector }

    public func run(_ context: JobContext) async throws {
        let parameters = try GarbageCollectionParameters.decode(context.parameters)
        let result = try await collector.run(parameters) { context.log($0) }
        context.report(CanonicalJSON.string(Report(result, dryRun: parameters.dryRun)))
    }

    /// What a run did, kept with its task: `/metrics` counts the bytes freed from it.
    public struct Report: Codable, Sendable, Equatable {
        public let dry_run: Bool
        public let deleted_artifacts: Int
        public let deleted_blobs: Int
        public let freed_bytes: Int64

        init(_ result: GarbageCollector.Result, dryRun: Bool) {
            dry_run = dryRun
            deleted_artifacts = result.artifacts
            deleted_blobs = result.blobs
            freed_bytes = result.bytes
        }
    }
}
