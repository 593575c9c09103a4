import SQLKit

/// Robot accounts. The secret is stored hashed; `permissions` is the Harbor permission list as JSON,
/// kept verbatim so the API returns what was given.
public struct RobotStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columns: SQLQueryString = """
        id, name, description, project_id, level, secret_hash, disabled, duration, expires_at, permissions, creator, created_at, updated_at
        """

    /// Creates the robot; nil when the name is taken.
    public func create(_ robot: NewRobot) async throws -> Robot? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO robots (name, description, project_id, level, secret_hash, disabled, duration, expires_at, permissions, creator, created_at, updated_at)
                VALUES (\(bind: robot.name), \(bind: robot.description), \(bind: robot.projectID), \(bind: robot.level),
                        \(bind: robot.secretHash), \(bind: robot.disabled), \(bind: robot.duration), \(bind: robot.expiresAt),
                        \(bind: robot.permissionsJSON), \(bind: robot.creator), \(bind: now), \(bind: now))
                ON CONFLICT (name) DO NOTHING
                RETURNING \(Self.columns)
                """).first().map(Self.robot)
        }
    }

    public func find(name: String) async throws -> Robot? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM robots WHERE name = \(bind: name)").first().map(Self.robot)
        }
    }

    public func find(id: Int64) async throws -> Robot? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM robots WHERE id = \(bind: id)").first().map(Self.robot)
        }
    }

    /// Robots of one project (`projectID`), or system robots when nil.
    public func list(projectID: Int64?) async throws -> [Robot] {
        try await database.read { db in
            let query: SQLQueryString = projectID.map { "SELECT \(Self.columns) FROM robots WHERE project_id = \(bind: $0) ORDER BY id" }
                ?? "SELECT \(Self.columns) FROM robots ORDER BY id"
            return try await db.raw(query).all().map(Self.robot)
        }
    }

    public func update(id: Int64, description: String?, disabled: Bool, duration: Int64, expiresAt: Int64, permissionsJSON: String) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE robots SET description = \(bind: description), disabled = \(bind: disabled), duration = \(bind: duration),
                expires_at = \(bind: expiresAt), permissions = \(bind: permissionsJSON), updated_at = \(bind: WallClock.nowMillis())
                WHERE id = \(bind: id) RETURNING id
                """).all()).isEmpty
        }
    }

    public func replaceSecret(id: Int64, secretHash: String) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE robots SET secret_hash = \(bind: secretHash), updated_at = \(bind: WallClock.nowMillis())
                WHERE id = \(bind: id) RETURNING id
                """).all()).isEmpty
        }
    }

    public func delete(id: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM robots WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    static func robot(_ row: any SQLRow) throws -> Robot {
        Robot(id: try row.decode(column: "id", as: Int64.self),
              name: try row.decode(column: "name", as: String.self),
              description: try row.decode(column: "description", as: String?.self),
              projectID: try row.decode(column: "project_id", as: Int64?.self),
              level: try row.decode(column: "level", as: String.self),
              secretHash: try row.decode(column: "secret_hash", as: String.self),
              disabled: try row.decode(column: "disabled", as: Bool.self),
              duration: try row.decode(column: "duration", as: Int64.self),
              expiresAt: try row.decode(column: "expires_at", as: Int64.self),
              permissionsJSON: try row.decode(column: "permissions", as: String.self),
              creator: try row.decode(column: "creator", as: String?.self),
              createdAt: try row.decode(column: "created_at", as: Int64.self),
              updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}

public struct NewRobot: Sendable {
    public var name: String
    public var description: String?
    public var projectID: Int64?
    public var level: String
    public var secretHash: String
    public var disabled: Bool
    public var duration: Int64
    public var expiresAt: Int64
    public var permissionsJSON: String
    public var creator: String?

    public init(name: String, description: String?, projectID: Int64?, level: String, secretHash: String,
                disabled: Bool, duration: Int64, expiresAt: Int64, permissionsJSON: String, creator: String?) {
        self.name = name
        self.description = description
        self.projectID = projectID
        self.level = level
        self.secretHash = secretHash
        self.disabled = disabled
        self.duration = duration
        self.expiresAt = expiresAt
        self.permissionsJSON = permissionsJSON
        self.creator = creator
    }
}

public struct Robot: Sendable, Equatable {
    public let id: Int64
    /// Stored name: `<project>+<name>` for project robots, `<name>` for system robots.
    public let name: String
    public let description: String?
    public let projectID: Int64?
    public let level: String
    public let secretHash: String
    public let disabled: Bool
    public let duration: Int64
    /// Unix seconds, or -1 for never.
    public let expiresAt: Int64
    public let permissionsJSON: String
    public let creator: String?
    public let createdAt: Int64
    public let updatedAt: Int64
}
