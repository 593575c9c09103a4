import SQLKit

public struct UserStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columnNames = ["id", "username", "password_hash", "sysadmin", "admin_by_group", "email", "realname", "comment", "created_at", "updated_at"]
    static let columns = columns(prefix: "")

    /// The columns `user(_:)` reads, each qualified with `prefix` (`u.`) for joins.
    static func columns(prefix: String) -> SQLQueryString {
        SQLQueryString(columnNames.map { prefix + $0 }.joined(separator: ", "))
    }

    public func find(username: String) async throws -> User? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM users WHERE username = \(bind: username)").first().map(Self.user)
        }
    }

    public func find(id: Int64) async throws -> User? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM users WHERE id = \(bind: id)").first().map(Self.user)
        }
    }

    /// Creates a user; returns nil when the name is taken.
    @discardableResult
    public func create(username: String, passwordHash: String, isAdmin: Bool,
                       email: String? = nil, realname: String? = nil, comment: String? = nil) async throws -> User? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO users (username, password_hash, sysadmin, email, realname, comment, created_at, updated_at)
                VALUES (\(bind: username), \(bind: passwordHash), \(bind: isAdmin), \(bind: email), \(bind: realname),
                        \(bind: comment), \(bind: now), \(bind: now))
                ON CONFLICT (username) DO NOTHING
                RETURNING \(Self.columns)
                """).first().map(Self.user)
        }
    }

    /// The user a directory sign-in names: created on first sign-in with no local password (an
    /// empty hash matches none), and given the directory's email, real name and admin-group
    /// standing every time. nil when the name belongs to a local account (one with a password,
    /// such as the first administrator): a directory entry of the same name never takes it over.
    public func onboard(username: String, email: String?, realname: String?, isGroupAdmin: Bool) async throws -> User? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO users (username, password_hash, sysadmin, admin_by_group, email, realname, created_at, updated_at)
                VALUES (\(bind: username), '', FALSE, \(bind: isGroupAdmin), \(bind: email), \(bind: realname), \(bind: now), \(bind: now))
                ON CONFLICT (username) DO UPDATE SET admin_by_group = excluded.admin_by_group,
                    email = COALESCE(excluded.email, users.email), realname = COALESCE(excluded.realname, users.realname),
                    updated_at = excluded.updated_at
                WHERE users.password_hash = ''
                RETURNING \(Self.columns)
                """).first().map(Self.user)
        }
    }

    /// Takes away what the directory granted: its administrators' group standing, for every user
    /// (the admin group or the sign-in mode changed) or for one (the directory no longer knows them).
    public func clearGroupAdmin(userID: Int64? = nil) async throws {
        try await database.write { db in
            var query = SQLQueryString("UPDATE users SET admin_by_group = FALSE WHERE admin_by_group")
            if let userID { query.appendInterpolation(unsafeRaw: " AND id = "); query.appendInterpolation(bind: userID) }
            try await db.raw(query).run()
        }
    }

    public func count() async throws -> Int64 {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }

    /// Users whose name contains `nameContains` (all when nil), by id.
    public func list(nameContains: String?, page: OffsetRequest) async throws -> Page<User> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE 1 = 1")
            if let nameContains, !nameContains.isEmpty { filter.appendContains("username", nameContains) }
            return try await PagedQuery.run(db, columns: Self.columns, from: "users", filter: filter, orderBy: "id", page: page, Self.user)
        }
    }

    public func updateProfile(id: Int64, email: String?, realname: String?, comment: String?) async throws -> Bool {
        try await update(id: id, "email = \(bind: email), realname = \(bind: realname), comment = \(bind: comment)")
    }

    public func updatePassword(id: Int64, passwordHash: String) async throws -> Bool {
        try await update(id: id, "password_hash = \(bind: passwordHash)")
    }

    public func setAdmin(id: Int64, isAdmin: Bool) async throws -> Bool {
        try await update(id: id, "sysadmin = \(bind: isAdmin)")
    }

    public func delete(id: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM users WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    private func update(id: Int64, _ assignments: SQLQueryString) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("UPDATE users SET \(assignments), updated_at = \(bind: WallClock.nowMillis()) WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    static func user(_ row: any SQLRow) throws -> User {
        User(id: try row.decode(column: "id", as: Int64.self),
             username: try row.decode(column: "username", as: String.self),
             passwordHash: try row.decode(column: "password_hash", as: String.self),
             isAdmin: try row.decode(column: "sysadmin", as: Bool.self),
             isGroupAdmin: try row.decode(column: "admin_by_group", as: Bool.self),
             email: try row.decode(column: "email", as: String?.self),
             realname: try row.decode(column: "realname", as: String?.self),
             comment: try row.decode(column: "comment", as: String?.self),
             createdAt: try row.decode(column: "created_at", as: Int64.self),
             updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}
