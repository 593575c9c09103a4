import Foundation
import SQLKit

/// Where a webhook policy sends: Harbor's `WebhookTargetObject`.
public struct WebhookTarget: Codable, Sendable, Equatable {
    /// `http` or `slack`.
    public var type: String
    public var address: String
    /// Sent verbatim as `Authorization`; sealed at rest.
    public var auth_header: String?
    public var skip_cert_verify: Bool?
    /// `Default` or `CloudEvents` for `http`; none for `slack`.
    public var payload_format: String?

    public init(type: String, address: String, auth_header: String? = nil, skip_cert_verify: Bool? = nil, payload_format: String? = nil) {
        self.type = type
        self.address = address
        self.auth_header = auth_header
        self.skip_cert_verify = skip_cert_verify
        self.payload_format = payload_format
    }
}

/// A project's webhook policy (Harbor's notification policy).
public struct WebhookPolicyRecord: Sendable, Equatable {
    public var id: Int64
    public var projectID: Int64
    public var name: String
    public var description: String
    public var targets: [WebhookTarget]
    public var eventTypes: [String]
    public var creator: String
    public var enabled: Bool
    public var creationTime: Int64
    public var updateTime: Int64

    public init(id: Int64 = 0, projectID: Int64, name: String, description: String, targets: [WebhookTarget], eventTypes: [String],
                creator: String, enabled: Bool, creationTime: Int64, updateTime: Int64) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.description = description
        self.targets = targets
        self.eventTypes = eventTypes
        self.creator = creator
        self.enabled = enabled
        self.creationTime = creationTime
        self.updateTime = updateTime
    }
}

/// Webhook policies; names are unique per project, and policies go with their project. Auth
/// headers are sealed with the instance's key; a header that no longer opens reads as empty.
public struct WebhookPolicyStore: Sendable {
    let database: MetadataDatabase
    let sealer: any SecretSealer

    public init(database: MetadataDatabase, sealer: any SecretSealer) {
        self.database = database
        self.sealer = sealer
    }

    public func list(projectID: Int64, name: String?, nameContains: String?, page: OffsetRequest) async throws -> Page<WebhookPolicyRecord> {
        var filter = SQLQueryString(" WHERE project_id = \(bind: projectID)")
        if let name { filter.appendInterpolation(unsafeRaw: " AND name = "); filter.appendInterpolation(bind: name) }
        if let nameContains { filter.appendContains("name", nameContains) }
        let final = filter
        return try await database.read { db in
            try await PagedQuery.run(db, columns: "*", from: "webhook_policies", filter: final, orderBy: "id", page: page, record)
        }
    }

    public func find(id: Int64, projectID: Int64) async throws -> WebhookPolicyRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM webhook_policies WHERE id = \(bind: id) AND project_id = \(bind: projectID)").first().map(record)
        }
    }

    /// The enabled policies of a project, for the events they name.
    public func enabled(projectID: Int64) async throws -> [WebhookPolicyRecord] {
        try await database.read { db in
            try await db.raw("SELECT * FROM webhook_policies WHERE project_id = \(bind: projectID) AND enabled = TRUE ORDER BY id").all().map(record)
        }
    }

    /// Throws `MetadataError.conflict` when the project has a policy of that name.
    public func insert(_ policy: WebhookPolicyRecord) async throws -> Int64 {
        let targets = try sealed(policy.targets)
        return try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO webhook_policies (project_id, name, description, targets, event_types, creator, enabled, creation_time, update_time)
                VALUES (\(bind: policy.projectID), \(bind: policy.name), \(bind: policy.description), \(bind: targets),
                        \(bind: CanonicalJSON.string(policy.eventTypes)), \(bind: policy.creator), \(bind: policy.enabled),
                        \(bind: policy.creationTime), \(bind: policy.updateTime))
                ON CONFLICT (project_id, name) DO NOTHING RETURNING id
                """).first() else { throw MetadataError.conflict("notification policy named \(policy.name) already exists") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    /// False when the project has no such policy; `MetadataError.conflict` when the new name is taken.
    public func update(_ policy: WebhookPolicyRecord) async throws -> Bool {
        let targets = try sealed(policy.targets)
        return try await database.write { db in
            if try await db.raw("""
                SELECT id FROM webhook_policies WHERE project_id = \(bind: policy.projectID) AND name = \(bind: policy.name) AND id <> \(bind: policy.id)
                """).first() != nil {
                throw MetadataError.conflict("notification policy named \(policy.name) already exists")
            }
            return !(try await db.raw("""
                UPDATE webhook_policies SET name = \(bind: policy.name), description = \(bind: policy.description), targets = \(bind: targets),
                    event_types = \(bind: CanonicalJSON.string(policy.eventTypes)), enabled = \(bind: policy.enabled),
                    update_time = \(bind: policy.updateTime)
                WHERE id = \(bind: policy.id) AND project_id = \(bind: policy.projectID) RETURNING id
                """).all()).isEmpty
        }
    }

    public func delete(id: Int64, projectID: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM webhook_policies WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id").all()).isEmpty
        }
    }

    private func sealed(_ targets: [WebhookTarget]) throws -> String {
        let stored = try targets.map { target in
            var target = target
            if let header = target.auth_header, !header.isEmpty { target.auth_header = try sealer.seal(header) }
            return target
        }
        return String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
    }

    private func record(_ row: any SQLRow) throws -> WebhookPolicyRecord {
        let stored = try JSONDecoder().decode([WebhookTarget].self, from: Data(try row.decode(column: "targets", as: String.self).utf8))
        let targets = stored.map { target in
            var target = target
            if let header = target.auth_header, !header.isEmpty { target.auth_header = (try? sealer.open(header)) ?? "" }
            return target
        }
        return WebhookPolicyRecord(
            id: try row.decode(column: "id", as: Int64.self), projectID: try row.decode(column: "project_id", as: Int64.self),
            name: try row.decode(column: "name", as: String.self), description: try row.decode(column: "description", as: String.self),
            targets: targets,
            eventTypes: try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "event_types", as: String.self).utf8)),
            creator: try row.decode(column: "creator", as: String.self), enabled: try row.decode(column: "enabled", as: Bool.self),
            creationTime: try row.decode(column: "creation_time", as: Int64.self), updateTime: try row.decode(column: "update_time", as: Int64.self))
    }
}
