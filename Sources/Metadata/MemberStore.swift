import SQLKit

/// Project members: which user holds which role (Harbor role ids) in which project.
public struct MemberStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// The user's role id in the project, or nil when the user is not a member.
    public func role(userID: Int64, projectID: Int64) async throws -> Int? {
        try await database.read { db in
            try await db.raw("SELECT role FROM project_members WHERE project_id = \(bind: projectID) AND user_id = \(bind: userID)")
                .first()?.decode(column: "role", as: Int.self)
        }
    }

    /// Adds the member; returns nil when the user already is one.
    public func add(userID: Int64, projectID: Int64, role: Int) async throws -> Member? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO project_members (project_id, user_id, role, created_at, updated_at)
                VALUES (\(bind: projectID), \(bind: userID), \(bind: role), \(bind: now), \(bind: now))
                ON CONFLICT (project_id, user_id) DO NOTHING
                RETURNING id
                """).first().map { row in
                Member(id: try row.decode(column: "id", as: Int64.self), projectID: projectID, userID: userID,
                       username: "", role: role)
            }
        }
    }

    public func list(projectID: Int64, usernameContains: String? = nil) async throws -> [Member] {
        try await database.read { db in
            var query = SQLQueryString("""
                SELECT m.id, m.project_id, m.user_id, u.username, m.role FROM project_members m
                JOIN users u ON u.id = m.user_id WHERE m.project_id = \(bind: projectID)
                """)
            if let usernameContains, !usernameContains.isEmpty {
                query.appendContains("u.username", usernameContains)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY m.id")
            return try await db.raw(query).all().map(Self.member)
        }
    }

    public func find(id: Int64, projectID: Int64) async throws -> Member? {
        try await database.read { db in
            try await db.raw("""
                SELECT m.id, m.project_id, m.user_id, u.username, m.role FROM project_members m
                JOIN users u ON u.id = m.user_id WHERE m.project_id = \(bind: projectID) AND m.id = \(bind: id)
                """).first().map(Self.member)
        }
    }

    public func updateRole(id: Int64, projectID: Int64, role: Int) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE project_members SET role = \(bind: role), updated_at = \(bind: WallClock.nowMillis())
                WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id
                """).all()).isEmpty
        }
    }

    public func delete(id: Int64, projectID: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM project_members WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id").all()).isEmpty
        }
    }

    /// Project ids where the user is a member (for listings a non-admin may see).
    public func projectIDs(userID: Int64) async throws -> [Int64] {
        try await database.read { db in
            try await db.raw("SELECT project_id FROM project_members WHERE user_id = \(bind: userID)").all()
                .map { try $0.decode(column: "project_id", as: Int64.self) }
        }
    }

    static func member(_ row: any SQLRow) throws -> Member {
        Member(id: try row.decode(column: "id", as: Int64.self),
               projectID: try row.decode(column: "project_id", as: Int64.self),
               userID: try row.decode(column: "user_id", as: Int64.self),
               username: try row.decode(column: "username", as: String.self),
               role: try row.decode(column: "role", as: Int.self))
    }
}

public struct Member: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let userID: Int64
    public let username: String
    public let role: Int
}

public enum LikePattern {
    /// Escapes LIKE wildcards so user input matches literally.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
