import Foundation
import SQLKit

/// A scan report row with the status of the job task that produces it. Results stay from the last
/// successful scan while a new one runs, so a rescan never opens the pull gate.
public struct ScanReportRecord: Sendable, Equatable {
    public let uuid: String
    public let manifestID: Int64
    public let registrationUUID: String
    public let scanType: String
    public let taskID: Int64?
    /// Harbor's job status of that task (see `status(task:hasResult:)` when it is gone).
    public let status: String
    public let startTime: Int64?
    public let endTime: Int64?
    public let result: ScanResultFields?
}

/// What a finished scan (or a re-evaluation) stores.
public struct ScanResultFields: Sendable, Equatable {
    /// The Harbor report (`application/vnd.security.vulnerability.report; version=1.1`).
    public var report: String
    /// Harbor's severity word of the worst finding (`None` when there are none).
    public var severity: String
    /// The overview's `summary` object as JSON.
    public var summary: String
    /// `[[id, severity rank], ...]`: what the pull gate reads, without the whole report.
    public var findings: String
    /// A hash of the report's findings in full (fix versions, scores, descriptions), not of its
    /// time: re-evaluation rewrites a report only when this changes.
    public var contentHash: String
    /// The findings as rows for the security hub and CVE export; replaced whenever the result is.
    /// Not read back with the report (empty in `ScanReportRecord`).
    public var vulnerabilities: [VulnerabilityRow]

    public init(report: String, severity: String, summary: String, findings: String, contentHash: String,
                vulnerabilities: [VulnerabilityRow] = []) {
        self.report = report
        self.severity = severity
        self.summary = summary
        self.findings = findings
        self.contentHash = contentHash
        self.vulnerabilities = vulnerabilities
    }
}

/// One vulnerable package of a report, as the security hub lists it and CVE export writes it.
public struct VulnerabilityRow: Sendable, Equatable {
    public var cveID: String
    public var package: String
    public var version: String
    public var fixedVersion: String
    public var severity: String
    public var cvssScoreV3: Double?
    public var description: String
    public var links: [String]
    public var cweIDs: [String]
    /// JSON object text (the advisory id, package type and path).
    public var vendorAttributes: String

    public init(cveID: String, package: String, version: String, fixedVersion: String, severity: String, cvssScoreV3: Double?,
                description: String, links: [String], cweIDs: [String], vendorAttributes: String) {
        self.cveID = cveID
        self.package = package
        self.version = version
        self.fixedVersion = fixedVersion
        self.severity = severity
        self.cvssScoreV3 = cvssScoreV3
        self.description = description
        self.links = links
        self.cweIDs = cweIDs
        self.vendorAttributes = vendorAttributes
    }
}

/// What the pull gate decides on (`ScanReportStore.gateInputs`).
public struct GateInputs: Sendable {
    /// Project metadata `prevent_vul` is "true".
    public let preventVul: Bool
    /// Project metadata `severity`, if set.
    public let severity: String?
    /// The artifact's vulnerability report; nil when it has none.
    public let report: GateFindings?
    /// Project metadata `enable_content_trust_cosign` is "true": pulls need a cosign signature.
    public var cosignRequired = false
    /// Project metadata `enable_content_trust` is "true": pulls need a notation signature.
    public var notationRequired = false
}

/// A report as the pull gate sees it, with the allowlist in force for its project.
public struct GateFindings: Sendable {
    public let status: String
    public let findings: String?
    public let allowlist: CVEAllowlist?
}

/// One stored inventory, as re-evaluation walks them.
public struct StoredInventory: Sendable {
    public let uuid: String
    public let manifestID: Int64
    public let inventory: String
    public let contentHash: String?
}

