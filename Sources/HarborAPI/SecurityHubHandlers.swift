import Access
import HTTPTypes
import Hummingbird
import Metadata
import RequestGrammar

/// Harbor's security hub: `/security/summary` and `/security/vul`, system-wide views of every
/// stored vulnerability report, for system admins (Harbor's system `security-hub` resource).
struct SecurityHubHandlers {
    let services: APIServices

    /// The `q` keys `/security/vul` takes, all exact but the score, which is a range (Harbor's).
    static let exactKeys: Set<String> = ["cve_id", "severity", "status", "repository_name", "package", "tag", "digest", "project_id"]
    static let scoreKey = "cvss_score_v3"
    /// With `tune_count`, totals beyond this read -1 rather than being counted.
    static let tunedCountLimit = 1000

    /// With `project_id` (Berth's addition, for the portal's project page), the counts of that
    /// project's reports, for anyone who may read its scan results; the lists of dangerous CVEs
    /// and artifacts stay system-wide and for system administrators.
    func summary(_ request: Request, context: some APIContext) async throws -> Response {
        var projectID: Int64?
        if let raw = request.uri.queryParameters["project_id"] {
            guard let id = Int64(raw), let project = try await services.projects.find(id: id) else {
                throw APIError.badRequest("project_id must name a project")
            }
            try await services.require(context.identity, Permission(.scan, .read), in: project)
            projectID = id
        } else {
            try services.require(context.identity, system: Permission(.securityHub, .read))
        }
        let store = SecurityHubStore(database: services.database)
        let summary = try await store.summary(projectID: projectID)
        func count(_ words: String...) -> Int64 { words.reduce(0) { $0 + (summary.bySeverity[$1] ?? 0) } }
        // Harbor has no Negligible bucket: negligible findings count as low.
        var body = SecuritySummaryResp(
            critical_cnt: count("Critical"), high_cnt: count("High"), medium_cnt: count("Medium"), low_cnt: count("Low", "Negligible"),
            none_cnt: count("None"), unknown_cnt: count("Unknown"), total_vuls: summary.bySeverity.values.reduce(0, +),
            scanned_cnt: summary.scanned, total_artifact: summary.totalArtifacts, fixable_cnt: summary.fixable)
        if projectID == nil, try flag(request, "with_dangerous_cve", default: false) {
            body.dangerous_cves = try await store.dangerousCVEs().map {
                DangerousCVEResp(cve_id: $0.cveID, severity: $0.severity, cvss_score_v3: $0.cvssScoreV3, desc: $0.description, package: $0.package, version: $0.version)
            }
        }
        if projectID == nil, try flag(request, "with_dangerous_artifact", default: false) {
            body.dangerous_artifacts = try await store.dangerousArtifacts().map {
                DangerousArtifactResp(project_id: $0.projectID, repository_name: $0.repository, digest: $0.digest,
                                      critical_cnt: $0.critical, high_cnt: $0.high, medium_cnt: $0.medium)
            }
        }
        return try JSONResponse.ok(body)
    }

    func vulnerabilities(_ request: Request, context: some APIContext) async throws -> Response {
        try services.require(context.identity, system: Permission(.securityHub, .list))
        let pagination = try Pagination(request)
        let filter = try Self.filter(HarborQuery(request))
        let tuned = try flag(request, "tune_count", default: false)
        let page = try await SecurityHubStore(database: services.database)
            .vulnerabilities(filter, page: pagination.offsetRequest, countUpTo: tuned ? Self.tunedCountLimit : nil)
        var items = page.items.map { listed in
            let v = listed.vulnerability
            return VulnerabilityItemResp(project_id: listed.projectID, repository_name: listed.repository, digest: listed.digest, tags: nil,
                                         cve_id: v.cveID, severity: v.severity, status: v.fixedVersion.isEmpty ? "affected" : "fixed", cvss_v3_score: v.cvssScoreV3, package: v.package,
                                         version: v.version, fixed_version: v.fixedVersion, desc: v.description, links: v.links)
        }
        if try flag(request, "with_tag", default: false) {
            let tags = try await services.artifacts.tags(ofArtifacts: Array(Set(page.items.map(\.manifestID))))
            for (i, listed) in page.items.enumerated() { items[i].tags = Array((tags[listed.manifestID] ?? []).prefix(10).map(\.name)) }
        }
        let headers: HTTPFields = page.total < 0 ? [HTTPField.Name("X-Total-Count")!: "-1"] : pagination.headers(total: page.total, path: "/api/v2.0/security/vul")
        return try JSONResponse.ok(items, headers: headers)
    }

    /// Harbor's rules: an unknown key, or a form a key does not take, is a 400.
    static func filter(_ query: HarborQuery) throws -> VulnerabilityFilter {
        var filter = VulnerabilityFilter()
        for key in query.keys {
            if exactKeys.contains(key) {
                guard let value = query.exact[key], !value.isEmpty else { throw APIError.badRequest("keyword: \(key), the query type is not allowed") }
                switch key {
                case "cve_id": filter.cveID = value
                case "severity": filter.severity = value
                case "status": filter.status = value
                case "repository_name": filter.repositoryName = value
                case "package": filter.package = value
                case "tag": filter.tag = value
                case "digest": filter.digest = value
                default:
                    guard let id = Int64(value) else { throw APIError.badRequest("project_id must be an integer") }
                    filter.projectID = id
                }
            } else if key == scoreKey {
                guard let range = query.ranges[key] else { throw APIError.badRequest("keyword: \(key), the query type is not allowed") }
                func score(_ text: String?) throws -> Double? {
                    guard let text else { return nil }
                    guard let value = Double(text), value >= 0, value <= 10 else { throw APIError.badRequest("cvss_score_v3 must be a range of scores from 0 to 10, like [7~10]") }
                    return value
                }
                filter.minimumScore = try score(range.low)
                filter.maximumScore = try score(range.high)
            } else {
                throw APIError.badRequest("keyword: \(key) is not allowed")
            }
        }
        return filter
    }
}
