import Foundation
import SQLKit

/// System-wide vulnerability totals (Harbor's security hub summary).
public struct SecuritySummary: Sendable, Equatable {
    /// Vulnerable packages by `HarborSeverity` word.
    public var bySeverity: [String: Int64]
    public var fixable: Int64
    /// Artifacts with a finished vulnerability report.
    public var scanned: Int64
    public var totalArtifacts: Int64
}

public struct DangerousCVE: Sendable, Equatable {
    public var cveID: String
    public var severity: String
    public var cvssScoreV3: Double?
    public var description: String
    public var package: String
    public var version: String
}

public struct DangerousArtifact: Sendable, Equatable {
    public var projectID: Int64
    public var repository: String
    public var digest: String
    public var critical: Int64
    public var high: Int64
    public var medium: Int64
}

/// `/security/vul`'s filters, each exact (Harbor's), the score a closed or half-open range.
public struct VulnerabilityFilter: Sendable {
    public var cveID, severity, repositoryName, package, tag, digest: String?
    /// `fixed` (a fixed version is known) or `affected` (none is); any other status matches nothing.
    public var status: String?
    public var projectID: Int64?
    public var minimumScore, maximumScore: Double?

    public init() {}
}

/// A vulnerable package of one artifact, with where the artifact is.
public struct ListedVulnerability: Sendable {
    /// The external scanner registration that reported it; empty for the built-in scanner.
    public var scannerName: String
    public var manifestID: Int64
    public var projectID: Int64
    public var repository: String
    public var digest: String
    public var vulnerability: VulnerabilityRow
}

/// Queries over every stored report's vulnerability rows (`scan_vulnerabilities`).
public struct SecurityHubStore: Sendable {
    let database: MetadataDatabase

    public init(database: MetadataDatabase) { self.database = database }

    static let from = """
        scan_vulnerabilities v JOIN manifests m ON m.id = v.manifest_id JOIN repositories r ON r.id = m.repository_id
        JOIN scan_reports s ON s.uuid = v.report_uuid LEFT JOIN scanner_registrations g ON g.uuid = s.registration_uuid
        """
    static let columns: SQLQueryString = """
        v.manifest_id, r.project_id, r.name AS repository, m.digest, g.name AS scanner_name, v.cve_id, v.package, v.version, v.fixed_version, v.severity,
        v.cvss_score_v3, v.description, v.links, v.cwe_ids, v.vendor_attributes
        """

    /// Counts over every stored report, or over one project's (`projectID`, Berth's project view).
    public func summary(projectID: Int64? = nil) async throws -> SecuritySummary {
        // The project's manifests, joined in where a project is asked for.
        let scope: @Sendable (_ table: String, _ alias: String) -> SQLQueryString = { table, alias in
            guard let projectID else { return "\(unsafeRaw: table) \(unsafeRaw: alias)" }
            return """
                \(unsafeRaw: table) \(unsafeRaw: alias) JOIN manifests sm ON sm.id = \(unsafeRaw: alias).manifest_id
                JOIN repositories sr ON sr.id = sm.repository_id AND sr.project_id = \(bind: projectID)
                """
        }
        return try await database.read { db in
            var bySeverity: [String: Int64] = [:]
            for row in try await db.raw("SELECT v.severity_rank, COUNT(*) AS n FROM \(scope("scan_vulnerabilities", "v")) GROUP BY v.severity_rank").all() {
                let rank = try row.decode(column: "severity_rank", as: Int.self)
                let word = HarborSeverity.ordered.indices.contains(rank) ? HarborSeverity.ordered[rank] : "Unknown"
                bySeverity[word, default: 0] += try row.decode(column: "n", as: Int64.self)
            }
            let fixable = try await db.raw("SELECT COUNT(*) AS n FROM \(scope("scan_vulnerabilities", "v")) WHERE v.fixed_version <> ''").first()?
                .decode(column: "n", as: Int64.self) ?? 0
            let scanned = try await db.raw("""
                SELECT COUNT(DISTINCT s.manifest_id) AS n FROM \(scope("scan_reports", "s")) WHERE s.scan_type = 'vulnerability' AND s.report IS NOT NULL
                """).first()?.decode(column: "n", as: Int64.self) ?? 0
            let total: Int64
            if let projectID {
                total = try await db.raw("""
                    SELECT COUNT(*) AS n FROM manifests m JOIN repositories r ON r.id = m.repository_id WHERE r.project_id = \(bind: projectID)
                    """).first()?.decode(column: "n", as: Int64.self) ?? 0
            } else {
                total = try await db.raw("SELECT COUNT(*) AS n FROM manifests").first()?.decode(column: "n", as: Int64.self) ?? 0
            }
            return SecuritySummary(bySeverity: bySeverity, fixable: fixable, scanned: scanned, totalArtifacts: total)
        }
    }

