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
        var worst: [String: Int] = [:]
        for v in vulnerabilities {
            let rank = HarborSeverity.rank(v.severity.rawValue) ?? 0
            worst[v.id] = max(worst[v.id] ?? 0, rank)
        }
        return CanonicalJSON.string(worst.sorted { $0.key < $1.key }.map { ScanFinding(id: $0.key, rank: $0.value) })
    }

}
