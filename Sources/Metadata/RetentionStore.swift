import Foundation
import OCI
import SQLKit

/// A project's retention policy, stored as the JSON of Harbor's `RetentionPolicy` (the Services
/// layer owns its shape and validation).
public struct RetentionPolicyRecord: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let policy: String
    public let creationTime: Int64
    public let updateTime: Int64
}

/// An artifact retention may keep or delete: a top-level manifest of a repository (not an index's
/// child and not an accessory, which go with what they belong to), with its tags and times.
public struct RetentionCandidate: Sendable, Equatable {
    public let id: Int64
    public let digest: String
    public let tags: [String]
    public let pushedAt: Int64
    public let pulledAt: Int64?
    /// Names of the labels the artifact carries (for label selectors).
    public let labels: [String]

    public init(id: Int64, digest: String, tags: [String], pushedAt: Int64, pulledAt: Int64?, labels: [String] = []) {
        self.id = id
        self.digest = digest
        self.tags = tags
        self.pushedAt = pushedAt
        self.pulledAt = pulledAt
        self.labels = labels
    }
}

/// Retention's reads and writes: whole repositories at a time, never a round trip per artifact.
public struct RetentionStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    // MARK: policies

    /// Stores a new policy and sets the project's `retention_id`; nil when the project has one.
    public func create(projectID: Int64, policy: String) async throws -> Int64? {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO retention_policies (project_id, policy, creation_time, update_time)
                VALUES (\(bind: projectID), \(bind: policy), \(bind: now), \(bind: now))
                ON CONFLICT (project_id) DO NOTHING RETURNING id
                """).first() else { return nil }
            let id = try row.decode(column: "id", as: Int64.self)
            try await ProjectStore.setMetadata(["retention_id": String(id)], projectID: projectID, in: db)
            return id
        }
    }

    public func update(id: Int64, policy: String) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("""
                UPDATE retention_policies SET policy = \(bind: policy), update_time = \(bind: WallClock.nowMillis()) WHERE id = \(bind: id) RETURNING id
                """).all()).isEmpty
        }
    }

    public func delete(id: Int64) async throws -> Bool {
        try await database.write { db in
            guard let row = try await db.raw("DELETE FROM retention_policies WHERE id = \(bind: id) RETURNING project_id").first() else { return false }
            try await db.raw("""
                DELETE FROM project_metadata WHERE project_id = \(bind: try row.decode(column: "project_id", as: Int64.self)) AND name = 'retention_id'
                """).run()
            return true
        }
    }

    public func policy(id: Int64) async throws -> RetentionPolicyRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM retention_policies WHERE id = \(bind: id)").first().map(Self.record)
        }
    }

    public func policy(projectID: Int64) async throws -> RetentionPolicyRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM retention_policies WHERE project_id = \(bind: projectID)").first().map(Self.record)
        }
    }

    // MARK: candidates

    /// The project's repositories by name.
    public func repositories(projectID: Int64) async throws -> [(id: Int64, name: String)] {
        try await database.read { db in
            try await db.raw("SELECT id, name FROM repositories WHERE project_id = \(bind: projectID) ORDER BY name").all().map {
                (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "name", as: String.self))
            }
        }
    }

    /// Every candidate of one repository, in one query.
    public func candidates(repositoryID: Int64) async throws -> [RetentionCandidate] {
        try await database.read { db in
            let rows = try await db.raw("""
                SELECT m.id, m.digest, m.created_at, m.pulled_at, t.name AS tag FROM manifests m
                LEFT JOIN tags t ON t.manifest_id = m.id
                WHERE m.repository_id = \(bind: repositoryID) AND m.subject_digest IS NULL
                AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = m.id)
                ORDER BY m.id, t.name
                """).all()
            var order: [Int64] = []
            var byID: [Int64: (digest: String, tags: [String], pushed: Int64, pulled: Int64?)] = [:]
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                if byID[id] == nil {
                    order.append(id)
                    byID[id] = (try row.decode(column: "digest", as: String.self), [], try row.decode(column: "created_at", as: Int64.self),
                                try row.decode(column: "pulled_at", as: Int64?.self))
                }
                if let tag = try row.decode(column: "tag", as: String?.self) { byID[id]!.tags.append(tag) }
            }
            var labels: [Int64: [String]] = [:]
            for row in try await db.raw("""
                SELECT al.manifest_id, l.name FROM artifact_labels al JOIN labels l ON l.id = al.label_id
                JOIN manifests m ON m.id = al.manifest_id WHERE m.repository_id = \(bind: repositoryID)
                """).all() {
                labels[try row.decode(column: "manifest_id", as: Int64.self), default: []].append(try row.decode(column: "name", as: String.self))
            }
            return order.map { id in
                let entry = byID[id]!
                return RetentionCandidate(id: id, digest: entry.digest, tags: entry.tags, pushedAt: entry.pushed, pulledAt: entry.pulled,
                                          labels: labels[id] ?? [])
            }
        }
    }

    /// Deletes artifacts of a repository in one transaction: their tags, their rows, and then the
    /// children of deleted indexes that nothing else holds. Blobs are left to garbage collection.
    /// Returns how many manifests went.
    @discardableResult
    public func deleteArtifacts(_ ids: [Int64], repositoryID: Int64) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await database.writeChangingPulls { db in
            var deleted = 0
            // bounded statements: SQLite binds at most 32,766 values per statement
            for start in stride(from: 0, to: ids.count, by: 1000) {
                deleted += try await ArtifactStore.deleteManifests(Array(ids[start..<min(start + 1000, ids.count)]), in: db)
            }
            try await db.raw("UPDATE repositories SET updated_at = \(bind: WallClock.nowMillis()) WHERE id = \(bind: repositoryID)").run()
            return deleted
        }
    }


    static func record(_ row: any SQLRow) throws -> RetentionPolicyRecord {
        RetentionPolicyRecord(id: try row.decode(column: "id", as: Int64.self), projectID: try row.decode(column: "project_id", as: Int64.self),
                              policy: try row.decode(column: "policy", as: String.self),
                              creationTime: try row.decode(column: "creation_time", as: Int64.self),
                              updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
