import OCI
import SQLKit

public struct RepositoryStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func find(_ name: RepositoryName) async throws -> Repository? {
        try await database.read { db in
            try await db.raw("SELECT id, project_id, name FROM repositories WHERE name = \(bind: name.value)")
                .first().map(Self.repository)
        }
    }

    /// The repository, created on first push inside `db`'s transaction.
    static func findOrCreate(_ name: RepositoryName, projectID: Int64, in db: any SQLDatabase) async throws -> Repository {
        let now = WallClock.nowMillis()
        try await db.raw("""
            INSERT INTO repositories (project_id, name, created_at, updated_at)
            VALUES (\(bind: projectID), \(bind: name.value), \(bind: now), \(bind: now))
            ON CONFLICT (name) DO NOTHING
            """).run()
        guard let row = try await db.raw("SELECT id, project_id, name FROM repositories WHERE name = \(bind: name.value)").first() else {
            throw MetadataError.repositoryUnknown(name.value)
        }
        return try repository(row)
    }

    /// Repository names in byte order, for `/v2/_catalog`. `projectIDs` nil means every project.
    public func catalog(page: PageRequest, projectIDs: [Int64]?) async throws -> [String] {
        if let projectIDs, projectIDs.isEmpty { return [] }
        return try await database.read { db in
            var query = SQLQueryString("SELECT name FROM repositories WHERE 1 = 1")
            if let after = page.after { query.appendInterpolation(unsafeRaw: " AND name > "); query.appendInterpolation(bind: after) }
            query.appendIn("project_id", projectIDs)
            query.appendInterpolation(unsafeRaw: " ORDER BY name LIMIT ")
            query.appendInterpolation(bind: page.limit)
            return try await db.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    /// Columns of `RepositoryInfo`; the artifact count excludes untagged children of indexes, as
    /// Harbor's listing does.
    static let infoColumns: SQLQueryString = """
        r.id, r.project_id, r.name, r.description, r.pull_count, r.created_at, r.updated_at,
        (SELECT COUNT(*) FROM manifests m WHERE m.repository_id = r.id
         AND (NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = m.id)
              OR EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id))) AS artifact_count
        """

    public func info(_ name: RepositoryName) async throws -> RepositoryInfo? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.infoColumns) FROM repositories r WHERE r.name = \(bind: name.value)")
                .first().map(Self.info)
        }
    }

    /// A project's repositories for the Harbor API; `nameContains` matches the full name.
    public func list(projectID: Int64, nameContains: String?, exactName: String?, sort: RepositorySort,
                     descending: Bool, page: OffsetRequest) async throws -> Page<RepositoryInfo> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE r.project_id = \(bind: projectID)")
            if let nameContains, !nameContains.isEmpty {
                filter.appendContains("r.name", nameContains)
            }
            if let exactName {
                filter.appendInterpolation(unsafeRaw: " AND r.name = ")
                filter.appendInterpolation(bind: exactName)
            }
            let column = switch sort {
            case .name: "r.name"
            case .creationTime: "r.created_at"
            case .updateTime: "r.updated_at"
            case .pullCount: "r.pull_count"
            }
            let direction = descending ? "DESC" : "ASC"
            return try await PagedQuery.run(db, columns: Self.infoColumns, from: "repositories r", filter: filter,
                                            orderBy: "\(column) \(direction), r.id \(direction)", pageKey: "r.id", page: page, Self.info)
        }
    }

    /// Sets the description; false when there is no such repository.
    public func updateDescription(_ description: String, of name: RepositoryName) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE repositories SET description = \(bind: description), updated_at = \(bind: WallClock.nowMillis())
                WHERE name = \(bind: name.value) RETURNING id
                """).all()).isEmpty
        }
    }

    /// Deletes the repository with its artifacts, tags and blob links in one transaction. Blob bytes
    /// stay for garbage collection. False when there was no such repository.
    public func delete(_ name: RepositoryName) async throws -> Bool {
        try await database.writeChangingPulls { db in
            guard let row = try await db.raw("SELECT id FROM repositories WHERE name = \(bind: name.value)").first() else { return false }
            let id = try row.decode(column: "id", as: Int64.self)
            try await db.raw("DELETE FROM tags WHERE repository_id = \(bind: id)").run()
            try await db.raw("""
                DELETE FROM manifest_references WHERE parent_id IN (SELECT id FROM manifests WHERE repository_id = \(bind: id))
                """).run()
            try await db.raw("DELETE FROM manifest_blobs WHERE manifest_id IN (SELECT id FROM manifests WHERE repository_id = \(bind: id))").run()
            try await db.raw("DELETE FROM manifests WHERE repository_id = \(bind: id)").run()
            try await db.raw("DELETE FROM repository_blobs WHERE repository_id = \(bind: id)").run()
            try await db.raw("DELETE FROM repositories WHERE id = \(bind: id)").run()
            return true
        }
    }

    static func info(_ row: any SQLRow) throws -> RepositoryInfo {
        RepositoryInfo(id: try row.decode(column: "id", as: Int64.self),
                       projectID: try row.decode(column: "project_id", as: Int64.self),
                       name: try RepositoryName(row.decode(column: "name", as: String.self)),
                       description: try row.decode(column: "description", as: String?.self),
                       artifactCount: try row.decode(column: "artifact_count", as: Int64.self),
                       pullCount: try row.decode(column: "pull_count", as: Int64.self),
                       createdAt: try row.decode(column: "created_at", as: Int64.self),
                       updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }

    static func repository(_ row: any SQLRow) throws -> Repository {
        Repository(id: try row.decode(column: "id", as: Int64.self),
                   projectID: try row.decode(column: "project_id", as: Int64.self),
                   name: try RepositoryName(row.decode(column: "name", as: String.self)))
    }
}
