import OCI
import SQLKit

/// Which repositories may serve which blobs. Blob bytes are stored once; a row here is what lets a
/// repository serve them, and a blob nobody references is garbage.
///
/// Every way of making a new reference (an upload, a mount, a `HEAD` that a client will follow
/// with a manifest) also sets the blob's `status` back to `none` on the blob's own row. A `lost`
/// row (the scrub found its file missing or corrupt while manifests still name it) is not stored
/// bytes: only an upload, which publishes the file again, brings it back. The garbage
/// collector deletes only rows still `marked`, in the transaction that deletes their files, so the
/// two can never both win (see `GarbageCollectionStore`).
public struct BlobReferenceStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Records that `repository` holds the blob, creating the repository on its first push.
    /// `publish`, when given, puts the blob's file in place inside the same transaction, after the
    /// blob's row is claimed: a garbage collection sweeping this digest has finished by then, and
    /// none can start on it until this transaction commits.
    public func link(_ digest: Digest, size: Int64, to repository: RepositoryName, projectID: Int64,
                     publish: (@Sendable () async throws -> Void)? = nil) async throws {
        let now = WallClock.nowMillis()
        try await database.write { db in
            let repo = try await RepositoryStore.findOrCreate(repository, projectID: projectID, in: db)
            try await db.raw("""
                INSERT INTO blobs (digest, size, created_at, status) VALUES (\(bind: digest.description), \(bind: size), \(bind: now), 'none')
                ON CONFLICT (digest) DO UPDATE SET status = 'none', created_at = excluded.created_at
                """).run()
            try await publish?()
            try await Self.refreshLink(repositoryID: repo.id, digest: digest, now: now, in: db)
        }
    }

    /// Links a blob that `source` holds into `repository` (a cross-repository mount); returns its
    /// size, or nil when `source` cannot serve it (then the client uploads it). Claiming the blob's
    /// row in the same transaction means a concurrent garbage collection either deleted it first
    /// (the mount fails) or sees it referenced (and keeps it).
    public func mount(_ digest: Digest, from source: RepositoryName, to repository: RepositoryName, projectID: Int64) async throws -> Int64? {
        let now = WallClock.nowMillis()
        return try await database.write { db -> Int64? in
            guard try await db.raw("""
                SELECT 1 AS present FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                WHERE r.name = \(bind: source.value) AND rb.digest = \(bind: digest.description)
                """).first() != nil,
                let row = try await db.raw("""
                UPDATE blobs SET status = 'none' WHERE digest = \(bind: digest.description) AND status <> 'lost' RETURNING size
                """).first()
            else { return nil }
            let repo = try await RepositoryStore.findOrCreate(repository, projectID: projectID, in: db)
            try await Self.refreshLink(repositoryID: repo.id, digest: digest, now: now, in: db)
            return try row.decode(column: "size", as: Int64.self)
        }
    }

    /// Links a blob this registry already stores (for any repository) into `repository`, returning
    /// its stored size, or nil when it is not stored. The caller must first have established that
    /// whoever asks holds the content (the upstream or source answered for it): a digest alone
    /// grants nothing. Claiming the blob's row in the transaction keeps a concurrent garbage
    /// collection from deleting the file under the new link, as `mount` does.
    public func linkStored(_ digest: Digest, to repository: RepositoryName, projectID: Int64) async throws -> Int64? {
        let now = WallClock.nowMillis()
        return try await database.write { db -> Int64? in
            guard let row = try await db.raw("""
                UPDATE blobs SET status = 'none' WHERE digest = \(bind: digest.description) AND status <> 'lost' RETURNING size
                """).first() else { return nil }
            let repo = try await RepositoryStore.findOrCreate(repository, projectID: projectID, in: db)
            try await Self.refreshLink(repositoryID: repo.id, digest: digest, now: now, in: db)
            return try row.decode(column: "size", as: Int64.self)
        }
    }

    /// The stored size of a blob, whichever repositories hold it; nil when it is not stored.
    public func storedSize(_ digest: Digest) async throws -> Int64? {
        try await database.read { db in
            try await db.raw("SELECT size FROM blobs WHERE digest = \(bind: digest.description) AND status <> 'lost'").first()?
                .decode(column: "size", as: Int64.self)
        }
    }

    /// A link made or renewed by a push: not yet used by a manifest, so garbage collection spares it
    /// for as long as an upload session may live.
    static func refreshLink(repositoryID: Int64, digest: Digest, now: Int64, in db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO repository_blobs (repository_id, digest, created_at, referenced)
            VALUES (\(bind: repositoryID), \(bind: digest.description), \(bind: now), FALSE)
            ON CONFLICT (repository_id, digest) DO UPDATE SET created_at = excluded.created_at, referenced = FALSE
            """).run()
    }

    /// How long a renewed link counts as fresh: a `HEAD` within it does not write again.
    static let renewalInterval: Int64 = 3_600_000

    /// The blob's size when `repository` may serve it. With `renew` (a client's `HEAD`, which comes
    /// before it skips an upload and references the blob in a manifest) the link is made a push in
    /// flight again, so that garbage collection spares it even if the manifests that used it go in
    /// the meantime; a link renewed within the last hour is not written again.
    public func linkedSize(_ digest: Digest, in repository: RepositoryName, renew: Bool = false) async throws -> Int64? {
        let freshSince = WallClock.nowMillis() - Self.renewalInterval
        let found = try await database.read { db -> (size: Int64, repositoryID: Int64, fresh: Bool)? in
            guard let row = try await db.raw("""
                SELECT b.size, rb.repository_id,
                    CASE WHEN rb.referenced = FALSE AND rb.created_at >= \(bind: freshSince) THEN 1 ELSE 0 END AS fresh
                FROM repository_blobs rb
                JOIN repositories r ON r.id = rb.repository_id
                JOIN blobs b ON b.digest = rb.digest
                WHERE r.name = \(bind: repository.value) AND rb.digest = \(bind: digest.description) AND b.status <> 'lost'
                """).first() else { return nil }
            return (try row.decode(column: "size", as: Int64.self), try row.decode(column: "repository_id", as: Int64.self),
                    try row.decode(column: "fresh", as: Int.self) == 1)
        }
        guard let found else { return nil }
        guard renew, !found.fresh else { return found.size }
        let renewed = try await database.write { db -> Bool in
            let rows = try await db.raw("""
                UPDATE repository_blobs SET referenced = FALSE, created_at = \(bind: WallClock.nowMillis())
                WHERE repository_id = \(bind: found.repositoryID) AND digest = \(bind: digest.description)
                RETURNING digest
                """).all()
            guard !rows.isEmpty else { return false }
            try await db.raw("UPDATE blobs SET status = 'none' WHERE digest = \(bind: digest.description)").run()
            return true
        }
        // collected in the meantime: the client uploads it again
        return renewed ? found.size : nil
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
}
