import SQLKit

extension ArtifactStore {
    /// Helm's config media type: the artifact type of every chart stored as an OCI artifact.
    public static let helmConfigMediaType = "application/vnd.cncf.helm.config.v1+json"

    /// Every chart version stored in the given projects (all projects for nil), oldest first: the
    /// rows a classic chart repository's `index.yaml` is built from, in one query.
    public func charts(projectIDs: [Int64]?) async throws -> [ArtifactRecord] {
        if let projectIDs, projectIDs.isEmpty { return [] }
        var query = SQLQueryString("""
            SELECT \(Self.artifactColumns) FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE m.artifact_type = \(bind: Self.helmConfigMediaType)
            """)
        if let projectIDs {
            query.appendInterpolation(unsafeRaw: " AND r.project_id IN (")
            query.appendInterpolation(binds: projectIDs)
            query.appendInterpolation(unsafeRaw: ")")
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY m.id")
        let built = query
        return try await database.read { db in try await db.raw(built).all().map(Self.artifact) }
    }
}
