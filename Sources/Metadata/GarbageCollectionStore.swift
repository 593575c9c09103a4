import OCI
import SQLKit

/// The statements of online garbage collection, each over one bounded batch of rows found by a
/// key cursor, so a run over millions of rows keeps memory flat and can stop and resume anywhere.
///
/// The reference protocol: a blob is garbage when no manifest uses it and no repository links it.
/// `markUnreferenced` sets such blobs' `status` to `marked`; anything that references a blob again
/// (upload, mount, the `HEAD` before a skipped upload) sets it back to `none` on the same row.
/// A `lost` row (see `ScrubStore.examine`) that nothing references any more is marked like any other. The
/// sweep deletes only rows still `marked` and still unreferenced, and removes their files inside
/// that transaction: a writer that wants the row waits for the sweep and then finds it gone (and
/// publishes the file again, or fails its mount), or wins and the sweep skips the row. On
/// PostgreSQL the sweep's row locks order the two; SQLite has a single writer. No time window.
public struct GarbageCollectionStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// What one batch did: how many rows it looked at (0 means the pass is done), where the next
    /// batch starts, and what it deleted.
    public struct Batch<Cursor: Sendable>: Sendable {
        public let scanned: Int
        public let next: Cursor
        public let count: Int
        public let bytes: Int64
    }

    /// Untagged artifacts that nothing needs: no tag, no index lists them, their subject (for a
    /// signature or SBOM) is gone, and they were held once (by a tag or an index) or were pushed longer ago than an upload
    /// session may live (a platform manifest pushed by digest before its index is a push in flight).
    /// Harbor's `delete_untagged`.
    static func untaggedArtifact(_ m: String = "m", abandonedBefore: Int64) -> SQLQueryString {
        """
        NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = \(unsafeRaw: m).id)
        AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = \(unsafeRaw: m).id)
        AND (\(unsafeRaw: m).subject_digest IS NULL OR NOT EXISTS (
            SELECT 1 FROM manifests s WHERE s.repository_id = \(unsafeRaw: m).repository_id AND s.digest = \(unsafeRaw: m).subject_digest))
        AND (\(unsafeRaw: m).held = TRUE OR \(unsafeRaw: m).created_at < \(bind: abandonedBefore))
        """
    }

    /// A link nothing needs: no manifest of its repository uses the blob, and either one did (its
    /// manifest was deleted) or the push that made it is older than any upload session may live.
    static func orphanedLink(_ table: String, abandonedBefore: Int64) -> SQLQueryString {
        """
        (\(unsafeRaw: table).referenced = TRUE OR \(unsafeRaw: table).created_at < \(bind: abandonedBefore))
        AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
            WHERE mb.digest = \(unsafeRaw: table).digest AND m.repository_id = \(unsafeRaw: table).repository_id)
        """
    }

    static let unreferencedBlob = """
        NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = blobs.digest)
        AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.digest = blobs.digest)
        """

    // MARK: 1. untagged artifacts

    /// Deletes (or, dry, counts) the untagged artifacts among the next `limit` manifests after
    /// `afterID`. Their tags, blob uses and index entries go with them; their links become orphaned.
    /// On PostgreSQL the candidates are locked first and checked again by the DELETE, a statement of
    /// its own with a fresh snapshot: a tag or an index entry committed meanwhile keeps them.
    public func deleteUntaggedArtifacts(afterID: Int64, limit: Int, abandonedBefore: Int64, dryRun: Bool) async throws -> Batch<Int64> {
        let lock = database.kind.lockRows(of: "m")
        let body: @Sendable (any SQLDatabase) async throws -> Batch<Int64> = { db in
            guard let last = try await Self.lastKey(db, """
                SELECT MAX(id) AS k FROM (SELECT id FROM manifests WHERE id > \(bind: afterID) ORDER BY id LIMIT \(bind: limit)) w
                """, as: Int64.self) else { return Batch(scanned: 0, next: afterID, count: 0, bytes: 0) }
            let range: SQLQueryString = "m.id > \(bind: afterID) AND m.id <= \(bind: last) AND \(Self.untaggedArtifact(abandonedBefore: abandonedBefore))"
            if dryRun {
                let row = try await db.raw("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(m.size), 0) AS BIGINT) AS bytes FROM manifests m WHERE \(range)").first()
                return Batch(scanned: limit, next: last, count: try row?.decode(column: "n", as: Int.self) ?? 0,
                             bytes: try row?.decode(column: "bytes", as: Int64.self) ?? 0)
            }
            let candidates = try await db.raw("SELECT m.id FROM manifests m WHERE \(range)\(lock)").all()
                .map { try $0.decode(column: "id", as: Int64.self) }
            guard !candidates.isEmpty else { return Batch(scanned: limit, next: last, count: 0, bytes: 0) }
            var delete = SQLQueryString("DELETE FROM manifests WHERE id IN (")
            delete.appendInterpolation(binds: candidates)
            delete.appendInterpolation(unsafeRaw: ") AND ")
            delete.appendInterpolation(Self.untaggedArtifact("manifests", abandonedBefore: abandonedBefore))
            delete.appendInterpolation(unsafeRaw: " RETURNING id")
            // Their tags, blob uses and index entries go by ON DELETE CASCADE (both databases enforce
            // foreign keys: SQLite's connections turn them on).
            let ids = try await db.raw(delete).all().map { try $0.decode(column: "id", as: Int64.self) }
            return Batch(scanned: limit, next: last, count: ids.count, bytes: 0)
        }
        return dryRun ? try await database.read(body) : try await database.writeChangingPulls(body)
    }

    // MARK: 2. orphaned links

    public struct LinkKey: Sendable, Equatable {
        public let repositoryID: Int64
        public let digest: String
        public static let start = LinkKey(repositoryID: 0, digest: "")
    }

    /// Removes (or counts) the orphaned links among the next `limit` links after `after`.
    public func removeOrphanedLinks(after: LinkKey, limit: Int, abandonedBefore: Int64, dryRun: Bool) async throws -> Batch<LinkKey> {
        let lock = database.kind.lockRows(), locks = database.kind.locksRows
        let body: @Sendable (any SQLDatabase) async throws -> Batch<LinkKey> = { db in
            let window = try await db.raw("""
                SELECT repository_id, digest FROM repository_blobs
                WHERE (repository_id, digest) > (\(bind: after.repositoryID), \(bind: after.digest))
                ORDER BY repository_id, digest LIMIT \(bind: limit)
                """).all()
            guard let lastRow = window.last else { return Batch(scanned: 0, next: after, count: 0, bytes: 0) }
            let last = LinkKey(repositoryID: try lastRow.decode(column: "repository_id", as: Int64.self),
                               digest: try lastRow.decode(column: "digest", as: String.self))
            let range: SQLQueryString = """
                (repository_id, digest) > (\(bind: after.repositoryID), \(bind: after.digest))
                AND (repository_id, digest) <= (\(bind: last.repositoryID), \(bind: last.digest))
                AND \(Self.orphanedLink("repository_blobs", abandonedBefore: abandonedBefore))
                """
            let count: Int
            if dryRun {
                count = try await db.raw("SELECT COUNT(*) AS n FROM repository_blobs WHERE \(range)").first()?.decode(column: "n", as: Int.self) ?? 0
            } else {
                // PostgreSQL: lock the candidates, then delete in a statement of its own, whose fresh
                // snapshot sees a manifest that a concurrent push committed while we waited for it.
                if locks { _ = try await db.raw("SELECT digest FROM repository_blobs WHERE \(range)\(lock)").all() }
                count = try await db.raw("DELETE FROM repository_blobs WHERE \(range) RETURNING digest").all().count
            }
            return Batch(scanned: window.count, next: last, count: count, bytes: 0)
        }
        return dryRun ? try await database.read(body) : try await database.write(body)
    }

    // MARK: 3. mark

    /// Marks the unreferenced blobs among the next `limit` blobs after `after`.
    public func markUnreferenced(after: String, limit: Int) async throws -> Batch<String> {
        try await database.write { db in
            guard let last = try await Self.lastKey(db, """
                SELECT MAX(digest) AS k FROM (SELECT digest FROM blobs WHERE digest > \(bind: after) ORDER BY digest LIMIT \(bind: limit)) w
                """, as: String.self) else { return Batch(scanned: 0, next: after, count: 0, bytes: 0) }
            let marked = try await db.raw("""
                UPDATE blobs SET status = 'marked'
                WHERE digest > \(bind: after) AND digest <= \(bind: last) AND status IN ('none', 'lost') AND \(unsafeRaw: Self.unreferencedBlob)
                RETURNING size
                """).all()
            let bytes = try marked.reduce(Int64(0)) { $0 + (try $1.decode(column: "size", as: Int64.self)) }
            return Batch(scanned: limit, next: last, count: marked.count, bytes: bytes)
        }
    }

    // MARK: 4. sweep

    /// Deletes the next `limit` marked blobs that are still unreferenced, calling `removeFiles` with
    /// them before the transaction commits.
    public func sweepMarked(after: String, limit: Int,
                            removeFiles: @escaping @Sendable ([(digest: Digest, size: Int64)]) async throws -> Void) async throws -> Batch<String> {
        try await database.write { db in
            guard let last = try await Self.lastKey(db, """
                SELECT MAX(digest) AS k FROM (SELECT digest FROM blobs WHERE status = 'marked' AND digest > \(bind: after) ORDER BY digest LIMIT \(bind: limit)) w
                """, as: String.self) else { return Batch(scanned: 0, next: after, count: 0, bytes: 0) }
            let deleted = try await db.raw("""
                DELETE FROM blobs
                WHERE status = 'marked' AND digest > \(bind: after) AND digest <= \(bind: last) AND \(unsafeRaw: Self.unreferencedBlob)
                RETURNING digest, size
                """).all().map { (digest: try Digest(parsing: $0.decode(column: "digest", as: String.self)), size: try $0.decode(column: "size", as: Int64.self)) }
            try await removeFiles(deleted)
            return Batch(scanned: limit, next: last, count: deleted.count, bytes: deleted.reduce(0) { $0 + $1.size })
        }
    }

    /// What a run would free, without changing anything: blobs that no surviving manifest uses and
    /// that only orphaned (or abandoned) links hold. Counted over the next `limit` blobs.
    public func countCollectable(after: String, limit: Int, deleteUntagged: Bool, abandonedBefore: Int64) async throws -> Batch<String> {
        try await database.read { db in
            guard let last = try await Self.lastKey(db, """
                SELECT MAX(digest) AS k FROM (SELECT digest FROM blobs WHERE digest > \(bind: after) ORDER BY digest LIMIT \(bind: limit)) w
                """, as: String.self) else { return Batch(scanned: 0, next: after, count: 0, bytes: 0) }
            let survivingManifest: SQLQueryString = deleteUntagged ? "NOT (\(Self.untaggedArtifact(abandonedBefore: abandonedBefore)))" : "TRUE"
            let row = try await db.raw("""
                SELECT COUNT(*) AS n, CAST(COALESCE(SUM(blobs.size), 0) AS BIGINT) AS bytes FROM blobs
                WHERE blobs.digest > \(bind: after) AND blobs.digest <= \(bind: last)
                AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                    WHERE mb.digest = blobs.digest AND \(survivingManifest))
                AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = blobs.digest
                    AND rb.referenced = FALSE AND rb.created_at >= \(bind: abandonedBefore))
                """).first()
            return Batch(scanned: limit, next: last, count: try row?.decode(column: "n", as: Int.self) ?? 0,
                         bytes: try row?.decode(column: "bytes", as: Int64.self) ?? 0)
        }
    }

    private static func lastKey<T: Decodable>(_ db: any SQLDatabase, _ query: SQLQueryString, as type: T.Type) async throws -> T? {
        try await db.raw(query).first()?.decode(column: "k", as: T?.self)
    }
}
