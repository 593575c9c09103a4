import SQLKit

public struct ProjectStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func find(name: String) async throws -> Project? {
        try await database.read { db in
            try await db.raw("SELECT id, name, public FROM projects WHERE name = \(bind: name)").first().map(Self.project)
        }
    }

    /// Creates the project unless one of that name exists; returns the stored project either way.
    @discardableResult
    public func createIfMissing(name: String, isPublic: Bool, ownerID: Int64?) async throws -> Project {
        let now = Clock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO projects (name, owner_id, public, created_at, updated_at)
                VALUES (\(bind: name), \(bind: ownerID), \(bind: isPublic), \(bind: now), \(bind: now))
                ON CONFLICT (name) DO NOTHING
                """).run()
            guard let row = try await db.raw("SELECT id, name, public FROM projects WHERE name = \(bind: name)").first() else {
                throw MetadataError.projectUnknown(name)
            }
            return try Self.project(row)
        }
    }

    static func project(_ row: any SQLRow) throws -> Project {
        Project(id: try row.decode(column: "id", as: Int64.self),
                name: try row.decode(column: "name", as: String.self),
                isPublic: try row.decode(column: "public", as: Bool.self))
    }
}

extension ProjectStore {
    public func publicProjectIDs() async throws -> [Int64] {
        try await database.read { db in
            try await db.raw("SELECT id FROM projects WHERE public = \(bind: true)").all()
                .map { try $0.decode(column: "id", as: Int64.self) }
        }
    }
}
