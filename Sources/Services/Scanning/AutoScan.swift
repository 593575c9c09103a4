import Metadata

/// Project metadata `auto_scan` and `auto_sbom_generation`: each image pushed into such a project
/// is queued for a scan (or an SBOM) after the push has been stored; the push does not wait. An
/// index is not queued itself: its images were pushed (and queued) before it.
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
        let metadata = try await projects.metadata(projectID: projectID)
        let kinds = [(ScanKind.vulnerability, "auto_scan"), (.sbom, "auto_sbom_generation")].filter { metadata[$0.1] == "true" }.map(\.0)
        guard !kinds.isEmpty else { return }
        guard let record = try await artifacts.artifacts(ids: [manifestID]).first, ScanRequester.target(of: record) == .image else { return }
        for kind in kinds { try await requester.request(record, trigger: .event, kind: kind) }
    }
}
