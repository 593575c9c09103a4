import SQLKit

extension AuditLogStore {
    /// Deletes (or, dry, counts) audit lines older than `before` whose event type, Harbor's
    /// `<operation>_<resource type>` such as `pull_artifact`, is one of `eventTypes`. Works in
    /// batches so that a purge of millions of lines never holds the writer for long.
    public func purge(before: Int64, eventTypes: [String], dryRun: Bool, batch: Int = 5000) async throws -> Int {
        guard !eventTypes.isEmpty else { return 0 }
        var condition = SQLQueryString("op_time < \(bind: before) AND (LOWER(operation) || '_' || LOWER(resource_type)) IN (")
        condition.appendInterpolation(binds: eventTypes.map { $0.lowercased() })
        condition.appendInterpolation(unsafeRaw: ")")
        let filter = condition
        if dryRun {
            return try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM audit_logs WHERE \(filter)").first()?.decode(column: "n", as: Int.self) ?? 0
            }
        }
        var total = 0
        while true {
            let deleted = try await database.write { db in
                try await db.raw("""
                    DELETE FROM audit_logs WHERE id IN (SELECT id FROM audit_logs WHERE \(filter) LIMIT \(bind: batch)) RETURNING id
                    """).all().count
            }
            total += deleted
            if deleted < batch { return total }
            try Task.checkCancellation()
        }
    }
}
