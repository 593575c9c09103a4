import Foundation
import SQLKit

/// One filter of a replication policy: `name`, `tag`, `label` or `resource`, with its patterns
/// (one for all but `label`) and `matches` or `excludes`.
public struct ReplicationFilterRule: Codable, Sendable, Equatable {
    public var type: String
    public var patterns: [String]
    public var decoration: String

    public init(type: String, patterns: [String], decoration: String) {
        self.type = type
        self.patterns = patterns
        self.decoration = decoration
    }
}

/// A replication rule (Harbor's `ReplicationPolicy`): pull mode names a source registry, push
/// mode a destination; the other side is this Berth.
public struct ReplicationPolicyRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    public var sourceRegistryID: Int64?
    public var destinationRegistryID: Int64?
    public var destinationNamespace: String
    /// -1: Harbor's legacy mode (the namespace replaces the first path component).
    public var destinationNamespaceReplaceCount: Int
    /// `manual`, `scheduled` or `event_based`.
    public var triggerType: String
    public var cron: String
    public var filters: [ReplicationFilterRule]
    public var replicateDeletion: Bool
    public var override: Bool
    public var enabled: Bool
    /// KB/s per task; 0 or less is unlimited.
    public var speed: Int
    public var copyByChunk: Bool
    public var singleActiveReplication: Bool
    public var creationTime: Int64
    public var updateTime: Int64

    public init(id: Int64 = 0, name: String, description: String = "", sourceRegistryID: Int64?, destinationRegistryID: Int64?,
                destinationNamespace: String = "", destinationNamespaceReplaceCount: Int = -1, triggerType: String = "manual",
                cron: String = "", filters: [ReplicationFilterRule] = [], replicateDeletion: Bool = false, override: Bool = true,
                enabled: Bool = true, speed: Int = 0, copyByChunk: Bool = false, singleActiveReplication: Bool = false,
                creationTime: Int64, updateTime: Int64) {
        self.id = id
        self.name = name
        self.description = description
        self.sourceRegistryID = sourceRegistryID
        self.destinationRegistryID = destinationRegistryID
        self.destinationNamespace = destinationNamespace
        self.destinationNamespaceReplaceCount = destinationNamespaceReplaceCount
        self.triggerType = triggerType
        self.cron = cron
        self.filters = filters
        self.replicateDeletion = replicateDeletion
        self.override = override
        self.enabled = enabled
        self.speed = speed
        self.copyByChunk = copyByChunk
        self.singleActiveReplication = singleActiveReplication
        self.creationTime = creationTime
        self.updateTime = updateTime
    }

    /// Pull mode: content comes from a remote registry into this Berth.
    public var isPull: Bool { sourceRegistryID != nil }
}