    /// The highest-scored vulnerabilities (by CVSS v3, then severity), each package version once.
    public func dangerousCVEs(limit: Int = 5) async throws -> [DangerousCVE] {
        try await database.read { db in
            try await db.raw("""
                SELECT cve_id, package, version, severity, severity_rank, MAX(cvss_score_v3) AS score, MIN(description) AS description
                FROM scan_vulnerabilities WHERE cvss_score_v3 IS NOT NULL GROUP BY cve_id, package, version, severity, severity_rank
                ORDER BY score DESC, severity_rank DESC, cve_id, package, version LIMIT \(unsafeRaw: String(limit))
                """).all().map {
                DangerousCVE(cveID: try $0.decode(column: "cve_id", as: String.self), severity: try $0.decode(column: "severity", as: String.self),
                             cvssScoreV3: try $0.decode(column: "score", as: Double?.self),
                             description: try $0.decode(column: "description", as: String.self), package: try $0.decode(column: "package", as: String.self),
                             version: try $0.decode(column: "version", as: String.self))
            }
        }
    }

    /// The artifacts with the most critical, then high, then medium findings (Harbor's three
    /// columns); artifacts with nothing above low are not dangerous.
    public func dangerousArtifacts(limit: Int = 5) async throws -> [DangerousArtifact] {
        let ranks = ["Critical", "High", "Medium"].map { HarborSeverity.rank($0)! }
        return try await database.read { db in
            try await db.raw("""
                SELECT r.project_id, r.name, m.digest,
                    SUM(CASE WHEN v.severity_rank = \(bind: ranks[0]) THEN 1 ELSE 0 END) AS critical,
                    SUM(CASE WHEN v.severity_rank = \(bind: ranks[1]) THEN 1 ELSE 0 END) AS high,
                    SUM(CASE WHEN v.severity_rank = \(bind: ranks[2]) THEN 1 ELSE 0 END) AS medium
                FROM \(unsafeRaw: Self.from) WHERE v.severity_rank >= \(bind: ranks[2])
                GROUP BY r.project_id, r.name, m.digest
                ORDER BY critical DESC, high DESC, medium DESC, r.name, m.digest LIMIT \(unsafeRaw: String(limit))
                """).all().map {
                DangerousArtifact(projectID: try $0.decode(column: "project_id", as: Int64.self), repository: try $0.decode(column: "name", as: String.self),
                                  digest: try $0.decode(column: "digest", as: String.self), critical: try $0.decode(column: "critical", as: Int64.self),
                                  high: try $0.decode(column: "high", as: Int64.self), medium: try $0.decode(column: "medium", as: Int64.self))
            }
        }
    }

