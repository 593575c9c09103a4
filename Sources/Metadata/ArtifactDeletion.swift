import SQLKit

extension ArtifactStore {
    /// Deletes manifests, then, round after round, their accessories (signatures, SBOMs and other
    /// referrers in the same repository: Harbor's hard references go with their subject, tagged or
    /// not, unless an index still lists them) and children of deleted indexes that are now
    /// untagged and listed by no other index. Their tags, blob uses and index entries go by ON
    /// DELETE CASCADE (SQLite's connections turn foreign keys on); blobs are left to garbage
    /// collection. Statements take at most `batch` ids (SQLite binds at most 32,766 values per
    /// statement), however many a round finds. Returns how many went.
    static func deleteManifests(_ ids: [Int64], in db: any SQLDatabase) async throws -> Int {
        var doomed = ids, deleted = 0
        while !doomed.isEmpty {
            let round = Array(doomed.prefix(Self.batch))
            doomed.removeFirst(round.count)
            var children = SQLQueryString("SELECT DISTINCT child_id FROM manifest_references WHERE parent_id IN (")
            children.appendInterpolation(binds: round)
            children.appendInterpolation(unsafeRaw: ")")
            let orphans = try await db.raw(children).all().map { try $0.decode(column: "child_id", as: Int64.self) }
            var accessoriesQuery = SQLQueryString("""
                SELECT a.id FROM manifests s JOIN manifests a ON a.repository_id = s.repository_id AND a.subject_digest = s.digest
                WHERE NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = a.id) AND s.id IN (
                """)
            accessoriesQuery.appendInterpolation(binds: round)
            accessoriesQuery.appendInterpolation(unsafeRaw: ")")
            let accessories = Set(try await db.raw(accessoriesQuery).all().map { try $0.decode(column: "id", as: Int64.self) })
                .subtracting(round).subtracting(doomed)
            var delete = SQLQueryString("DELETE FROM manifests WHERE id IN (")
            delete.appendInterpolation(binds: round)
            delete.appendInterpolation(unsafeRaw: ") RETURNING id")
            deleted += try await db.raw(delete).all().count
            doomed += accessories.sorted()
            for start in stride(from: 0, to: orphans.count, by: Self.batch) {
                var unused = SQLQueryString("SELECT m.id FROM manifests m WHERE m.id IN (")
                unused.appendInterpolation(binds: Array(orphans[start..<min(start + Self.batch, orphans.count)]))
                unused.appendInterpolation(unsafeRaw: """
                    ) AND NOT EXISTS (SELECT 1 FROM manifest_references mr WHERE mr.child_id = m.id)
                    AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
                    """)
                doomed += try await db.raw(unused).all().map { try $0.decode(column: "id", as: Int64.self) }
                    .filter { !accessories.contains($0) }
            }
        }
        return deleted
    }

    /// Ids per statement in `deleteManifests`.
    static let batch = 1000
}
