import OCI
import SQLKit

/// Open upload sessions: which repository each belongs to. The bytes received are in the blob
/// store; the database makes a session survive restarts and lets any node find it.
public struct UploadSessionStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func create(id: String, repository: RepositoryName) async throws {
        let now = WallClock.nowMillis()
        try await database.write { db in
            try await db.raw("""
                INSERT INTO upload_sessions (id, repository, created_at, updated_at)
                VALUES (\(bind: id), \(bind: repository.value), \(bind: now), \(bind: now))
                """).run()
        }
    }

    /// The repository the session was opened for, or nil when it is unknown or finished.
    public func repository(of id: String) async throws -> RepositoryName? {
        try await database.read { db in
            try await db.raw("SELECT repository FROM upload_sessions WHERE id = \(bind: id)").first()
                .map { try RepositoryName($0.decode(column: "repository", as: String.self)) }
        }
    }

    /// Marks the session as active now, so expiry counts from its last chunk.
    public func touch(id: String) async throws {
        try await database.write { db in
            try await db.raw("UPDATE upload_sessions SET updated_at = \(bind: WallClock.nowMillis()) WHERE id = \(bind: id)").run()
        }
    }

    public func delete(id: String) async throws {
        try await database.write { db in
            try await db.raw("DELETE FROM upload_sessions WHERE id = \(bind: id)").run()
        }
    }

    /// Sessions not touched since `cutoffMillis`, to be purged.
    public func stale(before cutoffMillis: Int64) async throws -> [String] {
        try await database.read { db in
            try await db.raw("SELECT id FROM upload_sessions WHERE updated_at < \(bind: cutoffMillis)").all()
                .map { try $0.decode(column: "id", as: String.self) }
        }
    }
}
