import SQLKit

extension ArtifactStore {
    /// Deletes manifests, then, round after round, children of deleted indexes that are now untagged
    /// and listed by no other index. Their tags, blob uses and index entries go by ON DELETE CASCADE
    /// (SQLite's connections turn foreign keys on); blobs are left to garbage collection. The caller
    /// bounds `ids` (SQLite binds at most 32,766 values per statement). Returns how many went.
    static func deleteManifests(_ ids: [Int64], in db: any SQLDatabase) async throws -> Int {
        var doomed = ids, deleted = 0
        while !doomed.isEmpty {
            var children = SQLQueryString("SELECT DISTINCT child_id FROM manifest_references WHERE parent_id IN (")
            children.appendInterpolation(binds: doomed)
            children.appendInterpolation(unsafeRaw: ")")
            let orphans = try await db.raw(children).all().map { try $0.decode(column: "child_id", as: Int64.self) }
            var delete = SQLQueryString("DELETE FROM manifests WHERE id IN (")
            delete.appendInterpolation(binds: doomed)
            delete.appendInterpolation(unsafeRaw: ") RETURNING id")
            deleted += try await db.raw(delete).all().count
            guard !orphans.isEmpty else { break }
            var unused = SQLQueryString("SELECT m.id FROM manifests m WHERE m.id IN (")
            unused.appendInterpolation(binds: orphans)
            unused.appendInterpolation(unsafeRaw: """
                ) AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = m.id)
                AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
                """)
            doomed = try await db.raw(unused).all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        return deleted
    }
}
