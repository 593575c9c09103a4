import Foundation
import Metadata
import OCI
import Scanner

/// Turns a match into what `ScanReportStore` keeps: the Harbor report, the overview numbers and
/// the gate's findings. The scan job and re-evaluation both store results through here.
enum ScanResult {
    /// The result for a stored artifact (the report names its repository and digest).
    static func fields(inventory: ImageInventory, vulnerabilities: [Vulnerability], artifact record: ArtifactRecord) throws -> ScanResultFields {
        let context = ReportContext(repository: record.repositoryName.value, tag: nil, digest: record.digest.description,
                                    mimeType: record.mediaType)
        return try fields(inventory: inventory, vulnerabilities: vulnerabilities, context: context)
    }

    static func fields(inventory: ImageInventory, vulnerabilities: [Vulnerability], context: ReportContext) throws -> ScanResultFields {
        let report = HarborReport(inventory: inventory, vulnerabilities: vulnerabilities, context: context)
        let summary = VulnerabilitySummary(vulnerabilities)
        return ScanResultFields(report: String(decoding: try report.json(), as: UTF8.self), severity: summary.severity,
                                summary: CanonicalJSON.string(summary), findings: findings(vulnerabilities),
                                contentHash: Digest.of(Array(CanonicalJSON.string(report.vulnerabilities).utf8)).hex,
                                vulnerabilities: rows(vulnerabilities))
    }

    /// The security hub's rows: one per vulnerable package, with Harbor's severity word.
    static func rows(_ vulnerabilities: [Vulnerability]) -> [VulnerabilityRow] {
        vulnerabilities.map { v in
            let attributes = ["advisory_id": v.advisoryID, "package_type": v.package.package.type.rawValue, "path": v.package.package.path]
            return VulnerabilityRow(cveID: v.id, package: v.package.package.name, version: v.package.package.version,
                                    fixedVersion: v.fixVersion ?? "", severity: v.severity.rawValue, cvssScoreV3: v.cvss?.baseScore,
                                    description: v.description, links: v.links, cweIDs: v.cweIDs,
                                    vendorAttributes: CanonicalJSON.string(attributes))
        }
    }

    /// `[[id, rank], ...]`, each id once at its worst rank, sorted: equal findings compare equal.
    static func findings(_ vulnerabilities: [Vulnerability]) -> String {
        findings(vulnerabilities.map { (id: $0.id, severity: $0.severity.rawValue) })
    }

    static func findings(_ items: [(id: String, severity: String)]) -> String {
        var worst: [String: Int] = [:]
        for item in items {
            worst[item.id] = max(worst[item.id] ?? 0, HarborSeverity.rank(item.severity) ?? 0)
        }
        return CanonicalJSON.string(worst.sorted { $0.key < $1.key }.map { ScanFinding(id: $0.key, rank: $0.value) })
    }

    /// An external scanner's Harbor report (`application/vnd.security.vulnerability.report;
    /// version=1.1`), stored as it came, with the overview, gate findings and hub rows read from it.
    /// Severities Harbor does not know count as Unknown.
    static func fields(externalReport bytes: [UInt8]) throws -> ScanResultFields {
        struct Report: Decodable {
            struct Item: Decodable {
                struct CVSS: Decodable { let score_v3: Double? }
                let id: String
                let package: String?
                let version: String?
                let fix_version: String?
                let severity: String?
                let description: String?
                let links: [String]?
                let preferred_cvss: CVSS?
                let cwe_ids: [String]?
            }
            let vulnerabilities: [Item]?
        }
        let report: Report
        do { report = try JSONDecoder().decode(Report.self, from: Data(bytes)) } catch {
            throw ScanJobError("the scanner's report is not a Harbor vulnerability report: \(error)")
        }
        let items = report.vulnerabilities ?? []
        let severity = { (item: Report.Item) in HarborSeverity.rank(item.severity ?? "").map { HarborSeverity.ordered[$0] } ?? "Unknown" }
        let words = items.map(severity)
        let summary = VulnerabilitySummary(
            total: items.count, fixable: items.filter { !($0.fix_version ?? "").isEmpty }.count,
            summary: Dictionary(grouping: words, by: { $0 }).mapValues(\.count),
            severity: words.max { (HarborSeverity.rank($0) ?? 0) < (HarborSeverity.rank($1) ?? 0) } ?? VulnerabilitySummary.none)
        let rows = zip(items, words).map { item, word in
            VulnerabilityRow(cveID: item.id, package: item.package ?? "", version: item.version ?? "", fixedVersion: item.fix_version ?? "",
                             severity: word, cvssScoreV3: item.preferred_cvss?.score_v3, description: item.description ?? "",
                             links: item.links ?? [], cweIDs: item.cwe_ids ?? [], vendorAttributes: "{}")
        }
        return ScanResultFields(report: String(decoding: bytes, as: UTF8.self), severity: summary.severity,
                                summary: CanonicalJSON.string(summary),
                                findings: findings(zip(items, words).map { (id: $0.id, severity: $1) }),
                                contentHash: Digest.of(bytes).hex, vulnerabilities: rows)
    }

}
