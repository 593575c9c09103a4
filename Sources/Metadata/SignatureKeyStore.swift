import SQLKit

/// A public key a project trusts to sign its images.
public struct SignatureKeyRecord: Sendable, Equatable {
    public let id: Int64
    public let projectID: Int64
    public let name: String
    public let publicKey: String
    public let fingerprint: String
    public let creationTime: Int64
}

/// The keys each project trusts for its cosign content-trust gate. Names are unique per project;
/// the keys go with their project.
public struct SignatureKeyStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func keys(projectID: Int64) async throws -> [SignatureKeyRecord] {
        try await database.read { db in
            try await db.raw("""
                SELECT id, project_id, name, public_key, fingerprint, creation_time FROM signature_keys
                WHERE project_id = \(bind: projectID) ORDER BY id
                """).all().map { row in
                SignatureKeyRecord(id: try row.decode(column: "id", as: Int64.self),
                                   projectID: try row.decode(column: "project_id", as: Int64.self),
                                   name: try row.decode(column: "name", as: String.self),
                                   publicKey: try row.decode(column: "public_key", as: String.self),
                                   fingerprint: try row.decode(column: "fingerprint", as: String.self),
                                   creationTime: try row.decode(column: "creation_time", as: Int64.self))
            }
        }
    }

    /// Throws `MetadataError.conflict` when the project already has a key of that name.
    public func insert(projectID: Int64, name: String, publicKey: String, fingerprint: String) async throws -> Int64 {
        try await database.write { db in
            guard let row = try await db.raw("""
                INSERT INTO signature_keys (project_id, name, public_key, fingerprint, creation_time)
                VALUES (\(bind: projectID), \(bind: name), \(bind: publicKey), \(bind: fingerprint), \(bind: WallClock.nowMillis()))
                ON CONFLICT (project_id, name) DO NOTHING RETURNING id
                """).first() else { throw MetadataError.conflict("the project already has a signature key named \(name)") }
            return try row.decode(column: "id", as: Int64.self)
        }
    }

    /// False when the project has no such key.
    public func delete(id: Int64, projectID: Int64) async throws -> Bool {
        try await database.write { db in
            !(try await db.raw("DELETE FROM signature_keys WHERE id = \(bind: id) AND project_id = \(bind: projectID) RETURNING id").all()).isEmpty
        }
    }
}
