import SQLKit

public struct ProjectStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columns: SQLQueryString = "id, name, public, owner_id, created_at, updated_at, registry_id"

    public func find(name: String) async throws -> Project? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM projects WHERE name = \(bind: name)").first().map(Self.project)
        }
    }

    /// The project settings that make a pull pass a policy (`ScanReportStore.gateInputs` reads them).
    static let pullPolicySettings = ["prevent_vul", "enable_content_trust_cosign", "enable_content_trust"]

    /// The project and whether a pull policy is on, in one statement (`PullCache`).
    public func findForPull(name: String) async throws -> PullProject? {
        let settings = SQLQueryString(Self.pullPolicySettings.map { "'\($0)'" }.joined(separator: ", "))
        return try await database.read { db in
            guard let row = try await db.raw("""
                SELECT \(Self.columns), EXISTS (SELECT 1 FROM project_metadata pm WHERE pm.project_id = projects.id
                    AND pm.name IN (\(settings)) AND pm.value = 'true') AS gated
                FROM projects WHERE name = \(bind: name)
                """).first() else { return nil }
            return PullProject(project: try Self.project(row), hasPullGates: try row.decode(column: "gated", as: Bool.self))
        }
    }

    public func find(id: Int64) async throws -> Project? {
        try await database.read { db in
            try await db.raw("SELECT \(Self.columns) FROM projects WHERE id = \(bind: id)").first().map(Self.project)
        }
    }

    /// Creates the project unless one of that name exists; returns the stored project either way.
    @discardableResult
    public func createIfMissing(name: String, isPublic: Bool, ownerID: Int64?) async throws -> Project {
        if let created = try await create(name: name, isPublic: isPublic, ownerID: ownerID, metadata: [:], ownerRole: nil) {
            return created
        }
        guard let existing = try await find(name: name) else { throw MetadataError.projectUnknown(name) }
        return existing
    }

    /// Creates a project with its metadata (and, when given, the owner as a member with `ownerRole`)
    /// in one transaction; nil when the name is taken.
    public func create(name: String, isPublic: Bool, ownerID: Int64?, metadata: [String: String], ownerRole: Int?,
                       storageLimit: Int64 = QuotaStore.unlimited, registryID: Int64? = nil) async throws -> Project? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO projects (name, owner_id, public, created_at, updated_at, registry_id)
                VALUES (\(bind: name), \(bind: ownerID), \(bind: isPublic), \(bind: now), \(bind: now), \(bind: registryID))
                ON CONFLICT (name) DO NOTHING
                RETURNING \(Self.columns)
                """).first() else { return nil }
            let project = try Self.project(row)
            var values = metadata
            values["public"] = isPublic ? "true" : "false"
            try await Self.setMetadata(values, projectID: project.id, in: db)
            try await QuotaStore.create(projectID: project.id, hard: storageLimit, now: now, in: db)
            if let ownerID, let ownerRole {
                try await db.raw("""
                    INSERT INTO project_members (project_id, user_id, role, created_at, updated_at)
                    VALUES (\(bind: project.id), \(bind: ownerID), \(bind: ownerRole), \(bind: now), \(bind: now))
                    """).run()
            }
            return project
        }
    }

    /// Projects visible to a caller: all (`visibleTo == nil`), or public ones plus `memberOf`.
    public func list(nameContains: String?, isPublic: Bool?, visibleTo memberOf: [Int64]?, page: OffsetRequest) async throws -> Page<Project> {
        try await database.read { db in
            var filter = SQLQueryString(" WHERE 1 = 1")
            if let nameContains, !nameContains.isEmpty {
                filter.appendContains("name", nameContains)
            }
            if let isPublic {
                filter.appendInterpolation(unsafeRaw: " AND public = ")
                filter.appendInterpolation(bind: isPublic)
            }
            filter.appendVisible(publicColumn: "public", idColumn: "id", memberOf: memberOf)
            return try await PagedQuery.run(db, columns: Self.columns, from: "projects", filter: filter, orderBy: "name", page: page, Self.project)
        }
    }

    public func metadata(projectID: Int64) async throws -> [String: String] {
        try await database.read { db in
            var result: [String: String] = [:]
            for row in try await db.raw("SELECT name, value FROM project_metadata WHERE project_id = \(bind: projectID)").all() {
                result[try row.decode(column: "name", as: String.self)] = try row.decode(column: "value", as: String.self)
            }
            return result
        }
    }

    /// Sets metadata keys; `public` also updates the project's visibility.
    public func updateMetadata(_ values: [String: String], projectID: Int64) async throws {
        try await database.writeChangingPulls { db in
            try await Self.setMetadata(values, projectID: projectID, in: db)
            if let visibility = values["public"] {
                try await db.raw("UPDATE projects SET public = \(bind: visibility == "true"), updated_at = \(bind: WallClock.nowMillis()) WHERE id = \(bind: projectID)").run()
            }
        }
    }

    public func deleteMetadata(_ name: String, projectID: Int64) async throws -> Bool {
        try await database.writeChangingPulls { db in
            !(try await db.raw("DELETE FROM project_metadata WHERE project_id = \(bind: projectID) AND name = \(bind: name) RETURNING name").all()).isEmpty
        }
    }

    /// Deletes an empty project; throws `conflict` while it still holds repositories.
    public func delete(id: Int64) async throws -> Bool {
        try await database.writeChangingPulls { db in
            if try await db.raw("SELECT 1 AS x FROM repositories WHERE project_id = \(bind: id) LIMIT 1").first() != nil {
                throw MetadataError.conflict("the project contains repositories and cannot be deleted")
            }
            try await db.raw("DELETE FROM robots WHERE project_id = \(bind: id)").run()
            try await db.raw("DELETE FROM quotas WHERE reference = 'project' AND reference_id = \(bind: id)").run()
            // the project's retention policy goes by cascade; its schedule must go with it
            try await db.raw("""
                DELETE FROM job_schedules WHERE vendor_type = 'RETENTION'
                AND vendor_id IN (SELECT id FROM retention_policies WHERE project_id = \(bind: id))
                """).run()
            return !(try await db.raw("DELETE FROM projects WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    /// Repository count and member counts per role id, for `/projects/{p}/summary`.
    public func summary(projectID: Int64) async throws -> (repositories: Int64, membersByRole: [Int: Int64]) {
        try await database.read { db in
            let repositories = try await db.raw("SELECT COUNT(*) AS n FROM repositories WHERE project_id = \(bind: projectID)")
                .first()?.decode(column: "n", as: Int64.self) ?? 0
            var byRole: [Int: Int64] = [:]
            for row in try await db.raw("SELECT role, COUNT(*) AS n FROM project_members WHERE project_id = \(bind: projectID) GROUP BY role").all() {
                byRole[try row.decode(column: "role", as: Int.self)] = try row.decode(column: "n", as: Int64.self)
            }
            return (repositories, byRole)
        }
    }

    /// Owner name, repository count, metadata and the caller's role for a page of projects, in four
    /// queries whatever the page size (a listing must not cost queries per project).
    public func details(of ids: [Int64], forUser userID: Int64?) async throws -> [Int64: ProjectDetails] {
        guard !ids.isEmpty else { return [:] }
        return try await database.read { db in
            var result = Dictionary(uniqueKeysWithValues: ids.map { ($0, ProjectDetails()) })
            func inList(_ prefix: SQLQueryString, _ suffix: String = "") -> SQLQueryString {
                var query = prefix
                query.appendInterpolation(binds: ids)
                query.appendInterpolation(unsafeRaw: ")" + suffix)
                return query
            }
            for row in try await db.raw(inList("SELECT p.id, u.username FROM projects p LEFT JOIN users u ON u.id = p.owner_id WHERE p.id IN (")).all() {
                result[try row.decode(column: "id", as: Int64.self)]?.ownerName = try row.decode(column: "username", as: String?.self)
            }
            for row in try await db.raw(inList("SELECT project_id, COUNT(*) AS n FROM repositories WHERE project_id IN (", " GROUP BY project_id")).all() {
                result[try row.decode(column: "project_id", as: Int64.self)]?.repositoryCount = try row.decode(column: "n", as: Int64.self)
            }
            for row in try await db.raw(inList("SELECT project_id, name, value FROM project_metadata WHERE project_id IN (")).all() {
                result[try row.decode(column: "project_id", as: Int64.self)]?.metadata[try row.decode(column: "name", as: String.self)] =
                    try row.decode(column: "value", as: String.self)
            }
            if let userID {
                // Their own role and their groups': the highest is the one shown.
                for row in try await db.raw(inList("""
                    SELECT project_id, role FROM project_members WHERE (user_id = \(bind: userID)
                    OR group_id IN (SELECT group_id FROM user_group_members WHERE user_id = \(bind: userID))) AND project_id IN (
                    """)).all() {
                    let projectID = try row.decode(column: "project_id", as: Int64.self), role = try row.decode(column: "role", as: Int.self)
                    if let current = result[projectID]?.callerRole, Self.roleRank(current) >= Self.roleRank(role) { continue }
                    result[projectID]?.callerRole = role
                }
            }
            return result
        }
    }

    /// Harbor's role ids from the most to the least allowed: project admin, maintainer,
    /// developer, guest, limited guest.
    static func roleRank(_ role: Int) -> Int {
        [1: 5, 4: 4, 2: 3, 3: 2, 5: 1][role] ?? 0
    }

    static func setMetadata(_ values: [String: String], projectID: Int64, in db: any SQLDatabase) async throws {
        for (name, value) in values {
            try await db.raw("""
                INSERT INTO project_metadata (project_id, name, value) VALUES (\(bind: projectID), \(bind: name), \(bind: value))
                ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value
                """).run()
        }
    }

    static func project(_ row: any SQLRow) throws -> Project {
        Project(id: try row.decode(column: "id", as: Int64.self),
                name: try row.decode(column: "name", as: String.self),
                isPublic: try row.decode(column: "public", as: Bool.self),
                ownerID: try row.decode(column: "owner_id", as: Int64?.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self),
                updatedAt: try row.decode(column: "updated_at", as: Int64.self),
                registryID: try row.decode(column: "registry_id", as: Int64?.self))
    }
}
