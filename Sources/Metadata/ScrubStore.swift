import Foundation
import OCI
import SQLKit

/// The database side of the scrub: the blob rows of one storage prefix, the manifests in
/// batches, tags that point at nothing, and the repairs, each in a transaction that first claims
/// the blob's row, so a push or a garbage collection working on the same digest either finished
/// before the repair looks again or waits for it (the protocol of `GarbageCollectionStore`).
public struct ScrubStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Blobs recorded, and their bytes: the scrub's progress line counts against these.
    public func totals() async throws -> (blobs: Int, bytes: Int64) {
        try await database.read { db in
            let row = try await db.raw("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM blobs").first()
            return (try row?.decode(column: "n", as: Int.self) ?? 0, try row?.decode(column: "bytes", as: Int64.self) ?? 0)
        }
    }

    /// The recorded size of every blob whose digest starts with `algorithm:prefix` (two hex digits).
    public func blobSizes(_ algorithm: DigestAlgorithm, prefix: String) async throws -> [Digest: Int64] {
        // A range rather than LIKE, so that SQLite uses the primary key (its LIKE ignores case and
        // so cannot); both databases compare these bytes in byte order (PostgreSQL: COLLATE "C").
        let lower = "\(algorithm.rawValue):\(prefix)"
        let upper = Int(prefix, radix: 16).map { $0 == 255 ? "\(algorithm.rawValue);" : "\(algorithm.rawValue):" + String(format: "%02x", $0 + 1) } ?? lower
        return try await database.read { db in
            var sizes: [Digest: Int64] = [:]
            for row in try await db.raw("SELECT digest, size FROM blobs WHERE digest >= \(bind: lower) AND digest < \(bind: upper)").all() {
                // A row that is not a digest is not a blob anything can fetch; the scrub skips it.
                guard let digest = try? Digest(parsing: row.decode(column: "digest", as: String.self)) else { continue }
                sizes[digest] = try row.decode(column: "size", as: Int64.self)
            }
            return sizes
        }
    }

    /// Whether the blob has a row now (a stray file found earlier may have been a push in flight).
    public func isRecorded(_ digest: Digest) async throws -> Bool {
        try await database.read { db in
            try await db.raw("SELECT 1 AS present FROM blobs WHERE digest = \(bind: digest.description)").first() != nil
        }
    }

    /// Repositories and manifests (`repository@digest`) that use a blob, at most `limit` of them.
    public func manifestsUsing(_ digest: Digest, limit: Int = 20) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT r.name, m.digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                JOIN repositories r ON r.id = m.repository_id
                WHERE mb.digest = \(bind: digest.description) ORDER BY r.name, m.digest LIMIT \(bind: limit)
                """).all().map { "\(try $0.decode(column: "name", as: String.self))@\(try $0.decode(column: "digest", as: String.self))" }
        }
    }

    // MARK: manifests

    public struct StoredManifest: Sendable {
        public let id: Int64
        public let repository: String
        public let digest: String
        public let mediaType: String
        public let payload: [UInt8]
        /// Digests of the blobs its rows say it uses, and of its child manifests.
        public var blobs: Set<String> = []
        public var children: Set<String> = []
    }

    /// The next `limit` manifests after `afterID`, with the blobs and children their rows record.
    public func manifests(afterID: Int64, limit: Int) async throws -> [StoredManifest] {
        try await database.read { db in
            var manifests = try await db.raw("""
                SELECT m.id, r.name, m.digest, m.media_type, m.payload FROM manifests m
                JOIN repositories r ON r.id = m.repository_id
                WHERE m.id > \(bind: afterID) ORDER BY m.id LIMIT \(bind: limit)
                """).all().map {
                StoredManifest(id: try $0.decode(column: "id", as: Int64.self), repository: try $0.decode(column: "name", as: String.self),
                               digest: try $0.decode(column: "digest", as: String.self), mediaType: try $0.decode(column: "media_type", as: String.self),
                               payload: Array(try $0.decode(column: "payload", as: Data.self)))
            }
            guard let first = manifests.first, let last = manifests.last else { return [] }
            var index: [Int64: Int] = [:]
            for (i, manifest) in manifests.enumerated() { index[manifest.id] = i }
            for row in try await db.raw("""
                SELECT mb.manifest_id, mb.digest FROM manifest_blobs mb
                WHERE mb.manifest_id >= \(bind: first.id) AND mb.manifest_id <= \(bind: last.id)
                """).all() {
                if let i = index[try row.decode(column: "manifest_id", as: Int64.self)] {
                    manifests[i].blobs.insert(try row.decode(column: "digest", as: String.self))
                }
            }
            for row in try await db.raw("""
                SELECT mr.parent_id, c.digest FROM manifest_references mr JOIN manifests c ON c.id = mr.child_id
                JOIN manifests p ON p.id = mr.parent_id
                WHERE mr.parent_id >= \(bind: first.id) AND mr.parent_id <= \(bind: last.id) AND c.repository_id = p.repository_id
                """).all() {
                if let i = index[try row.decode(column: "parent_id", as: Int64.self)] {
                    manifests[i].children.insert(try row.decode(column: "digest", as: String.self))
                }
            }
            return manifests
        }
    }

    /// One manifest as it is now, or nil when it is gone: a manifest that looked broken is read
    /// again before it is reported, since a deletion between the batch's statements (they do not
    /// share a snapshot) takes its blob rows first.
    public func manifest(id: Int64) async throws -> StoredManifest? {
        try await manifests(afterID: id - 1, limit: 1).first { $0.id == id }
    }

    /// Tags whose manifest row is gone (`repository:tag`). Foreign keys forbid them; the scrub
    /// looks anyway, since a database restored from parts or edited by hand can hold them.
    public func danglingTags(limit: Int = 1000) async throws -> [String] {
        try await database.read { db in
            try await db.raw("""
                SELECT r.name, t.name AS tag FROM tags t JOIN repositories r ON r.id = t.repository_id
                LEFT JOIN manifests m ON m.id = t.manifest_id WHERE m.id IS NULL ORDER BY r.name, t.name LIMIT \(bind: limit)
                """).all().map { "\(try $0.decode(column: "name", as: String.self)):\(try $0.decode(column: "tag", as: String.self))" }
        }
    }

    /// Removes the tags `danglingTags` finds; returns how many went.
    public func deleteDanglingTags() async throws -> Int {
        try await database.writeChangingPulls { db in
            try await db.raw("DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM manifests m WHERE m.id = tags.manifest_id) RETURNING id").all().count
        }
    }

    // MARK: repairs

    /// Records a stray blob file as a blob already marked for collection, so the next garbage
    /// collection deletes it (or a push of the same digest claims it, as it claims any marked
    /// row). A push in flight that is publishing this file holds its row: the insert waits for it
    /// and then does nothing. Returns whether the row was added.
    public func adoptStray(_ digest: Digest, size: Int64) async throws -> Bool {
        let now = WallClock.nowMillis()
        return try await database.write { db in
            try await db.raw("""
                INSERT INTO blobs (digest, size, created_at, status) VALUES (\(bind: digest.description), \(bind: size), \(bind: now), 'marked')
                ON CONFLICT (digest) DO NOTHING RETURNING digest
                """).first() != nil
        }
    }

    /// A blob found missing or corrupt again with its row claimed: what holds it.
    public struct BrokenBlob: Sendable, Equatable {
        /// Repositories that link it (and would answer `HEAD` for it).
        public let links: Int
        /// Whether a manifest uses it (the manifest cannot be pulled whole).
        public let usedByManifests: Bool
        /// Nothing holds it: a row an interrupted garbage collection left, not damage.
        public var isUnreferenced: Bool { links == 0 && !usedByManifests }
    }

    public enum Examination: Sendable, Equatable {
        /// The storage check, made again, found the blob sound (a push put it back meanwhile).
        case sound
        /// The row is gone (collected meanwhile).
        case gone
        case broken(BrokenBlob)
    }

    /// Looks again, with the blob's row claimed, at a blob whose file was found missing or corrupt:
    /// a garbage collection deleting it, or a push publishing it, has finished by then, and none
    /// can start until this returns. `stillBroken` says whether it is still missing or corrupt; it
    /// must be quick (the claim holds SQLite's writer, or a PostgreSQL row lock): a push never
    /// replaces a blob file that exists, so a file hashed wrong before the claim is still wrong
    /// under it if it is still there.
    ///
    /// With `repair` the blob is taken out of service: its links go, so every repository answers
    /// 404 for it and a client pushing it again uploads good bytes instead of skipping it. Its row
    /// goes too when no manifest uses it; otherwise the row stays (the manifests name it) as
    /// `lost`, which mounts, replication and the proxy cache do not take for stored bytes, until
    /// a push publishes the file again. `quarantine`, called last, moves a corrupt file aside.
    public func examine(_ digest: Digest, repair: Bool, stillBroken: @escaping @Sendable () async throws -> Bool,
                        quarantine: (@Sendable () async throws -> Void)? = nil) async throws -> Examination {
        // NO KEY UPDATE: a manifest push's foreign-key check (KEY SHARE on this row) does not wait
        // for it, so the push's locks on the links and this claim cannot wait on each other.
        let claim: SQLQueryString = database.kind == .postgres ? " FOR NO KEY UPDATE" : ""
        let body: @Sendable (any SQLDatabase) async throws -> Examination = { db in
            guard try await db.raw("SELECT digest FROM blobs WHERE digest = \(bind: digest.description)\(claim)").first() != nil else {
                return .gone
            }
            guard try await stillBroken() else { return .sound }
            let links = try await db.raw("SELECT COUNT(*) AS n FROM repository_blobs WHERE digest = \(bind: digest.description)").first()?
                .decode(column: "n", as: Int.self) ?? 0
            var used = try await db.raw("SELECT 1 AS used FROM manifest_blobs WHERE digest = \(bind: digest.description) LIMIT 1").first() != nil
            if repair {
                try await db.raw("DELETE FROM repository_blobs WHERE digest = \(bind: digest.description)").run()
                // A manifest committed since the look above keeps the row.
                let deleted = try await db.raw("""
                    DELETE FROM blobs WHERE digest = \(bind: digest.description)
                    AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.digest = blobs.digest) RETURNING digest
                    """).first() != nil
                if !deleted {
                    used = true
                    try await db.raw("UPDATE blobs SET status = 'lost' WHERE digest = \(bind: digest.description)").run()
                }
                try await quarantine?()
            }
            return .broken(BrokenBlob(links: links, usedByManifests: used))
        }
        // Claiming the row takes a write transaction (the SQLite writer, or a row lock).
        return try await database.write(body)
    }

    /// Sets a blob's recorded size to what its bytes (which hash to its digest) measure; returns
    /// whether the row was changed.
    public func correctSize(_ digest: Digest, to size: Int64) async throws -> Bool {
        try await database.write { db in
            try await db.raw("""
                UPDATE blobs SET size = \(bind: size) WHERE digest = \(bind: digest.description) AND size <> \(bind: size) RETURNING digest
                """).first() != nil
        }
    }
}
