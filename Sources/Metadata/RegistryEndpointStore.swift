import SQLKit

/// A remote registry Berth replicates to or from, or proxies (Harbor's `Registry`).
public struct RegistryEndpointRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    /// `https://host[:port]` (or `http://`), without a trailing slash.
    public var url: String
    /// The adapter: `docker-registry`, `harbor`, `docker-hub`, `github-ghcr`, `quay`.
    public var type: String
    public var description: String
    /// `basic`, `oauth` or `secret`; empty for anonymous access.
    public var credentialType: String
    public var accessKey: String
    /// In the clear in memory only: the store seals it on the way in and opens it on the way out.
    public var accessSecret: String
    public var insecure: Bool
    public var caCertificate: String?
    /// Set when the stored secret does not open with this instance's key (`secret_key` changed, or
    /// nodes with different keys): the endpoint stays listable and editable, and using it fails
    /// with that reason until the secret is entered again.
    public var secretUnreadable = false
    /// `healthy` or `unhealthy`, as the last ping or replication found it; `unknown` before that.
    public var status: String
    public var creationTime: Int64
    public var updateTime: Int64

    public init(id: Int64 = 0, name: String, url: String, type: String, description: String = "", credentialType: String = "",
                accessKey: String = "", accessSecret: String = "", insecure: Bool = false, caCertificate: String? = nil,
                status: String = "unknown", creationTime: Int64, updateTime: Int64) {
        self.id = id
        self.name = name
        self.url = url
        self.type = type
        self.description = description
        self.credentialType = credentialType
        self.accessKey = accessKey
        self.accessSecret = accessSecret
        self.insecure = insecure
        self.caCertificate = caCertificate
        self.status = status
        self.creationTime = creationTime
        self.updateTime = updateTime
    }
}

/// Registry endpoints. Secrets are sealed with the instance's key before they reach a row.
public struct RegistryEndpointStore: Sendable {
    let database: MetadataDatabase
    let sealer: any SecretSealer

    public init(database: MetadataDatabase, sealer: any SecretSealer) {
        self.database = database
        self.sealer = sealer
    }

    /// Endpoints in id order; `nameContains` filters as Harbor's `name` query parameter does.
    public func all(nameContains: String? = nil) async throws -> [RegistryEndpointRecord] {
        let rows = try await database.read { db in
            try await db.raw("SELECT * FROM registries ORDER BY id").all()
        }
        let records = try rows.map(record)
        guard let nameContains, !nameContains.isEmpty else { return records }
        return records.filter { $0.name.contains(nameContains) }
    }

    public func find(_ id: Int64) async throws -> RegistryEndpointRecord? {
        try await database.read { db in
            try await db.raw("SELECT * FROM registries WHERE id = \(bind: id)").first()
        }.map(record)
    }

    /// Returns the new id; throws `MetadataError.conflict` when the name is taken.
    public func insert(_ endpoint: RegistryEndpointRecord) async throws -> Int64 {
        let sealed = try seal(endpoint.accessSecret)
        return try await database.write { db in
            try await Self.checkUnique(endpoint, in: db)
            guard let row = try await db.raw("""
                INSERT INTO registries (name, url, type, description, credential_type, access_key, sealed_secret, insecure,
                    ca_certificate, status, creation_time, update_time)
                VALUES (\(bind: endpoint.name), \(bind: endpoint.url), \(bind: endpoint.type), \(bind: endpoint.description),
                    \(bind: endpoint.credentialType), \(bind: endpoint.accessKey), \(bind: sealed), \(bind: endpoint.insecure),
                    \(bind: endpoint.caCertificate), \(bind: endpoint.status), \(bind: endpoint.creationTime), \(bind: endpoint.updateTime))
                RETURNING id
                """).first() else { throw MetadataError.conflict("the registry was not created") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    /// An unreadable secret that was not entered again is kept as it is (the key may come back).
    public func update(_ endpoint: RegistryEndpointRecord) async throws {
        let keepSealed = endpoint.secretUnreadable && endpoint.accessSecret.isEmpty
        let sealed = try seal(endpoint.accessSecret)
        try await database.write { db in
            try await Self.checkUnique(endpoint, in: db)
            try await db.raw("""
                UPDATE registries SET name = \(bind: endpoint.name), url = \(bind: endpoint.url), description = \(bind: endpoint.description),
                    credential_type = \(bind: endpoint.credentialType), access_key = \(bind: endpoint.accessKey),
                    sealed_secret = CASE WHEN \(bind: keepSealed) THEN sealed_secret ELSE \(bind: sealed) END,
                    insecure = \(bind: endpoint.insecure), ca_certificate = \(bind: endpoint.caCertificate), update_time = \(bind: endpoint.updateTime)
                WHERE id = \(bind: endpoint.id)
                """).run()
        }
    }

    public func setStatus(_ id: Int64, healthy: Bool) async throws {
        try await database.write { db in
            try await db.raw("UPDATE registries SET status = \(bind: healthy ? "healthy" : "unhealthy") WHERE id = \(bind: id)").run()
        }
    }

    /// Names of the replication policies that use the endpoint; it cannot be deleted while any does.
    public func policiesUsing(_ id: Int64) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT name FROM replication_policies WHERE src_registry_id = \(bind: id) OR dest_registry_id = \(bind: id) ORDER BY name
                """).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    /// Names of the proxy-cache projects of the endpoint; it cannot be deleted while any exists.
    public func proxyProjectsUsing(_ id: Int64) async throws -> [String] {
        try await database.read { db in
            try await db.raw("SELECT name FROM projects WHERE registry_id = \(bind: id) ORDER BY name").all()
                .map { try $0.decode(column: "name", as: String.self) }
        }
    }

    /// Returns false when no such endpoint exists.
    @discardableResult
    public func delete(_ id: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("DELETE FROM registries WHERE id = \(bind: id) RETURNING id").first() != nil
        }
    }

    private func seal(_ secret: String) throws -> String {
        secret.isEmpty ? "" : try sealer.seal(secret)
    }

    static func checkUnique(_ endpoint: RegistryEndpointRecord, in db: any SQLDatabase) async throws {
        if try await db.raw("SELECT id FROM registries WHERE name = \(bind: endpoint.name) AND id <> \(bind: endpoint.id)").first() != nil {
            throw MetadataError.conflict("a registry named \(endpoint.name) already exists")
        }
    }

    func record(_ row: any SQLRow) throws -> RegistryEndpointRecord {
        let sealed = try row.decode(column: "sealed_secret", as: String.self)
        let opened = sealed.isEmpty ? "" : try? sealer.open(sealed)
        var record = RegistryEndpointRecord(
            id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
            url: try row.decode(column: "url", as: String.self), type: try row.decode(column: "type", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            credentialType: try row.decode(column: "credential_type", as: String.self),
            accessKey: try row.decode(column: "access_key", as: String.self),
            accessSecret: opened ?? "",
            insecure: try row.decode(column: "insecure", as: Bool.self),
            caCertificate: try row.decode(column: "ca_certificate", as: String?.self),
            status: try row.decode(column: "status", as: String.self),
            creationTime: try row.decode(column: "creation_time", as: Int64.self),
            updateTime: try row.decode(column: "update_time", as: Int64.self))
        record.secretUnreadable = opened == nil
        return record
    }
}
