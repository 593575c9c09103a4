/// Swagger's `SecuritySummary`.
struct SecuritySummaryResp: Encodable {
    let critical_cnt: Int64
    let high_cnt: Int64
    let medium_cnt: Int64
    let low_cnt: Int64
    let none_cnt: Int64
    let unknown_cnt: Int64
    let total_vuls: Int64
    let scanned_cnt: Int64
    let total_artifact: Int64
    let fixable_cnt: Int64
    var dangerous_cves: [DangerousCVEResp]?
    var dangerous_artifacts: [DangerousArtifactResp]?
}

struct DangerousCVEResp: Encodable {
    let cve_id: String
    let severity: String
    let cvss_score_v3: Double?
    let desc: String
    let package: String
    let version: String
}

struct DangerousArtifactResp: Encodable {
    let project_id: Int64
    let repository_name: String
    let digest: String
    let critical_cnt: Int64
    let high_cnt: Int64
    let medium_cnt: Int64
}

/// Swagger's `VulnerabilityItem`.
struct VulnerabilityItemResp: Encodable {
    let project_id: Int64
    let repository_name: String
    let digest: String
    var tags: [String]?
    let cve_id: String
    let severity: String
    /// `fixed` when a fixed version is known, else `affected` (Trivy's words).
    let status: String
    let cvss_v3_score: Double?
    let package: String
    let version: String
    let fixed_version: String
    let desc: String
    let links: [String]
}
