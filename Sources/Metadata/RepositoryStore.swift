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
        let now = Clock.nowMillis()
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
            if let projectIDs {
                query.appendInterpolation(unsafeRaw: " AND project_id IN (")
                query.appendInterpolation(binds: projectIDs)
                query.appendInterpolation(unsafeRaw: ")")
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY name LIMIT ")
            query.appendInterpolation(bind: page.limit)
            return try await db.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    static func repository(_ row: any SQLRow) throws -> Repository {
        Repository(id: try row.decode(column: "id", as: Int64.self),
                   projectID: try row.decode(column: "project_id", as: Int64.self),
                   name: try RepositoryName(row.decode(column: "name", as: String.self)))
    }
}