    /// One page of vulnerable packages across all artifacts, highest score first. With
    /// `countUpTo`, a total beyond it is not counted and reads as -1 (Harbor's `tune_count`).
    public func vulnerabilities(_ filter: VulnerabilityFilter, page: OffsetRequest, countUpTo: Int? = nil) async throws -> Page<ListedVulnerability> {
        var condition = SQLQueryString(" WHERE 1 = 1")
        func exact(_ column: String, _ value: String?) {
            guard let value else { return }
            condition.appendInterpolation(unsafeRaw: " AND \(column) = ")
            condition.appendInterpolation(bind: value)
        }
        exact("v.cve_id", filter.cveID)
        exact("v.severity", filter.severity)
        exact("r.name", filter.repositoryName)
        exact("v.package", filter.package)
        exact("m.digest", filter.digest)
        if let project = filter.projectID { condition.appendInterpolation(" AND r.project_id = \(bind: project)" as SQLQueryString) }
        if let tag = filter.tag { condition.appendInterpolation(" AND EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id AND t.name = \(bind: tag))" as SQLQueryString) }
        switch filter.status {
        case nil: break
        case "fixed": condition.appendInterpolation(unsafeRaw: " AND v.fixed_version <> ''")
        case "affected": condition.appendInterpolation(unsafeRaw: " AND v.fixed_version = ''")
        default: condition.appendInterpolation(unsafeRaw: " AND 1 = 0")
        }
        if let low = filter.minimumScore { condition.appendInterpolation(" AND v.cvss_score_v3 >= \(bind: low)" as SQLQueryString) }
        if let high = filter.maximumScore { condition.appendInterpolation(" AND v.cvss_score_v3 <= \(bind: high)" as SQLQueryString) }
        let filterSQL = condition
        return try await database.read { db in
            var rows = SQLQueryString("SELECT ")
            rows.appendInterpolation(Self.columns)
            rows.appendInterpolation(unsafeRaw: " FROM \(Self.from)")
            rows.appendInterpolation(filterSQL)
            rows.appendInterpolation(unsafeRaw: " ORDER BY (v.cvss_score_v3 IS NULL), v.cvss_score_v3 DESC, v.severity_rank DESC, m.id, v.cve_id, v.package")
            rows.appendPage(page)
            let items = try await db.raw(rows).all().map(Self.listed)
            var count = SQLQueryString("SELECT COUNT(*) AS n FROM (SELECT 1 FROM \(unsafeRaw: Self.from)")
            count.appendInterpolation(filterSQL)
            if let countUpTo { count.appendInterpolation(unsafeRaw: " LIMIT \(countUpTo + 1)") }
            count.appendInterpolation(unsafeRaw: ") counted")
            let total = try await db.raw(count).first()?.decode(column: "n", as: Int64.self) ?? 0
            return Page(items: items, total: countUpTo.map { total > Int64($0) ? -1 : total } ?? total)
        }
    }

    /// A project's vulnerable packages in a stable order, `limit` at a time after the row at
    /// `offset`: what CVE export streams into its file.
    public func projectVulnerabilities(projectID: Int64, page: OffsetRequest) async throws -> [ListedVulnerability] {
        try await database.read { db in
            var rows = SQLQueryString("SELECT ")
            rows.appendInterpolation(Self.columns)
            rows.appendInterpolation(unsafeRaw: " FROM \(Self.from)")
            rows.appendInterpolation(" WHERE r.project_id = \(bind: projectID)" as SQLQueryString)
            rows.appendInterpolation(unsafeRaw: " ORDER BY r.name, m.digest, v.cve_id, v.package, v.version, v.fixed_version")
            rows.appendPage(page)
            return try await db.raw(rows).all().map(Self.listed)
        }
    }

    static func listed(_ row: any SQLRow) throws -> ListedVulnerability {
        let links = try row.decode(column: "links", as: String.self)
        let cwes = try row.decode(column: "cwe_ids", as: String.self)
        return ListedVulnerability(
            scannerName: try row.decode(column: "scanner_name", as: String?.self) ?? "",
            manifestID: try row.decode(column: "manifest_id", as: Int64.self), projectID: try row.decode(column: "project_id", as: Int64.self),
            repository: try row.decode(column: "repository", as: String.self), digest: try row.decode(column: "digest", as: String.self),
            vulnerability: VulnerabilityRow(
                cveID: try row.decode(column: "cve_id", as: String.self), package: try row.decode(column: "package", as: String.self),
                version: try row.decode(column: "version", as: String.self), fixedVersion: try row.decode(column: "fixed_version", as: String.self),
                severity: try row.decode(column: "severity", as: String.self), cvssScoreV3: try row.decode(column: "cvss_score_v3", as: Double?.self),
                description: try row.decode(column: "description", as: String.self),
                links: links.isEmpty ? [] : links.split(separator: "|").map(String.init),
                cweIDs: cwes.isEmpty ? [] : cwes.split(separator: ",").map(String.init),
                vendorAttributes: try row.decode(column: "vendor_attributes", as: String.self)))
    }
}
