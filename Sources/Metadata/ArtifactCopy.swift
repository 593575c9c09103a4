import OCI
import SQLKit

extension ArtifactStore {
    /// Copies an artifact (and, for an index, every child it references, depth first) into another
    /// repository, creating it when needed: manifest rows with their exact bytes, the blob links
    /// that let the target serve the layers, and the source artifact's tags. Blob bytes are shared.
    /// Throws `conflict` when the target already holds the artifact.
    @discardableResult
    public func copy(artifactID sourceID: Int64, to target: RepositoryName, projectID: Int64) async throws -> Int64 {
        let now = WallClock.nowMillis()
        return try await database.writeChangingPulls { db in
            let repo = try await RepositoryStore.findOrCreate(target, projectID: projectID, in: db)
            guard let digestRow = try await db.raw("SELECT digest FROM manifests WHERE id = \(bind: sourceID)").first() else {
                throw MetadataError.manifestUnknown("artifact \(sourceID)")
            }
            let digest = try digestRow.decode(column: "digest", as: String.self)
            if try await db.raw("SELECT id FROM manifests WHERE repository_id = \(bind: repo.id) AND digest = \(bind: digest)").first() != nil {
                throw MetadataError.conflict("the artifact \(digest) already exists in \(target)")
            }
            let copied = try await Self.copyManifest(sourceID, into: repo.id, now: now, in: db)
            try await db.raw("""
                INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at)
                SELECT \(bind: repo.id), name, \(bind: copied), \(bind: now), \(bind: now) FROM tags WHERE manifest_id = \(bind: sourceID)
                ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, updated_at = excluded.updated_at
                """).run()
            try await db.raw("UPDATE manifests SET held = TRUE WHERE id = \(bind: copied) AND EXISTS (SELECT 1 FROM tags WHERE manifest_id = \(bind: copied))").run()
            try await db.raw("UPDATE repositories SET updated_at = \(bind: now) WHERE id = \(bind: repo.id)").run()
            return copied
        }
    }

    /// Every blob the artifact and (for an index) its children use.
    public func blobDigests(ofArtifact id: Int64) async throws -> [Digest] {
        try await database.read { db in
            try await db.raw("""
                WITH RECURSIVE tree(id) AS (
                    SELECT \(bind: id) UNION SELECT mr.child_id FROM manifest_references mr JOIN tree ON mr.parent_id = tree.id)
                SELECT DISTINCT mb.digest FROM manifest_blobs mb JOIN tree ON mb.manifest_id = tree.id
                """).all().map { try Digest(parsing: $0.decode(column: "digest", as: String.self)) }
        }
    }

    /// Copies one manifest after its children; returns the id in the target (existing or new).
    private static func copyManifest(_ sourceID: Int64, into repositoryID: Int64, now: Int64, in db: any SQLDatabase) async throws -> Int64 {
        let children = try await db.raw("SELECT child_id FROM manifest_references WHERE parent_id = \(bind: sourceID)").all()
            .map { try $0.decode(column: "child_id", as: Int64.self) }
        var copiedChildren: [Int64] = []
        for child in children {
            copiedChildren.append(try await copyManifest(child, into: repositoryID, now: now, in: db))
        }
        try await db.raw("""
            INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, payload, subject_digest, annotations, created_at, held)
            SELECT \(bind: repositoryID), digest, media_type, artifact_type, size, payload, subject_digest, annotations, \(bind: now), held
            FROM manifests WHERE id = \(bind: sourceID)
            ON CONFLICT (repository_id, digest) DO NOTHING
            """).run()
        guard let row = try await db.raw("""
            SELECT t.id FROM manifests t JOIN manifests s ON s.digest = t.digest
            WHERE s.id = \(bind: sourceID) AND t.repository_id = \(bind: repositoryID)
            """).first() else { throw MetadataError.manifestUnknown("artifact \(sourceID)") }
        let copiedID = try row.decode(column: "id", as: Int64.self)
        try await db.raw("""
            INSERT INTO manifest_blobs (manifest_id, digest) SELECT \(bind: copiedID), digest FROM manifest_blobs WHERE manifest_id = \(bind: sourceID)
            ON CONFLICT (manifest_id, digest) DO NOTHING
            """).run()
        try await db.raw("""
            INSERT INTO repository_blobs (repository_id, digest, created_at, referenced)
            SELECT \(bind: repositoryID), digest, \(bind: now), TRUE FROM manifest_blobs WHERE manifest_id = \(bind: sourceID)
            ON CONFLICT (repository_id, digest) DO UPDATE SET referenced = TRUE
            """).run()
        for child in copiedChildren {
            try await db.raw("""
                INSERT INTO manifest_references (parent_id, child_id) VALUES (\(bind: copiedID), \(bind: child))
                ON CONFLICT (parent_id, child_id) DO NOTHING
                """).run()
        }
        return copiedID
    }
}
