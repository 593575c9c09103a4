import Jobs

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
        _ = try await collector.run(parameters) { context.log($0) }
    }
}
