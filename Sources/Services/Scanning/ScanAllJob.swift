import Jobs
import Metadata

/// Harbor's `SCAN_ALL`: one execution whose launcher task walks every artifact of the registry in
/// pages and adds an `IMAGE_SCAN` task per image to the same execution, so the execution's tasks
/// are scan-all's metrics and stopping it stops them all. Images whose scan is still pending or
/// running are left to that scan. Safe to repeat: a retried launcher skips the images its
/// execution already holds, so each image is scanned once per run.
public struct ScanAllJob: JobKind {
    public static let jobType = "SCAN_ALL"
    public var jobType: String { Self.jobType }
    static let pageSize = 500

    let artifacts: ArtifactStore
    let requester: ScanRequester

    public init(database: MetadataDatabase, requester: ScanRequester) {
        artifacts = ArtifactStore(database: database)
        self.requester = requester
    }

    public func run(_ context: JobContext) async throws {
        var after: Int64 = 0
        var images = 0
        var queued = 0
        let done = context.task.attempt > 1 ? try await requester.imagesQueued(inExecution: context.task.executionID) : []
        while true {
            try Task.checkCancellation()
            let page = try await artifacts.allArtifacts(afterID: after, limit: Self.pageSize)
            let scannable = page.filter { ScanRequester.target(of: $0) == .image && !done.contains($0.id) }
            images += scannable.count
            queued += try await requester.add(scannable, toExecution: context.task.executionID)
            guard let last = page.last, page.count == Self.pageSize else { break }
            after = last.id
        }
        context.log("scan all: \(queued) of \(images) images queued (\(images - queued) already being scanned)")
    }
}