public struct ReplicationPolicyStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func all(nameContains: String? = nil) async throws -> [ReplicationPolicyRecord] {
        let records = try await database.read { db in
            try await db.raw("SELECT * FROM replication_policies ORDER BY id").all().map(Self.record)
        }
        guard let nameContains, !nameContains.isEmpty else { return records }
        return records.filter { $0.name.contains(nameContains) }
    }

    public func find(_ id: Int64) async throws -> ReplicationPolicyRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM replication_policies WHERE id = \(bind: id)").first().map(Self.record)
        }
    }

    /// Enabled push-mode policies triggered by events: the candidates for a push or deletion.
    public func eventBased() async throws -> [ReplicationPolicyRecord] {
        try await database.read { db in
            try await db.raw("""
                SELECT * FROM replication_policies
                WHERE enabled = TRUE AND trigger_type = 'event_based' AND dest_registry_id IS NOT NULL ORDER BY id
                """).all().map(Self.record)
        }
    }

    /// Returns the new id; throws `MetadataError.conflict` when the name is taken.
    public func insert(_ policy: ReplicationPolicyRecord) async throws -> Int64 {
        let filters = try Self.encode(policy.filters)
        return try await database.write { db in
            try await Self.checkUnique(policy, in: db)
            guard let row = try await db.raw("""
                INSERT INTO replication_policies (name, description, src_registry_id, dest_registry_id, dest_namespace,
                    dest_namespace_replace_count, trigger_type, cron, filters, replicate_deletion, override, enabled, speed,
                    copy_by_chunk, single_active_replication, creation_time, update_time)
                VALUES (\(bind: policy.name), \(bind: policy.description), \(bind: policy.sourceRegistryID), \(bind: policy.destinationRegistryID),
                    \(bind: policy.destinationNamespace), \(bind: policy.destinationNamespaceReplaceCount), \(bind: policy.triggerType),
                    \(bind: policy.cron), \(bind: filters), \(bind: policy.replicateDeletion), \(bind: policy.override), \(bind: policy.enabled),
                    \(bind: policy.speed), \(bind: policy.copyByChunk), \(bind: policy.singleActiveReplication),
                    \(bind: policy.creationTime), \(bind: policy.updateTime))
                RETURNING id
                """).first() else { throw MetadataError.conflict("the policy was not created") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    public func update(_ policy: ReplicationPolicyRecord) async throws {
        let filters = try Self.encode(policy.filters)
        try await database.write { db in
            try await Self.checkUnique(policy, in: db)
            try await db.raw("""
                UPDATE replication_policies SET name = \(bind: policy.name), description = \(bind: policy.description),
                    src_registry_id = \(bind: policy.sourceRegistryID), dest_registry_id = \(bind: policy.destinationRegistryID),
                    dest_namespace = \(bind: policy.destinationNamespace),
                    dest_namespace_replace_count = \(bind: policy.destinationNamespaceReplaceCount),
                    trigger_type = \(bind: policy.triggerType), cron = \(bind: policy.cron), filters = \(bind: filters),
                    replicate_deletion = \(bind: policy.replicateDeletion), override = \(bind: policy.override), enabled = \(bind: policy.enabled),
                    speed = \(bind: policy.speed), copy_by_chunk = \(bind: policy.copyByChunk),
                    single_active_replication = \(bind: policy.singleActiveReplication), update_time = \(bind: policy.updateTime)
                WHERE id = \(bind: policy.id)
                """).run()
        }
    }

    @discardableResult
    public func delete(_ id: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("DELETE FROM replication_policies WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    static func encode(_ filters: [ReplicationFilterRule]) throws -> String {
        String(decoding: try JSONEncoder().encode(filters), as: UTF8.self)
    }

    static func checkUnique(_ policy: ReplicationPolicyRecord, in db: any SQLDatabase) async throws {
        if try await db.raw("SELECT id FROM replication_policies WHERE name = \(bind: policy.name) AND id <> \(bind: policy.id)").first() != nil {
            throw MetadataError.conflict("a replication policy named \(policy.name) already exists")
        }
    }

    static func record(_ row: any SQLRow) throws -> ReplicationPolicyRecord {
        let filters = try row.decode(column: "filters", as: String.self)
        return ReplicationPolicyRecord(
            id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            sourceRegistryID: try row.decode(column: "src_registry_id", as: Int64?.self),
            destinationRegistryID: try row.decode(column: "dest_registry_id", as: Int64?.self),
            destinationNamespace: try row.decode(column: "dest_namespace", as: String.self),
            destinationNamespaceReplaceCount: try row.decode(column: "dest_namespace_replace_count", as: Int.self),
            triggerType: try row.decode(column: "trigger_type", as: String.self), cron: try row.decode(column: "cron", as: String.self),
            filters: try JSONDecoder().decode([ReplicationFilterRule].self, from: Data(filters.utf8)),
            replicateDeletion: try row.decode(column: "replicate_deletion", as: Bool.self),
            override: try row.decode(column: "override", as: Bool.self), enabled: try row.decode(column: "enabled", as: Bool.self),
            speed: try row.decode(column: "speed", as: Int.self), copyByChunk: try row.decode(column: "copy_by_chunk", as: Bool.self),
            singleActiveReplication: try row.decode(column: "single_active_replication", as: Bool.self),
            creationTime: try row.decode(column: "creation_time", as: Int64.self),
            updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