/// Scan reports: one per artifact, scanner and scan type.
public struct ScanReportStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let columns: SQLQueryString = """
        s.uuid, s.manifest_id, s.registration_uuid, s.scan_type, s.task_id, s.report, s.severity, s.summary, s.findings, s.content_hash,
        t.status, t.start_time, t.end_time
        """

    /// Creates the report row, or points the existing one at a new task; returns its uuid.
    @discardableResult
    public func request(manifestID: Int64, registrationUUID: String, scanType: String, taskID: Int64?,
                        now: Int64 = WallClock.nowMillis()) async throws -> String {
        try await database.write { db in
            // One report per artifact and scan type: the last scanner's. A project that changes
            // scanner sees the new one's results, as Harbor shows its current scanner's.
            try await db.raw("""
                DELETE FROM scan_reports WHERE manifest_id = \(bind: manifestID) AND scan_type = \(bind: scanType)
                    AND registration_uuid <> \(bind: registrationUUID)
                """).run()
            guard let row = try await db.raw("""
                INSERT INTO scan_reports (uuid, manifest_id, registration_uuid, scan_type, task_id, requested_at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: manifestID), \(bind: registrationUUID), \(bind: scanType),
                        \(bind: taskID), \(bind: now))
                ON CONFLICT (manifest_id, registration_uuid, scan_type)
                DO UPDATE SET task_id = COALESCE(excluded.task_id, scan_reports.task_id), requested_at = excluded.requested_at
                RETURNING uuid
                """).first() else { throw MetadataError.conflict("the scan report was not created") }
            return try row.decode(column: "uuid", as: String.self)
        }
    }

    /// Stores a result, with the inventory it came from when a scan (not a re-evaluation) made it;
    /// false when the row is gone (its artifact was deleted meanwhile).
    @discardableResult
    public func saveResult(_ uuid: String, _ result: ScanResultFields, inventory: String? = nil, now: Int64 = WallClock.nowMillis()) async throws -> Bool {
        try await database.write { db in
            guard let row = try await db.raw("""
                UPDATE scan_reports SET report = \(bind: result.report), severity = \(bind: result.severity),
                summary = \(bind: result.summary), findings = \(bind: result.findings), content_hash = \(bind: result.contentHash),
                inventory = COALESCE(\(bind: inventory), inventory), evaluated_at = \(bind: now)
                WHERE uuid = \(bind: uuid) RETURNING manifest_id
                """).first() else { return false }
            let manifestID = try row.decode(column: "manifest_id", as: Int64.self)
            try await db.raw("DELETE FROM scan_vulnerabilities WHERE report_uuid = \(bind: uuid)").run()
            for batch in stride(from: 0, to: result.vulnerabilities.count, by: 200).map({ Array(result.vulnerabilities[$0..<min($0 + 200, result.vulnerabilities.count)]) }) {
                var insert = SQLQueryString("""
                    INSERT INTO scan_vulnerabilities (report_uuid, manifest_id, cve_id, package, version, fixed_version, severity,
                    severity_rank, cvss_score_v3, description, links, cwe_ids, vendor_attributes) VALUES
                    """)
                for (i, v) in batch.enumerated() {
                    insert.appendInterpolation(unsafeRaw: i == 0 ? " (" : ", (")
                    insert.appendInterpolation("""
                        \(bind: uuid), \(bind: manifestID), \(bind: v.cveID), \(bind: v.package), \(bind: v.version), \(bind: v.fixedVersion),
                        \(bind: v.severity), \(bind: HarborSeverity.rank(v.severity) ?? 0), \(bind: v.cvssScoreV3), \(bind: v.description),
                        \(bind: v.links.joined(separator: "|")), \(bind: v.cweIDs.joined(separator: ",")), \(bind: v.vendorAttributes))
                        """ as SQLQueryString)
                }
                try await db.raw(insert).run()
            }
            return true
        }
    }

    public func report(uuid: String) async throws -> ScanReportRecord? {
        try await database.read { db in
            try await db.raw("""
                SELECT \(Self.columns) FROM scan_reports s LEFT JOIN job_tasks t ON t.id = s.task_id
                WHERE s.uuid = \(bind: uuid)
                """).first().map(Self.record)
        }
    }

    /// The reports of these artifacts, by artifact.
    public func reports(manifestIDs: [Int64], scanType: String = "vulnerability") async throws -> [Int64: [ScanReportRecord]] {
        guard !manifestIDs.isEmpty else { return [:] }
        return try await database.read { db in
            var query = SQLQueryString("SELECT \(Self.columns) FROM scan_reports s LEFT JOIN job_tasks t ON t.id = s.task_id WHERE s.scan_type = ")
            query.appendInterpolation(bind: scanType)
            query.appendInterpolation(unsafeRaw: " AND s.manifest_id IN (")
            query.appendInterpolation(binds: Array(Set(manifestIDs)))
            query.appendInterpolation(unsafeRaw: ")")
            return Dictionary(grouping: try await db.raw(query).all().map(Self.record), by: \.manifestID)
        }
    }

    /// Everything the pull gates read, in one statement and without decoding a report: the
    /// project's gate settings, the status and stored findings of the artifact's report (nil when
    /// it has none), the content-trust switches, and the allowlist in force (the project's when `reuse_sys_cve_allowlist` is
    /// "false", else the system's). A pull in a project without a gate costs this one statement.
    public func gateInputs(projectID: Int64, manifestID: Int64) async throws -> GateInputs {
        try await database.read { db in
            guard let row = try await db.raw("""
                SELECT pv.value AS prevent_vul, sv.value AS severity, rs.value AS reuse, s.uuid, s.findings, t.status,
                    a.project_id AS allowlist_owner, a.items, a.expires_at, cc.value AS trust_cosign, cn.value AS trust_notation
                FROM (SELECT 1 AS one) base
                LEFT JOIN project_metadata pv ON pv.project_id = \(bind: projectID) AND pv.name = 'prevent_vul'
                LEFT JOIN project_metadata cc ON cc.project_id = \(bind: projectID) AND cc.name = 'enable_content_trust_cosign'
                LEFT JOIN project_metadata cn ON cn.project_id = \(bind: projectID) AND cn.name = 'enable_content_trust'
                LEFT JOIN project_metadata sv ON sv.project_id = \(bind: projectID) AND sv.name = 'severity'
                LEFT JOIN project_metadata rs ON rs.project_id = \(bind: projectID) AND rs.name = 'reuse_sys_cve_allowlist'
                LEFT JOIN scan_reports s ON s.manifest_id = \(bind: manifestID) AND s.scan_type = 'vulnerability'
                LEFT JOIN job_tasks t ON t.id = s.task_id
                LEFT JOIN cve_allowlists a ON a.project_id = CASE WHEN rs.value = 'false' THEN \(bind: projectID) ELSE \(bind: CVEAllowlistStore.systemProjectID) END
                """).first() else { return GateInputs(preventVul: false, severity: nil, report: nil) }
            let findings = try row.decode(column: "findings", as: String?.self)
            let items = try row.decode(column: "items", as: String?.self)
            let report = try row.decode(column: "uuid", as: String?.self).map { _ in
                GateFindings(
                    status: Self.status(task: try row.decode(column: "status", as: String?.self), hasResult: findings != nil),
                    findings: findings,
                    allowlist: try items.map {
                        CVEAllowlist(projectID: try row.decode(column: "allowlist_owner", as: Int64.self),
                                     expiresAt: try? row.decode(column: "expires_at", as: Int64?.self),
                                     cveIDs: (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? [])
                    })
            }
            var inputs = GateInputs(preventVul: try row.decode(column: "prevent_vul", as: String?.self) == "true",
                                    severity: try row.decode(column: "severity", as: String?.self), report: report)
            inputs.cosignRequired = try row.decode(column: "trust_cosign", as: String?.self) == "true"
            inputs.notationRequired = try row.decode(column: "trust_notation", as: String?.self) == "true"
            return inputs
        }
    }

    /// Stored inventories after `uuid`, in uuid order, for re-evaluation.
    public func inventories(after uuid: String, limit: Int) async throws -> [StoredInventory] {
        try await database.read { db in
            try await db.raw("""
                SELECT uuid, manifest_id, inventory, content_hash FROM scan_reports
                WHERE inventory IS NOT NULL AND uuid > \(bind: uuid) ORDER BY uuid LIMIT \(unsafeRaw: String(limit))
                """).all().map {
                StoredInventory(uuid: try $0.decode(column: "uuid", as: String.self),
                                manifestID: try $0.decode(column: "manifest_id", as: Int64.self),
                                inventory: try $0.decode(column: "inventory", as: String.self),
                                contentHash: try $0.decode(column: "content_hash", as: String?.self))
            }
        }
    }

    /// The report's status is its task's; a report whose task is gone (its history purged) is as
    /// good as its stored result, and without one it never completes.
    static func status(task: String?, hasResult: Bool) -> String {
        task ?? (hasResult ? "Success" : "Error")
    }

    static func record(_ row: any SQLRow) throws -> ScanReportRecord {
        let report = try row.decode(column: "report", as: String?.self)
        return ScanReportRecord(
            uuid: try row.decode(column: "uuid", as: String.self),
            manifestID: try row.decode(column: "manifest_id", as: Int64.self),
            registrationUUID: try row.decode(column: "registration_uuid", as: String.self),
            scanType: try row.decode(column: "scan_type", as: String.self),
            taskID: try row.decode(column: "task_id", as: Int64?.self),
            status: Self.status(task: try row.decode(column: "status", as: String?.self), hasResult: report != nil),
            startTime: try row.decode(column: "start_time", as: Int64?.self),
            endTime: try row.decode(column: "end_time", as: Int64?.self),
            result: try report.map {
                ScanResultFields(report: $0, severity: try row.decode(column: "severity", as: String?.self) ?? "None",
                                 summary: try row.decode(column: "summary", as: String?.self) ?? "{}",
                                 findings: try row.decode(column: "findings", as: String?.self) ?? "[]",
                                 contentHash: try row.decode(column: "content_hash", as: String?.self) ?? "")
            })
    }
}

