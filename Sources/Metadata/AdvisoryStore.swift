import SQLKit

/// One advisory as the database keeps it: the record's JSON (the scanner decodes it) and the
/// (ecosystem, package) pairs it affects, which is what a scan looks up.
public struct AdvisoryRow: Sendable, Equatable {
    public var id: String
    public var modified: String?
    /// Hash of `record`: a re-import rewrites a record only when this changed.
    public var contentHash: String
    public var record: String
    public var packages: [AdvisoryPackageKey]

    public init(id: String, modified: String?, contentHash: String, record: String, packages: [AdvisoryPackageKey]) {
        self.id = id
        self.modified = modified
        self.contentHash = contentHash
        self.record = record
        self.packages = packages
    }
}

public struct AdvisoryPackageKey: Sendable, Hashable {
    public var ecosystem: String
    /// The name as the matcher normalises it (PyPI names are PEP 503 normalised).
    public var name: String
    public init(ecosystem: String, name: String) {
        self.ecosystem = ecosystem
        self.name = name
    }

    /// The ecosystem without its release: `Ubuntu:22.04:LTS` -> `Ubuntu`.
    public var family: String { ecosystem.split(separator: ":").first.map(String.init) ?? ecosystem }
}

/// What one import changed.
public struct AdvisoryImportCounts: Sendable, Equatable, Codable {
    public var added = 0
    public var updated = 0
    public var removed = 0
    public var unchanged = 0
    public init() {}
    public var changed: Bool { added + updated + removed > 0 }
}

/// The advisory database's state, for the scanner's metadata (`/scanners/{id}/metadata`).
public struct AdvisoryDatabaseState: Sendable, Equatable {
    public var advisories: Int64
    /// Advisories per ecosystem family (`Debian`, `PyPI`, `Go`...; releases folded together).
    public var byEcosystem: [String: Int64]
    /// When the last import finished, in milliseconds; nil before the first.
    public var updatedAt: Int64?
}

/// The advisory database in the metadata database, so every node scans against the same records
/// and its age is visible (Harbor's Trivy answers "empty" until its own download finishes).
public struct AdvisoryStore: Sendable {
    let database: MetadataDatabase
    /// Rows written per transaction during an import.
    static let batchSize = 500

    public init(database: MetadataDatabase) { self.database = database }

    /// The content hash of every stored advisory, to tell new and changed records from the rest.
    public func hashes() async throws -> [String: String] {
        try await database.read { db in
            var result: [String: String] = [:]
            for row in try await db.raw("SELECT id, content_hash FROM advisories").all() {
                result[try row.decode(column: "id", as: String.self)] = try row.decode(column: "content_hash", as: String.self)
            }
            return result
        }
    }

