import SQLKit

public struct UserStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func find(username: String) async throws -> User? {
        try await database.read { db in
            try await db.raw("SELECT id, username, password_hash, sysadmin FROM users WHERE username = \(bind: username)")
                .first().map(Self.user)
        }
    }

    /// Creates a user; returns nil when the name is taken.
    @discardableResult
    public func create(username: String, passwordHash: String, isAdmin: Bool) async throws -> User? {
        let now = Clock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO users (username, password_hash, sysadmin, created_at, updated_at)
                VALUES (\(bind: username), \(bind: passwordHash), \(bind: isAdmin), \(bind: now), \(bind: now))
                ON CONFLICT (username) DO NOTHING
                RETURNING id, username, password_hash, sysadmin
                """).first().map(Self.user)
        }
    }

    static func user(_ row: any SQLRow) throws -> User {
        User(id: try row.decode(column: "id", as: Int64.self),
             username: try row.decode(column: "username", as: String.self),
             passwordHash: try row.decode(column: "password_hash", as: String.self),
             isAdmin: try row.decode(column: "sysadmin", as: Bool.self))
    }
}
