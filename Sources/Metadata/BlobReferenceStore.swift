import OCI
import SQLKit

/// Which repositories may serve which blobs. Blob bytes are stored once; a row here is what lets a
/// repository serve them, and a blob nobody references is garbage.
public struct BlobReferenceStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Records that `repository` holds the blob, creating the repository on its first push. The
    /// blob's `created_at` is refreshed so a re-pushed blob counts as young for garbage collection.
    public func link(_ digest: Digest, size: Int64, to repository: RepositoryName, projectID: Int64) async throws {
        let now = Clock.nowMillis()
        try await database.write { db in
            let repo = try await RepositoryStore.findOrCreate(repository, projectID: projectID, in: db)
            try await db.raw("""
                INSERT INTO blobs (digest, size, created_at) VALUES (\(bind: digest.description), \(bind: size), \(bind: now))
                ON CONFLICT (digest) DO UPDATE SET created_at = excluded.created_at
                """).run()
            try await db.raw("""
                INSERT INTO repository_blobs (repository_id, digest, created_at)
                VALUES (\(bind: repo.id), \(bind: digest.description), \(bind: now))
                ON CONFLICT (repository_id, digest) DO NOTHING
                """).run()
        }
    }

    /// The blob's size when `repository` may serve it.
    public func linkedSize(_ digest: Digest, in repository: RepositoryName) async throws -> Int64? {
        try await database.read { db in
            try await db.raw("""
                SELECT b.size FROM repository_blobs rb
                JOIN repositories r ON r.id = rb.repository_id
                JOIN blobs b ON b.digest = rb.digest
                WHERE r.name = \(bind: repository.value) AND rb.digest = \(bind: digest.description)
                """).first()?.decode(column: "size", as: Int64.self)
        }
    }

    /// Removes the repository's link; returns false when there was none.
    public func unlink(_ digest: Digest, from repository: RepositoryName) async throws -> Bool {
        try await database.write { db in
            let rows = try await db.raw("""
                DELETE FROM repository_blobs WHERE digest = \(bind: digest.description)
                AND repository_id = (SELECT id FROM repositories WHERE name = \(bind: repository.value))
                RETURNING digest
                """).all()
            return !rows.isEmpty
        }
    }

    /// Blobs no repository and no manifest references, created before `cutoffMillis` (so that a blob
    /// uploaded a moment ago and not yet linked by its manifest is spared). One anti-join over the
    /// two indexed reference tables.
    public func unreferencedBlobs(createdBefore cutoffMillis: Int64, limit: Int) async throws -> [Digest] {
        try await database.read { db in
            try await db.raw("""
                SELECT b.digest FROM blobs b
                WHERE b.created_at < \(bind: cutoffMillis)
                AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)
                AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.digest = b.digest)
                ORDER BY b.digest LIMIT \(bind: limit)
                """).all().map { try Digest(parsing: $0.decode(column: "digest", as: String.self)) }
        }
    }
}
