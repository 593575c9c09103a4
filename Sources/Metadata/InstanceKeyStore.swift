import SQLKit

/// Values every node of one installation must share, kept in the database so that a node needs no
/// file from another: the token signing key. The first node to start creates each one.
public struct InstanceKeyStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// The stored value of `name`; when there is none, `make()`'s, stored. Nodes starting together
    /// all get the value of whichever stored first.
    public func value(_ name: String, orCreate make: () throws -> String) async throws -> String {
        if let stored = try await value(name) { return stored }
        let candidate = try make()
        let now = WallClock.nowMillis()
        try await database.write { db in
            try await db.raw("""
                INSERT INTO instance_keys (name, value, created_at) VALUES (\(bind: name), \(bind: candidate), \(bind: now))
                ON CONFLICT (name) DO NOTHING
                """).run()
        }
        guard let stored = try await value(name) else { throw MetadataError.conflict("instance key \(name) was not stored") }
        return stored
    }

    func value(_ name: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT value FROM instance_keys WHERE name = \(bind: name)").first()?.decode(column: "value", as: String.self)
        }
    }
}
