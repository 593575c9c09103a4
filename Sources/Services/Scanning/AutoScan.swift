import Metadata

/// Project metadata `auto_scan`: each image pushed into such a project is queued for a scan after
/// the push has been stored; the push does not wait for the scan. An index is not queued itself:
/// its images were pushed (and queued) before it.
public struct AutoScan: Sendable {
    let projects: ProjectStore
    let artifacts: ArtifactStore
    let requester: ScanRequester

    public init(database: MetadataDatabase, requester: ScanRequester) {
        projects = ProjectStore(database: database)
        artifacts = ArtifactStore(database: database)
        self.requester = requester
    }

    public func manifestPushed(manifestID: Int64, projectID: Int64) async throws {
        guard try await projects.metadata(projectID: projectID)["auto_scan"] == "true" else { return }
        guard let record = try await artifacts.artifacts(ids: [manifestID]).first, ScanRequester.target(of: record) == .image else { return }
        try await requester.request(record, trigger: .event)
    }
}
