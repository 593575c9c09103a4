import BerthTestSupport
import Foundation
import HTTPTypes
import Metadata
import OCI
import Services
import Testing

/// The security hub (`/security/summary`, `/security/vul`) and CVE export (`/export/cve`) over
/// reports the server's own scan jobs stored for real layers and real advisories.
@Suite struct SecurityHubAPITests {
    /// Two scanned images: `hub/app:v1` (urllib3 and PyYAML) and `hub/other:v2` (urllib3 only).
    static func scannedImages(_ h: Harness) async throws -> (app: Digest, other: Digest, projectID: Int64, overviews: [[String: Any]]) {
        _ = try await ScanAPITests.importAdvisories(h, [ScanAPITests.urllib3Advisories, ScanAPITests.pyyamlAdvisories])
        let created = try await h.api(.post, "/projects", json: #"{"project_name":"hub","metadata":{"auto_scan":"true"}}"#)
        #expect(created.status == .created)
        let projectID = Int64(try #require(created.header("Location")).split(separator: "/").last!)!
        let app = try await h.pushLayeredImage("hub/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer(ScanAPITests.vulnerablePython)])
        let other = try await h.pushLayeredImage("hub/other", reference: "v2", layers: [try await ScanFixtures.pythonLayer([ScanAPITests.vulnerablePython[0]])])
        let overviews = [try await h.finishedScan("hub", "app", "v1"), try await h.finishedScan("hub", "other", "v2")]
        #expect(overviews.allSatisfy { $0["scan_status"] as? String == "Success" }, "\(overviews)")
        return (app.digest, other.digest, projectID, overviews)
    }

    @Test func theSummaryAndTheListingAddUpTheStoredReports() async throws {
        try await Harness.run { h in
            let images = try await Self.scannedImages(h)
            let counts = images.overviews.map { try? #require($0["summary"] as? [String: Any]) }
            let total = counts.reduce(0) { $0 + ($1?["total"] as? Int ?? 0) }
            let fixable = counts.reduce(0) { $0 + ($1?["fixable"] as? Int ?? 0) }
            #expect(total > 0)

            let summary = try await h.api(.get, "/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true").object()
            #expect(summary["total_vuls"] as? Int == total && summary["fixable_cnt"] as? Int == fixable, "\(summary)")
            #expect(summary["scanned_cnt"] as? Int == 2 && summary["total_artifact"] as? Int == 2)
            for (word, key) in [("Critical", "critical_cnt"), ("High", "high_cnt"), ("Medium", "medium_cnt")] {
                let expected = counts.reduce(0) { $0 + ((($1?["summary"] as? [String: Int]) ?? [:])[word] ?? 0) }
                #expect(summary[key] as? Int == expected, "\(key): \(summary)")
            }
            let artifacts = try #require(summary["dangerous_artifacts"] as? [[String: Any]])
            #expect(artifacts.first?["digest"] as? String == images.app.description, "the image with more findings first: \(artifacts)")
            let cves = try #require(summary["dangerous_cves"] as? [[String: Any]])
            let scores = cves.compactMap { $0["cvss_score_v3"] as? Double }
            #expect(!cves.isEmpty && cves.count <= 5 && scores == scores.sorted(by: >), "\(cves)")

            // Harbor's filters: exact keys (package names as the analyzers report them, PyPI's normalised), a range on the score.
            let one = try await h.api(.get, "/security/vul?q=cve_id%3DCVE-2023-43804&with_tag=true")
            let items = try one.array()
            #expect(Set(items.compactMap { $0["digest"] as? String }) == [images.app.description, images.other.description], "\(one.text)")
            #expect(one.header("X-Total-Count") == "\(items.count)" && items.allSatisfy { $0["package"] as? String == "urllib3" })
            #expect(items.contains { ($0["tags"] as? [String]) == ["v1"] })
            let yaml = try await h.api(.get, "/security/vul?q=package%3Dpyyaml&page_size=100").array()
            #expect(!yaml.isEmpty && yaml.allSatisfy { $0["digest"] as? String == images.app.description && $0["repository_name"] as? String == "hub/app" })
            let fixed = try await h.api(.get, "/security/vul?q=status%3Dfixed&page_size=100").array()
            #expect(fixed.count == fixable && fixed.allSatisfy { $0["status"] as? String == "fixed" && !($0["fixed_version"] as? String ?? "").isEmpty })
            let severe = try await h.api(.get, "/security/vul?q=cvss_score_v3%3D%5B7~10%5D&page_size=100").array()
            #expect(!severe.isEmpty && severe.allSatisfy { ($0["cvss_v3_score"] as? Double ?? 0) >= 7 }, "\(severe)")
            let all = try await h.api(.get, "/security/vul?page_size=100&tune_count=true")
            #expect(all.header("X-Total-Count") == "\(total)")
            let firstPage = try await h.api(.get, "/security/vul?page_size=1")
            #expect(try firstPage.array().count == 1 && (firstPage.header("Link") ?? "").contains("rel=\"next\""))

            // Deleting an artifact takes its findings out at once.
            #expect(try await h.api(.delete, "/projects/hub/repositories/other/artifacts/v2").status == .ok)
            let after = try await h.api(.get, "/security/summary").object()
            #expect(after["scanned_cnt"] as? Int == 1 && (after["total_vuls"] as? Int ?? 0) < total, "\(after)")
        }
    }

    @Test func theHubIsForSystemAdminsAndRefusesQueriesHarborRefuses() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let member = try await h.member("owner", of: "team", role: 1)
            #expect(try await h.api(.get, "/security/summary", headers: member).status == .forbidden)
            #expect(try await h.api(.get, "/security/vul", headers: member).status == .forbidden)
            #expect(try await h.api(.get, "/security/summary", headers: [:]).status == .unauthorized)
            for q in ["fixed%3Dtrue", "cve_id%3D~CVE", "cvss_score_v3%3D7", "cvss_score_v3%3D%5Bx~10%5D", "project_id%3Dabc"] {
                let refused = try await h.api(.get, "/security/vul?q=\(q)")
                #expect(refused.status == .badRequest, "\(q): \(refused.text)")
            }
            let empty = try await h.api(.get, "/security/summary").object()
            #expect(empty["total_vuls"] as? Int == 0 && empty["scanned_cnt"] as? Int == 0)
        }
    }

    static func exportHeaders(_ base: HTTPFields = Harness.admin) -> HTTPFields {
        var headers = base
        headers[HTTPField.Name("X-Scan-Data-Type")!] = "application/vnd.security.vulnerability.report; version=1.1"
        return headers
    }

    @Test func aCVEExportIsACSVForItsOwnerDownloadedOnce() async throws {
        try await Harness.run { h in
            let images = try await Self.scannedImages(h)
            let started = try await h.api(.post, "/export/cve", json: """
                {"job_name":"weekly","projects":[\(images.projectID)],"repositories":"app","cveIds":"{CVE-2023-43804,CVE-2020-14343}"}
                """, headers: Self.exportHeaders())
            #expect(started.status == .ok, "\(started.text)")
            let id = try #require(try started.object()["id"] as? Int)
            try await eventually(seconds: 120, "the export finished") {
                ["Success", "Error"].contains(try await h.api(.get, "/export/cve/execution/\(id)").object()["status"] as? String ?? "")
            }
            let execution = try await h.api(.get, "/export/cve/execution/\(id)").object()
            #expect(execution["status"] as? String == "Success" && execution["file_present"] as? Bool == true, "\(execution)")
            #expect(execution["user_name"] as? String == "admin" && execution["trigger"] as? String == "MANUAL")
            let listed = try await h.api(.get, "/export/cve/executions").object()["items"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["id"] as? Int } == [id])

            // Someone else, even the project's admin, cannot see or take it.
            let other = try await h.member("owner", of: "hub", role: 1)
            #expect(try await h.api(.get, "/export/cve/execution/\(id)", headers: other).status == .forbidden)
            #expect(try await h.api(.get, "/export/cve/download/\(id)", headers: other).status == .forbidden)
            #expect((try await h.api(.get, "/export/cve/executions", headers: other).object()["items"] as? [Any])?.isEmpty == true)

            let download = try await h.api(.get, "/export/cve/download/\(id)")
            #expect(download.status == .ok && download.header("Content-Type") == "text/csv")
            #expect(download.header("Content-Disposition") == "attachment; filename=\"scandata_export_\(id).csv\"")
            let lines = download.text.split(separator: "\r\n").map(String.init)
            #expect(lines.first == CVEExportJob.columns.joined(separator: ","))
            let rows = lines.dropFirst()
            #expect(!rows.isEmpty && rows.allSatisfy { $0.hasPrefix("hub/app,\(images.app),") }, "\(lines)")
            let cves = Set(rows.map { $0.split(separator: ",")[2] })
            #expect(cves.isSubset(of: ["CVE-2023-43804", "CVE-2020-14343"]) && cves.contains("CVE-2023-43804"), "\(cves)")
            #expect(try await h.api(.get, "/export/cve/download/\(id)").status == .notFound, "a file is downloaded once")
            #expect(try await h.api(.get, "/export/cve/execution/\(id)").object()["file_present"] as? Bool == false)

            // Nothing matched: a finished export without a file, and Harbor's words for it.
            let none = try await h.api(.post, "/export/cve", json: #"{"projects":[\#(images.projectID)],"cveIds":"CVE-1999-*"}"#, headers: Self.exportHeaders())
            let noneID = try #require(try none.object()["id"] as? Int)
            try await eventually(seconds: 120, "the empty export finished") {
                try await h.api(.get, "/export/cve/execution/\(noneID)").object()["status"] as? String == "Success"
            }
            let empty = try await h.api(.get, "/export/cve/execution/\(noneID)").object()
            #expect(empty["file_present"] as? Bool == false && empty["status_text"] as? String == CVEExportJob.nothingMatched, "\(empty)")
        }
    }

    @Test func badExportRequestsGetClearErrorsAndQueueNothing() async throws {
        try await Harness.run { h in
            let projectID = try await h.createProject("exp")
            let body = #"{"projects":[\#(projectID)]}"#
            #expect(try await h.api(.post, "/export/cve", json: body).status == .badRequest, "no X-Scan-Data-Type")
            #expect(try await h.api(.post, "/export/cve", json: #"{"projects":[\#(projectID),1]}"#, headers: Self.exportHeaders()).status == .badRequest)
            #expect(try await h.api(.post, "/export/cve", json: #"{"projects":[999999]}"#, headers: Self.exportHeaders()).status == .notFound)
            #expect(try await h.api(.post, "/export/cve", json: #"{"projects":[\#(projectID)],"tags":"v1 v2"}"#, headers: Self.exportHeaders()).status == .badRequest)
            #expect(try await h.api(.post, "/export/cve", json: #"{"projects":[\#(projectID)],"labels":[1]}"#, headers: Self.exportHeaders()).status == .badRequest)
            #expect(try await h.api(.post, "/export/cve", json: "{", headers: Self.exportHeaders()).status == .badRequest)
            let guest = try await h.member("guest", of: "exp", role: 3)
            #expect(try await h.api(.post, "/export/cve", json: body, headers: Self.exportHeaders(guest)).status == .forbidden)
            #expect(try await h.api(.post, "/export/cve", json: body, headers: Self.exportHeaders([:])).status == .unauthorized)
            #expect(try await h.api(.get, "/export/cve/execution/424242").status == .notFound)
            #expect(try await h.api(.get, "/export/cve/download/abc").status == .badRequest)
            #expect((try await h.api(.get, "/export/cve/executions").object()["items"] as? [Any])?.isEmpty == true)
        }
    }
}
