import SQLKit

/// A label (Harbor's `Label`): global (`g`, made by system administrators) or of one project (`p`).
public struct LabelRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    /// `#RRGGBB`, or empty.
    public var color: String
    public var scope: String
    public var projectID: Int64?
    public var creationTime: Int64
    public var updateTime: Int64

    public init(id: Int64 = 0, name: String, description: String = "", color: String = "", scope: String, projectID: Int64?,
                creationTime: Int64, updateTime: Int64) {
        self.id = id
        self.name = name
        self.description = description
        self.color = color
        self.scope = scope
        self.projectID = projectID
        self.creationTime = creationTime
        self.updateTime = updateTime
    }
}

/// Labels and the artifacts that carry them. Names are unique among the global labels and among
/// one project's labels; deleting a label (or its project) takes it off every artifact.
public struct LabelStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Throws `MetadataError.conflict` when the name is taken in the label's scope.
    public func insert(_ label: LabelRecord) async throws -> Int64 {
        try await database.write { db in
            try await Self.checkUnique(label, in: db)
            guard let row = try await db.raw("""
                INSERT INTO labels (name, description, color, scope, project_id, creation_time, update_time)
                VALUES (\(bind: label.name), \(bind: label.description), \(bind: label.color), \(bind: label.scope), \(bind: label.projectID),
                        \(bind: label.creationTime), \(bind: label.updateTime))
                RETURNING id
                """).first() else { throw MetadataError.conflict("the label was not created") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    public func update(_ label: LabelRecord) async throws {
        try await database.write { db in
            try await Self.checkUnique(label, in: db)
            try await db.raw("""
                UPDATE labels SET name = \(bind: label.name), description = \(bind: label.description), color = \(bind: label.color),
                    update_time = \(bind: label.updateTime)
                WHERE id = \(bind: label.id)
                """).run()
        }
    }

    @discardableResult
    public func delete(_ id: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("DELETE FROM artifact_labels WHERE label_id = \(bind: id)").run()
            return try await db.raw("DELETE FROM labels WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    public func find(_ id: Int64) async throws -> LabelRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM labels WHERE id = \(bind: id)").first().map(Self.record)
        }
    }

    /// Labels of one scope (and project, for `p`), by name: exact, or containing `nameContains`.
    public func list(scope: String, projectID: Int64?, name: String?, nameContains: String?, page: OffsetRequest) async throws -> Page<LabelRecord> {
        var filter = SQLQueryString(" WHERE scope = \(bind: scope)")
        if let projectID { filter.appendInterpolation(unsafeRaw: " AND project_id = "); filter.appendInterpolation(bind: projectID) }
        if let name { filter.appendInterpolation(unsafeRaw: " AND name = "); filter.appendInterpolation(bind: name) }
        if let nameContains, !nameContains.isEmpty {
            filter.appendInterpolation(unsafeRaw: " AND name LIKE ")
            filter.appendInterpolation(bind: "%" + LikePattern.escape(nameContains) + "%")
            filter.appendInterpolation(unsafeRaw: " ESCAPE '\\'")
        }
        let condition = filter
        return try await database.read { db in
            try await PagedQuery.run(db, columns: "*", from: "labels", filter: condition, orderBy: "id", page: page, Self.record)
        }
    }

    /// Labels on the given artifacts, by artifact id, each list in label id order.
    public func labels(ofArtifacts ids: [Int64]) async throws -> [Int64: [LabelRecord]] {
        guard !ids.isEmpty else { return [:] }
        var query = SQLQueryString("SELECT al.manifest_id AS artifact_id, l.* FROM artifact_labels al JOIN labels l ON l.id = al.label_id WHERE al.manifest_id IN (")
        query.appendInterpolation(binds: ids)
        query.appendInterpolation(unsafeRaw: ") ORDER BY l.id")
        let built = query
        return try await database.read { db in
            var result: [Int64: [LabelRecord]] = [:]
            for row in try await db.raw(built).all() {
                result[try row.decode(column: "artifact_id", as: Int64.self), default: []].append(try Self.record(row))
            }
            return result
        }
    }

    /// Puts the label on the artifact; false when it was already there.
    public func add(_ labelID: Int64, toArtifact artifactID: Int64) async throws -> Bool {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO artifact_labels (manifest_id, label_id, creation_time) VALUES (\(bind: artifactID), \(bind: labelID), \(bind: now))
                ON CONFLICT (manifest_id, label_id) DO NOTHING RETURNING label_id
                """).first() != nil
        }
    }

    /// Takes the label off the artifact; false when it was not on it.
    public func remove(_ labelID: Int64, fromArtifact artifactID: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("""
                DELETE FROM artifact_labels WHERE manifest_id = \(bind: artifactID) AND label_id = \(bind: labelID) RETURNING label_id
                """).first() != nil
        }
    }

    /// Names of the labels on the artifact `reference` names in `repository` (replication's label filter).
    public func names(onArtifactTagged tag: String, in repository: String) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT l.name FROM tags t JOIN repositories r ON r.id = t.repository_id
                JOIN artifact_labels al ON al.manifest_id = t.manifest_id JOIN labels l ON l.id = al.label_id
                WHERE r.name = \(bind: repository) AND t.name = \(bind: tag) ORDER BY l.name
                """).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    static func checkUnique(_ label: LabelRecord, in db: any SQLDatabase) async throws {
        if try await db.raw("""
            SELECT id FROM labels WHERE scope = \(bind: label.scope) AND COALESCE(project_id, 0) = \(bind: label.projectID ?? 0)
                AND name = \(bind: label.name) AND id <> \(bind: label.id)
            """).first() != nil {
            throw MetadataError.conflict("a label named \(label.name) already exists in this \(label.scope == "g" ? "registry" : "project")")
        }
    }

    static func record(_ row: any SQLRow) throws -> LabelRecord {
        LabelRecord(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                    description: try row.decode(column: "description", as: String.self), color: try row.decode(column: "color", as: String.self),
                    scope: try row.decode(column: "scope", as: String.self), projectID: try row.decode(column: "project_id", as: Int64?.self),
                    creationTime: try row.decode(column: "creation_time", as: Int64.self),
                    updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
