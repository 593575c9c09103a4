import Foundation
import OCI
import SQLKit

/// Manifests, tags and referrers of repositories.
public struct ArtifactStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    /// Stores a pushed manifest (and moves `tag` to it) in one transaction, after checking that every
    /// blob and child manifest it references is already in the repository.
    @discardableResult
    /// `announce` is written to the webhooks' outbox in the same transaction.
    public func put(_ record: ManifestRecord, tag: Tag?, in repository: RepositoryName, projectID: Int64,
                    announce: OutboxEvent? = nil) async throws -> Int64 {
        let now = WallClock.nowMillis()
        // cosign's legacy signature tag names the signed manifest: a cosign signature pushed under
        // it is that manifest's accessory. Nothing else becomes one by its tag.
        let subject = record.subject ?? tag.flatMap { tag in
            AccessoryType.legacyCosignSubject(ofTag: tag.value).flatMap { subject in
                (try? Manifest(bytes: record.payload, contentType: record.mediaType)).map(AccessoryType.of) == .cosignSignature ? subject : nil
            }
        }
        let annotations = try record.annotations.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return try await database.writeChangingPulls { db in
            let repo = try await RepositoryStore.findOrCreate(repository, projectID: projectID, in: db)
            // Marking the links used is also the check that they exist: the UPDATE locks them, so a
            // garbage collection removing links either finished first (they are missing here) or
            // waits and then sees this manifest use them.
            let missingBlobs = try await Self.missing(record.blobs, in: db, query: { digests in
                var q = SQLQueryString("UPDATE repository_blobs SET referenced = TRUE WHERE repository_id = \(bind: repo.id) AND digest IN (")
                q.appendInterpolation(binds: digests)
                q.appendInterpolation(unsafeRaw: ") RETURNING digest")
                return q
            })
            let missingChildren = try await Self.missing(record.children, in: db, query: { digests in
                var q = SQLQueryString("SELECT digest FROM manifests WHERE repository_id = \(bind: repo.id) AND digest IN (")
                q.appendInterpolation(binds: digests)
                q.appendInterpolation(unsafeRaw: ")")
                return q
            })
            guard missingBlobs.isEmpty && missingChildren.isEmpty else {
                throw MetadataError.manifestReferencesMissing(blobs: missingBlobs, manifests: missingChildren)
            }
            guard let idRow = try await db.raw("""
                INSERT INTO manifests (repository_id, digest, media_type, artifact_type, size, payload, subject_digest, annotations, created_at, held)
                VALUES (\(bind: repo.id), \(bind: record.digest.description), \(bind: record.mediaType), \(bind: record.artifactType),
                        \(bind: Int64(record.payload.count)), \(bind: Data(record.payload)), \(bind: subject?.description),
                        \(bind: annotations), \(bind: now), \(bind: tag != nil))
                ON CONFLICT (repository_id, digest) DO UPDATE SET held = manifests.held OR excluded.held,
                    subject_digest = COALESCE(manifests.subject_digest, excluded.subject_digest)
                RETURNING id
                """).first() else {
                throw MetadataError.manifestUnknown(record.digest.description)
            }
            let manifestID = try idRow.decode(column: "id", as: Int64.self)
            for digest in Set(record.blobs) {
                try await db.raw("""
                    INSERT INTO manifest_blobs (manifest_id, digest) VALUES (\(bind: manifestID), \(bind: digest.description))
                    ON CONFLICT (manifest_id, digest) DO NOTHING
                    """).run()
            }
            for child in Set(record.children) {
                // A child that a garbage collection deleted since the check above is missing now.
                let linked = try await db.raw("""
                    INSERT INTO manifest_references (parent_id, child_id)
                    SELECT \(bind: manifestID), id FROM manifests WHERE repository_id = \(bind: repo.id) AND digest = \(bind: child.description)
                    ON CONFLICT (parent_id, child_id) DO UPDATE SET child_id = excluded.child_id
                    RETURNING child_id
                    """).all()
                if linked.isEmpty { throw MetadataError.manifestReferencesMissing(blobs: [], manifests: [child]) }
                // held by an index now: once the index goes, the child is garbage at once
                try await db.raw("UPDATE manifests SET held = TRUE WHERE id = \(bind: try linked[0].decode(column: "child_id", as: Int64.self))").run()
            }
            try await db.raw("UPDATE repositories SET updated_at = \(bind: now) WHERE id = \(bind: repo.id)").run()
            if let announce { try await ArtifactEventStore.append(announce, in: db) }
            if let tag {
                try await db.raw("""
                    INSERT INTO tags (repository_id, name, manifest_id, created_at, updated_at)
                    VALUES (\(bind: repo.id), \(bind: tag.value), \(bind: manifestID), \(bind: now), \(bind: now))
                    ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = excluded.manifest_id, updated_at = excluded.updated_at
                    """).run()
            }
            return manifestID
        }
    }

    private static func missing(_ digests: [Digest], in db: any SQLDatabase,
                                query: ([String]) -> SQLQueryString) async throws -> [Digest] {
        let wanted = Set(digests)
        guard !wanted.isEmpty else { return [] }
        let found = try await db.raw(query(wanted.map(\.description))).all()
            .map { try $0.decode(column: "digest", as: String.self) }
        let present = Set(found)
        return wanted.filter { !present.contains($0.description) }.sorted()
    }

    /// The manifest a tag or digest names. `withPayload: false` serves HEAD without reading the bytes.
    public func manifest(_ reference: Reference, in repository: RepositoryName, withPayload: Bool) async throws -> StoredManifest? {
        let columns: SQLQueryString = withPayload
            ? "m.id, m.digest, m.media_type, m.size, m.payload"
            : "m.id, m.digest, m.media_type, m.size"
        let query: SQLQueryString
        switch reference {
        case .digest(let digest):
            query = """
                SELECT \(columns) FROM manifests m JOIN repositories r ON r.id = m.repository_id
                WHERE r.name = \(bind: repository.value) AND m.digest = \(bind: digest.description)
                """
        case .tag(let tag):
            query = """
                SELECT \(columns) FROM tags t JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
                WHERE r.name = \(bind: repository.value) AND t.name = \(bind: tag.value)
                """
        }
        return try await database.read { db in
            guard let row = try await db.raw(query).first() else { return nil }
            return StoredManifest(
                id: try row.decode(column: "id", as: Int64.self),
                digest: try Digest(parsing: row.decode(column: "digest", as: String.self)),
                mediaType: try row.decode(column: "media_type", as: String.self),
                size: try row.decode(column: "size", as: Int64.self),
                payload: withPayload ? Array(try row.decode(column: "payload", as: Data.self)) : nil)
        }
    }

    /// Deletes a manifest, every tag pointing at it and its accessories (and, as Harbor does, the
    /// children of an index that nothing else holds). Refused while an index lists it.
    public func deleteManifest(_ digest: Digest, in repository: RepositoryName, announce: OutboxEvent? = nil) async throws {
        try await database.writeChangingPulls { db in
            guard let row = try await db.raw("""
                SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id
                WHERE r.name = \(bind: repository.value) AND m.digest = \(bind: digest.description)
                """).first() else { throw MetadataError.manifestUnknown(digest.description) }
            let id = try row.decode(column: "id", as: Int64.self)
            if let parent = try await db.raw("""
                SELECT p.digest FROM manifest_references mr JOIN manifests p ON p.id = mr.parent_id
                WHERE mr.child_id = \(bind: id) LIMIT 1
                """).first() {
                throw MetadataError.manifestReferenced(by: try Digest(parsing: parent.decode(column: "digest", as: String.self)))
            }
            _ = try await Self.deleteManifests([id], in: db)
            if let announce { try await ArtifactEventStore.append(announce, in: db) }
        }
    }

    /// Removes one tag; the manifest and its other tags stay. Returns false when there was no such tag.
    public func deleteTag(_ tag: Tag, in repository: RepositoryName) async throws -> Bool {
        try await database.writeChangingPulls { db in
            !(try await db.raw("""
                DELETE FROM tags WHERE name = \(bind: tag.value)
                AND repository_id = (SELECT id FROM repositories WHERE name = \(bind: repository.value))
                RETURNING name
                """).all()).isEmpty
        }
    }

    /// Tags of the repository in byte order, or nil when the repository does not exist.
    public func tags(in repository: RepositoryName, page: PageRequest) async throws -> [String]? {
        try await database.read { db in
            guard let repo = try await db.raw("SELECT id FROM repositories WHERE name = \(bind: repository.value)").first() else {
                return nil
            }
            let id = try repo.decode(column: "id", as: Int64.self)
            var query = SQLQueryString("SELECT name FROM tags WHERE repository_id = \(bind: id)")
            if let after = page.after { query.appendInterpolation(unsafeRaw: " AND name > "); query.appendInterpolation(bind: after) }
            query.appendInterpolation(unsafeRaw: " ORDER BY name LIMIT ")
            query.appendInterpolation(bind: page.limit)
            return try await db.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
        }
    }

    /// Manifests in the repository whose subject is `subject`, optionally of one artifact type.
    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: String?) async throws -> [Referrer] {
        try await database.read { db in
            var query = SQLQueryString("""
                SELECT m.digest, m.media_type, m.size, m.artifact_type, m.annotations
                FROM manifests m JOIN repositories r ON r.id = m.repository_id
                WHERE r.name = \(bind: repository.value) AND m.subject_digest = \(bind: subject.description)
                """)
            if let artifactType { query.appendInterpolation(unsafeRaw: " AND m.artifact_type = "); query.appendInterpolation(bind: artifactType) }
            query.appendInterpolation(unsafeRaw: " ORDER BY m.digest")
            return try await db.raw(query).all().map { row in
                let annotations = try row.decode(column: "annotations", as: String?.self)
                    .flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
                return Referrer(
                    digest: try Digest(parsing: row.decode(column: "digest", as: String.self)),
                    mediaType: try row.decode(column: "media_type", as: String.self),
                    size: try row.decode(column: "size", as: Int64.self),
                    artifactType: try row.decode(column: "artifact_type", as: String?.self),
                    annotations: annotations)
            }
        }
    }
}
