import Foundation
import Metadata
import OCI
import Scanner

/// `berth vulndb import`: loads OSV sources (directories, `all.zip` files, Alpine secdb) into the
/// metadata database. Unchanged records are not rewritten, changed ones replace the stored ones,
/// withdrawn ones are deleted. Re-evaluation of stored inventories follows an import that changed
/// anything (`ScanReevaluator`).
public struct AdvisoryImporter: Sendable {
    public struct Summary: Sendable {
        public var counts: AdvisoryImportCounts
        /// Records read from the sources, per ecosystem family.
        public var byEcosystem: [String: Int]
        public var seconds: Double
        public var warnings: [String]
    }

    let store: AdvisoryStore
    let limits: ScanLimits

    public init(database: MetadataDatabase, limits: ScanLimits = ScanLimits()) {
        store = AdvisoryStore(database: database)
        self.limits = limits
    }

    public func importSources(_ sources: [URL], log: (String) -> Void = { _ in }) async throws -> Summary {
        let started = Date()
        let loaded = try OSVDatabase.load(sources, limits: limits, log: log)
        var rows: [String: AdvisoryRow] = [:]
        var byEcosystem: [String: Int] = [:]
        for record in loaded.records {
            let json = CanonicalJSON.string(record)
            let packages = record.affectedPackages.map { AdvisoryPackageKey(ecosystem: $0.ecosystem, name: $0.name) }
            rows[record.id] = AdvisoryRow(id: record.id, modified: record.modified, contentHash: Digest.of(Array(json.utf8)).hex,
                                          record: json, packages: packages)
            for family in Set(packages.map(\.family)) { byEcosystem[family, default: 0] += 1 }
        }
        let withdrawn = loaded.withdrawnIDs.filter { rows[$0] == nil }
        let existing = try await store.hashes()
        let total = rows.count
        let counts = try await store.apply(rows.values.sorted { $0.id < $1.id }, removing: withdrawn, existing: existing,
                                           source: sources.map(\.path).joined(separator: ", "),
                                           startedAt: Int64(started.timeIntervalSince1970 * 1000)) { written in
            log("vulndb: \(written) of \(total) records written")
        }
        return Summary(counts: counts, byEcosystem: byEcosystem, seconds: Date().timeIntervalSince(started), warnings: loaded.warnings)
    }
}