    /// Writes new and changed advisories and deletes `removed` ones, in transactions of
    /// `batchSize` rows, then records the import. `existing` is what `hashes()` returned.
    public func apply(_ rows: [AdvisoryRow], removing removed: [String], existing: [String: String], source: String,
                      startedAt: Int64, progress: (Int) -> Void = { _ in }) async throws -> AdvisoryImportCounts {
        var counts = AdvisoryImportCounts()
        let now = WallClock.nowMillis()
        var pending: [AdvisoryRow] = []
        pending.reserveCapacity(Self.batchSize)
        for row in rows {
            switch existing[row.id] {
            case nil: counts.added += 1
            case row.contentHash?: counts.unchanged += 1; continue
            default: counts.updated += 1
            }
            pending.append(row)
            if pending.count == Self.batchSize {
                try await write(pending, now: now)
                progress(counts.added + counts.updated)
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { try await write(pending, now: now) }
        let gone = removed.filter { existing[$0] != nil }
        for start in stride(from: 0, to: gone.count, by: Self.batchSize) {
            let slice = Array(gone[start..<min(gone.count, start + Self.batchSize)])
            try await database.write { db in
                var query = SQLQueryString("DELETE FROM advisories WHERE id IN (")
                query.appendInterpolation(binds: slice)
                query.appendInterpolation(unsafeRaw: ")")
                try await db.raw(query).run()
            }
        }
        counts.removed = gone.count
        try await database.write { [counts] db in
            try await db.raw("""
                INSERT INTO vulndb_imports (source, started_at, finished_at, added, updated, removed, unchanged)
                VALUES (\(bind: source), \(bind: startedAt), \(bind: WallClock.nowMillis()), \(bind: counts.added),
                        \(bind: counts.updated), \(bind: counts.removed), \(bind: counts.unchanged))
                """).run()
        }
        return counts
    }

    private func write(_ rows: [AdvisoryRow], now: Int64) async throws {
        try await database.write { db in
            for row in rows {
                // The package rows go by cascade and are written again: an update may change them.
                try await db.raw("DELETE FROM advisories WHERE id = \(bind: row.id)").run()
                try await db.raw("""
                    INSERT INTO advisories (id, modified, content_hash, record, imported_at)
                    VALUES (\(bind: row.id), \(bind: row.modified), \(bind: row.contentHash), \(bind: row.record), \(bind: now))
                    """).run()
                for key in Set(row.packages) {
                    try await db.raw("""
                        INSERT INTO advisory_packages (advisory_id, ecosystem, family, name)
                        VALUES (\(bind: row.id), \(bind: key.ecosystem), \(bind: key.family), \(bind: key.name))
                        """).run()
                }
            }
        }
    }

    /// The records of every advisory that names one of `keys`, each once. The query names both
    /// key columns, so it walks the primary key (ecosystem, name) rather than the table.
    public func records(affecting keys: Set<AdvisoryPackageKey>) async throws -> [String] {
        guard !keys.isEmpty else { return [] }
        let ecosystems = Array(Set(keys.map(\.ecosystem))).sorted()
        let names = Array(Set(keys.map(\.name))).sorted()
        return try await database.read { db in
            var ids = Set<String>()
            var records: [String] = []
            for start in stride(from: 0, to: names.count, by: Self.batchSize) {
                var query = SQLQueryString("""
                    SELECT p.ecosystem, p.name, a.id, a.record FROM advisory_packages p
                    JOIN advisories a ON a.id = p.advisory_id WHERE p.ecosystem IN (
                    """)
                query.appendInterpolation(binds: ecosystems)
                query.appendInterpolation(unsafeRaw: ") AND p.name IN (")
                query.appendInterpolation(binds: Array(names[start..<min(names.count, start + Self.batchSize)]))
                query.appendInterpolation(unsafeRaw: ")")
                for row in try await db.raw(query).all() {
                    let key = AdvisoryPackageKey(ecosystem: try row.decode(column: "ecosystem", as: String.self),
                                                 name: try row.decode(column: "name", as: String.self))
                    guard keys.contains(key) else { continue }
                    let id = try row.decode(column: "id", as: String.self)
                    if ids.insert(id).inserted { records.append(try row.decode(column: "record", as: String.self)) }
                }
            }
            return records
        }
    }

    /// Whether any advisory is loaded (a scan refuses to run against an empty database).
    public func isEmpty() async throws -> Bool {
        try await database.read { db in
            try await db.raw("SELECT 1 AS x FROM advisories LIMIT 1").first() == nil
        }
    }

    /// Every record, in pages of `batchSize` (re-evaluation holds the whole database in memory
    /// once, which a scan never does).
    public func allRecords() async throws -> [String] {
        var result: [String] = []
        var after = ""
        while true {
            let page = try await database.read { [after] db in
                try await db.raw("""
                    SELECT id, record FROM advisories WHERE id > \(bind: after) ORDER BY id LIMIT \(unsafeRaw: String(Self.batchSize))
                    """).all().map { (try $0.decode(column: "id", as: String.self), try $0.decode(column: "record", as: String.self)) }
            }
            result.append(contentsOf: page.map(\.1))
            guard let last = page.last, page.count == Self.batchSize else { return result }
            after = last.0
        }
    }

    public func state() async throws -> AdvisoryDatabaseState {
        try await database.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n FROM advisories").first()?.decode(column: "n", as: Int64.self) ?? 0
            var byFamily: [String: Int64] = [:]
            for row in try await db.raw("SELECT family, COUNT(DISTINCT advisory_id) AS n FROM advisory_packages GROUP BY family").all() {
                byFamily[try row.decode(column: "family", as: String.self)] = try row.decode(column: "n", as: Int64.self)
            }
            let updated = try await db.raw("SELECT MAX(finished_at) AS t FROM vulndb_imports").first()?.decode(column: "t", as: Int64?.self)
            return AdvisoryDatabaseState(advisories: total, byEcosystem: byFamily, updatedAt: updated)
        }
    }
}
