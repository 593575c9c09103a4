import SQLKit

/// A repository as `/search` lists it.
public struct RepositoryHit: Sendable, Equatable {
    public let projectID: Int64
    public let projectName: String
    public let projectPublic: Bool
    public let name: String
    public let pullCount: Int64
    public let artifactCount: Int64
}

/// What `/statistics` counts.
public struct RegistryStatistics: Sendable, Equatable {
    public var publicProjects: Int64 = 0
    public var privateProjects: Int64 = 0
    public var publicRepositories: Int64 = 0
    public var privateRepositories: Int64 = 0
    public var totalProjects: Int64 = 0
    public var totalRepositories: Int64 = 0
    public var storageBytes: Int64 = 0
}

extension RepositoryStore {
    /// Repositories whose name contains `text`, in public projects or `memberOf` (every project
    /// for nil), by name; at most `limit`.
    public func search(_ text: String, visibleTo memberOf: [Int64]?, limit: Int) async throws -> [RepositoryHit] {
        var query = SQLQueryString("""
            SELECT r.project_id, p.name AS project_name, p.public, r.name, r.pull_count,
                (SELECT COUNT(*) FROM manifests m WHERE m.repository_id = r.id
                 AND (NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = m.id)
                      OR EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id))) AS artifact_count
            FROM repositories r JOIN projects p ON p.id = r.project_id WHERE 1 = 1
            """)
        query.appendContains("r.name", text)
        query.appendVisible(publicColumn: "p.public", idColumn: "p.id", memberOf: memberOf)
        query.appendInterpolation(unsafeRaw: " ORDER BY r.name LIMIT ")
        query.appendInterpolation(bind: limit)
        let built = query
        return try await database.read { db in
            try await db.raw(built).all().map { row in
                RepositoryHit(projectID: try row.decode(column: "project_id", as: Int64.self),
                              projectName: try row.decode(column: "project_name", as: String.self),
                              projectPublic: try row.decode(column: "public", as: Bool.self),
                              name: try row.decode(column: "name", as: String.self),
                              pullCount: try row.decode(column: "pull_count", as: Int64.self),
                              artifactCount: try row.decode(column: "artifact_count", as: Int64.self))
            }
        }
    }

    /// Project and repository counts by visibility, for public projects and `memberOf` (every
    /// project for nil, which also fills the totals and the storage the blobs take).
    public func statistics(visibleTo memberOf: [Int64]?) async throws -> RegistryStatistics {
        var projectsQuery: SQLQueryString = "SELECT p.public, COUNT(*) AS n FROM projects p WHERE 1 = 1"
        projectsQuery.appendVisible(publicColumn: "p.public", idColumn: "p.id", memberOf: memberOf)
        projectsQuery.appendInterpolation(unsafeRaw: " GROUP BY p.public")
        var repositoriesQuery: SQLQueryString = "SELECT p.public, COUNT(*) AS n FROM repositories r JOIN projects p ON p.id = r.project_id WHERE 1 = 1"
        repositoriesQuery.appendVisible(publicColumn: "p.public", idColumn: "p.id", memberOf: memberOf)
        repositoriesQuery.appendInterpolation(unsafeRaw: " GROUP BY p.public")
        let (projects, repositories) = (projectsQuery, repositoriesQuery)
        let everything = memberOf == nil
        return try await database.read { db in
            var statistics = RegistryStatistics()
            for row in try await db.raw(projects).all() {
                let n = try row.decode(column: "n", as: Int64.self)
                if try row.decode(column: "public", as: Bool.self) { statistics.publicProjects = n } else { statistics.privateProjects = n }
            }
            for row in try await db.raw(repositories).all() {
                let n = try row.decode(column: "n", as: Int64.self)
                if try row.decode(column: "public", as: Bool.self) { statistics.publicRepositories = n } else { statistics.privateRepositories = n }
            }
            if everything {
                statistics.totalProjects = statistics.publicProjects + statistics.privateProjects
                statistics.totalRepositories = statistics.publicRepositories + statistics.privateRepositories
                statistics.storageBytes = try await db.raw("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM blobs").first()?
                    .decode(column: "total", as: Int64.self) ?? 0
            }
            return statistics
        }
    }
}