/// Per-layer scanner results, keyed by the engine's cache key (engine version and blob digest), shared
/// by every node.
public struct LayerInventoryStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    public func load(_ key: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT result FROM layer_inventories WHERE cache_key = \(bind: key)").first()?
                .decode(column: "result", as: String.self)
        }
    }

    public func store(_ key: String, _ result: String) async throws {
        try await database.write { db in
            try await db.raw("""
                INSERT INTO layer_inventories (cache_key, result, created_at) VALUES (\(bind: key), \(bind: result), \(bind: WallClock.nowMillis()))
                ON CONFLICT (cache_key) DO NOTHING
                """).run()
        }
    }

    public func count() async throws -> Int64 {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM layer_inventories").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
    }
}

/// Harbor's severity words in order, lowest first, as the pull gate and the stored findings rank
/// them (`None` below all: nothing found).
public enum HarborSeverity {
    public static let ordered = ["None", "Unknown", "Negligible", "Low", "Medium", "High", "Critical"]

    /// The rank of a word in any case (`critical`, `Critical`); nil for words Harbor does not use.
    public static func rank(_ word: String) -> Int? {
        ordered.firstIndex { $0.caseInsensitiveCompare(word) == .orderedSame }
    }

    /// The worst of several words (an index's images); nil for none.
    public static func worst(_ words: [String]) -> String? {
        words.max { (rank($0) ?? 0) < (rank($1) ?? 0) }
    }
}

/// One entry of a report's stored findings: a vulnerability id and its `HarborSeverity` rank,
/// encoded as a two-element array to keep the gate's column small.
public struct ScanFinding: Codable, Sendable, Equatable {
    public var id: String
    public var rank: Int

    public init(id: String, rank: Int) {
        self.id = id
        self.rank = rank
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        id = try container.decode(String.self)
        rank = try container.decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(id)
        try container.encode(rank)
    }

    public static func decodeList(_ json: String?) -> [ScanFinding] {
        guard let json else { return [] }
        return (try? JSONDecoder().decode([ScanFinding].self, from: Data(json.utf8))) ?? []
    }
}
