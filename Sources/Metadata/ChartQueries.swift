import SQLKit

/// A chart version's row without its payload: enough to find it in a cache.
public struct ChartRow: Sendable, Hashable {
    public let manifestID: Int64
    public let projectID: Int64
}

extension ArtifactStore {
    /// The chart versions of the given projects (all for nil), oldest first, without payloads.
    public func chartRows(projectIDs: [Int64]?) async throws -> [ChartRow] {
        if let projectIDs, projectIDs.isEmpty { return [] }
        var query = SQLQueryString("""
            SELECT m.id, r.project_id FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE m.artifact_type = \(bind: Self.helmConfigMediaType)
            """)
        query.appendIn("r.project_id", projectIDs)
        query.appendInterpolation(unsafeRaw: " ORDER BY m.id")
        let built = query
        return try await database.read { db in
            try await db.raw(built).all().map {
                ChartRow(manifestID: try $0.decode(column: "id", as: Int64.self), projectID: try $0.decode(column: "project_id", as: Int64.self))
            }
        }
    }

    /// Helm's config media type: the artifact type of every chart stored as an OCI artifact.
    public static let helmConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
}

/// What identifies the state of a project's charts: their number and the newest manifest id
/// (any push raises it, any deletion lowers the count), so a rendered index can be reused until
/// one of them changes.
public struct ChartStamp: Sendable, Hashable {
    public let count: Int64
    public let newest: Int64
}

extension ArtifactStore {
    /// The chart stamps of the given projects (all for nil); projects without charts are absent.
    public func chartStamps(projectIDs: [Int64]?) async throws -> [Int64: ChartStamp] {
        if let projectIDs, projectIDs.isEmpty { return [:] }
        var query = SQLQueryString("""
            SELECT r.project_id, COUNT(*) AS n, MAX(m.id) AS newest FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE m.artifact_type = \(bind: Self.helmConfigMediaType)
            """)
        query.appendIn("r.project_id", projectIDs)
        query.appendInterpolation(unsafeRaw: " GROUP BY r.project_id")
        let built = query
        return try await database.read { db in
            var stamps: [Int64: ChartStamp] = [:]
            for row in try await db.raw(built).all() {
                stamps[try row.decode(column: "project_id", as: Int64.self)] =
                    ChartStamp(count: try row.decode(column: "n", as: Int64.self), newest: try row.decode(column: "newest", as: Int64.self))
            }
            return stamps
        }
    }
}
