import SQLKit

/// Project members: which user or user group holds which role (Harbor role ids) in which project.
public struct MemberStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// The role ids the user holds in the project: their own, and their groups'. Empty when
    /// they are no member by either route.
    public func roles(userID: Int64, projectID: Int64) async throws -> [Int] {
        try await database.read { db in
            try await db.raw("""
                SELECT role FROM project_members WHERE project_id = \(bind: projectID)
                AND (user_id = \(bind: userID)
                     OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = \(bind: userID)))
                """).all().map { try $0.decode(column: "role", as: Int.self) }
        }
    }

    /// Adds the user or group; returns nil when it already is a member.
    public func add(_ entity: MemberEntity, projectID: Int64, role: Int) async throws -> Member? {
        let now = WallClock.nowMillis()
        let (userID, groupID): (Int64?, Int64?) = switch entity {
        case .user(let id): (id, nil)
        case .group(let id): (nil, id)
        }
        return try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO project_members (project_id, user_id, group_id, role, created_at, updated_at)
                VALUES (\(bind: projectID), \(bind: userID), \(bind: groupID), \(bind: role), \(bind: now), \(bind: now))
                ON CONFLICT DO NOTHING
                RETURNING id
                """).first() else { return nil }
            let id = try row.decode(column: "id", as: Int64.self)
            return try await db.raw("\(Self.select) WHERE m.id = \(bind: id)").first().map(Self.member)
        }
    }

    /// The members, users and groups, by id; `nameContains` filters on the user or group name.
    public func list(projectID: Int64, nameContains: String? = nil) async throws -> [Member] {
        try await database.read { db in
            var query = SQLQueryString("\(Self.select) WHERE m.project_id = \(bind: projectID)")
            if let nameContains, !nameContains.isEmpty {
                query.appendContains("COALESCE(u.username, g.group_name)", nameContains)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY m.id")
            return try await db.raw(query).all().map(Self.member)
        }
    }

    public func find(id: Int64, projectID: Int64) async throws -> Member? {
        try await database.read { db in
            try await db.raw("\(Self.select) WHERE m.project_id = \(bind: projectID) AND m.id = \(bind: id)").first().map(Self.member)
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

    /// Project ids where the user is a member, themselves or through a group (for listings a
    /// non-admin may see).
    public func projectIDs(userID: Int64) async throws -> [Int64] {
        try await database.read { db in
            try await db.raw("""
                SELECT DISTINCT project_id FROM project_members WHERE user_id = \(bind: userID)
                OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = \(bind: userID))
                """).all()
                .map { try $0.decode(column: "project_id", as: Int64.self) }
        }
    }

    static let select: SQLQueryString = """
        SELECT m.id, m.project_id, m.user_id, m.group_id, m.role, COALESCE(u.username, g.group_name) AS entity_name
        FROM project_members m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN user_groups g ON g.id = m.group_id
        """

    static func member(_ row: any SQLRow) throws -> Member {
        let userID = try row.decode(column: "user_id", as: Int64?.self)
        let groupID = try row.decode(column: "group_id", as: Int64?.self)
        return Member(id: try row.decode(column: "id", as: Int64.self),
                      projectID: try row.decode(column: "project_id", as: Int64.self),
                      entity: userID.map(MemberEntity.user) ?? .group(groupID ?? 0),
                      entityName: try row.decode(column: "entity_name", as: String?.self) ?? "",
                      role: try row.decode(column: "role", as: Int.self))
    }
}

/// Who a project membership is for.
public enum MemberEntity: Sendable, Equatable {
    case user(Int64)
    case group(Int64)
}

public struct Member: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let entity: MemberEntity
    /// The user's or the group's name.
    public let entityName: String
    public let role: Int
}

public enum LikePattern {
    /// Escapes LIKE wildcards so user input matches literally.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
