import BerthTestSupport
import Foundation
import HTTPTypes
import Metadata
import OCI
@testable import Scanner
import Services
import Testing

/// Scanning inside the registry: the advisory database in the metadata database, scan on push
/// through the job queue, the scan API, the pull gate and CVE allowlists. Real tar layers, real
/// advisories from the shared corpus, the server's own workers.
@Suite struct ScanAPITests {
    static var urllib3Advisories: URL { SharedCorpus.vulndb.appendingPathComponent("pypi/urllib3") }
    static var pyyamlAdvisories: URL { SharedCorpus.vulndb.appendingPathComponent("pypi/pyyaml") }
    static let vulnerablePython = [(name: "urllib3", version: "1.26.5"), (name: "PyYAML", version: "5.3")]

    static func importAdvisories(_ h: Harness, _ sources: [URL]) async throws -> AdvisoryImporter.Summary {
        try await AdvisoryImporter(database: h.server.database).importSources(sources)
    }

    /// What the engine alone (as `berth scan` runs it) finds in these layers with these advisories.
    static func engineFindings(_ layers: [[UInt8]], advisories: [URL]) async throws -> Set<String> {
        let database = try OSVDatabase.load(advisories)
        let images = layers.map { ImageLayer(digest: nil, diffID: nil, mediaType: "application/vnd.oci.image.layer.v1.tar", content: .bytes($0)) }
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence(images))
        return Set(VulnerabilityMatcher(database: database).match(inventory).map(\.id))
    }

    static func reportIDs(_ h: Harness, _ path: String) async throws -> Set<String> {
        let body = try await h.api(.get, path + "/additions/vulnerabilities").object()
        let report = try #require(body["application/vnd.security.vulnerability.report; version=1.1"] as? [String: Any])
        let items = try #require(report["vulnerabilities"] as? [[String: Any]])
        return Set(items.compactMap { $0["id"] as? String })
    }

    @Test func autoScanReportsWhatTheEngineFindsAndTheGateFollowsTheAllowlist() async throws {
        try await Harness.run { h in
            let summary = try await Self.importAdvisories(h, [Self.urllib3Advisories, Self.pyyamlAdvisories])
            #expect(summary.counts.added == 15 && summary.byEcosystem["PyPI"] == 15, "\(summary.counts)")
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"scanned","metadata":{"auto_scan":"true","prevent_vul":"true","severity":"high"}}"#).status == .created)
            let layers = [try await ScanFixtures.baseLayer("base"), try await ScanFixtures.pythonLayer(Self.vulnerablePython)]
            let image = try await h.pushLayeredImage("scanned/app", reference: "v1", layers: layers)

            // No scan was asked for: auto-scan queued one after the push.
            let overview = try await h.finishedScan("scanned", "app", "v1")
            #expect(overview["scan_status"] as? String == "Success", "\(overview)")
            #expect(overview["severity"] as? String == "High")
            #expect(overview["complete_percent"] as? Int == 100)
            #expect((overview["scanner"] as? [String: Any])?["name"] as? String == "Berth")
            let counts = try #require(overview["summary"] as? [String: Any])
            let path = "/projects/scanned/repositories/app/artifacts/\(image.digest)"
            let reported = try await Self.reportIDs(h, path)
            #expect(reported.contains("CVE-2023-43804"))
            #expect(reported == (try await Self.engineFindings(layers, advisories: [Self.urllib3Advisories, Self.pyyamlAdvisories])))
            #expect(counts["total"] as? Int == reported.count)

            // The report's log is the scan task's log.
            let reportID = try #require(overview["report_id"] as? String)
            let log = try await h.api(.get, path + "/scan/\(reportID)/log")
            #expect(log.status == .ok && log.text.contains("scanning scanned/app@\(image.digest)"), "\(log.text)")
            #expect(try await h.api(.get, path + "/scan/00000000-0000-0000-0000-000000000000/log").status == .notFound)

            // The gate: High findings block the pull, with Harbor's code and words.
            let blocked = try await h.request(.get, "/v2/scanned/app/manifests/v1")
            #expect(blocked.status == .preconditionFailed)
            #expect(blocked.errorCode == "PROJECTPOLICYVIOLATION")
            #expect(blocked.text.contains("cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of \\\"High\\\" or higher from running.'"), "\(blocked.text)")
            #expect(try await h.request(.head, "/v2/scanned/app/manifests/v1").status == .preconditionFailed)

            // Allowlisting the blocking CVEs opens it; an expired allowlist closes it again.
            let items = reported.sorted().map { #"{"cve_id":"\#($0)"}"# }.joined(separator: ",")
            #expect(try await h.api(.put, "/system/CVEAllowlist", json: #"{"expires_at":null,"items":[\#(items)]}"#).status == .ok)
            #expect(try await h.request(.get, "/v2/scanned/app/manifests/v1").status == .ok)
            let past = Int64(Date().timeIntervalSince1970) - 60
            #expect(try await h.api(.put, "/system/CVEAllowlist", json: #"{"expires_at":\#(past),"items":[\#(items)]}"#).status == .ok)
            #expect(try await h.request(.get, "/v2/scanned/app/manifests/v1").status == .preconditionFailed)
            let stored = try await h.api(.get, "/system/CVEAllowlist").object()
            #expect(stored["expires_at"] as? Int64 == past && (stored["items"] as? [[String: Any]])?.count == reported.count)

            // A project that does not reuse the system list uses its own.
            #expect(try await h.api(.put, "/projects/scanned", json: #"{"metadata":{"reuse_sys_cve_allowlist":"false"},"cve_allowlist":{"items":[\#(items)]}}"#).status == .ok)
            #expect(try await h.request(.get, "/v2/scanned/app/manifests/v1").status == .ok)
            let project = try await h.api(.get, "/projects/scanned").object()
            #expect(((project["cve_allowlist"] as? [String: Any])?["items"] as? [[String: Any]])?.count == reported.count)

            let events = try await ArtifactEventStore(database: h.server.database).events(type: "SCANNING_COMPLETED")
            #expect(events.map(\.digest) == [image.digest.description])
        }
    }

    @Test func aScanWithoutAdvisoriesFailsWithTheReasonAndNeverReadsClean() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"empty","metadata":{"prevent_vul":"true","severity":"critical"}}"#).status == .created)
            let image = try await h.pushLayeredImage("empty/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer(Self.vulnerablePython)])
            let unscanned = try await h.request(.get, "/v2/empty/app/manifests/v1")
            #expect(unscanned.status == .preconditionFailed && unscanned.text.contains("current image without vulnerability scanning cannot be pulled"))
            #expect(try await h.api(.post, "/projects/empty/repositories/app/artifacts/v1/scan").status == .accepted)
            let overview = try await h.finishedScan("empty", "app", "v1")
            #expect(overview["scan_status"] as? String == "Error", "\(overview)")
            #expect(overview["summary"] == nil, "no clean summary from an empty database")
            let log = try await h.api(.get, "/projects/empty/repositories/app/artifacts/\(image.digest)/scan/\(overview["report_id"] as! String)/log")
            #expect(log.text.contains("no advisories are loaded"), "\(log.text)")
            let gated = try await h.request(.get, "/v2/empty/app/manifests/v1")
            #expect(gated.status == .preconditionFailed && gated.text.contains("with \\\"Error\\\" status of vulnerability scanning"), "\(gated.text)")
            let vulnerabilities = try await h.api(.get, "/projects/empty/repositories/app/artifacts/v1/additions/vulnerabilities")
            #expect(vulnerabilities.status == .ok && vulnerabilities.text == "{}")
        }
    }

    @Test func importingAnAdvisoryReevaluatesStoredInventoriesWithoutReadingLayers() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.pyyamlAdvisories])
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"later","metadata":{"auto_scan":"true","prevent_vul":"true","severity":"high"}}"#).status == .created)
            let image = try await h.pushLayeredImage("later/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.5")])])
            let before = try await h.finishedScan("later", "app", "v1")
            #expect(before["scan_status"] as? String == "Success" && before["severity"] as? String == "None", "\(before)")
            #expect(try await h.request(.get, "/v2/later/app/manifests/v1").status == .ok)

            // The layer is gone from storage: re-evaluation must not need it.
            for layer in image.layerDigests { try await h.server.backend.blobs.delete(layer) }
            let summary = try await Self.importAdvisories(h, [Self.pyyamlAdvisories, Self.urllib3Advisories])
            #expect(summary.counts.added == 11 && summary.counts.unchanged == 4 && summary.counts.updated == 0, "\(summary.counts)")
            let outcome = try await ScanReevaluator(database: h.server.database).run()
            #expect(outcome == .init(evaluated: 1, changed: 1))
            let after = try #require(try await h.scanOverview("later", "app", "v1"))
            #expect(after["severity"] as? String == "High", "\(after)")
            #expect(try await h.request(.get, "/v2/later/app/manifests/v1").status == .preconditionFailed)
            #expect(try await ScanReevaluator(database: h.server.database).run() == .init(evaluated: 1, changed: 0))

            // A record withdrawn upstream disappears, and with it its findings.
            let withdrawn = FileManager.default.temporaryDirectory.appendingPathComponent("berth-withdrawn-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: withdrawn, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: withdrawn) }
            try Data(#"{"id":"PYSEC-2023-192","modified":"2030-01-01T00:00:00Z","withdrawn":"2030-01-01T00:00:00Z","affected":[]}"#.utf8)
                .write(to: withdrawn.appendingPathComponent("PYSEC-2023-192.json"))
            #expect(try await Self.importAdvisories(h, [withdrawn]).counts.removed == 1)
            _ = try await ScanReevaluator(database: h.server.database).run()
            let ids = try await Self.reportIDs(h, "/projects/later/repositories/app/artifacts/v1")
            #expect(!ids.contains("CVE-2023-43804") && !ids.isEmpty)
        }
    }

    @Test func aBaseLayerSharedByImagesIsReadOnce() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            _ = try await h.createProject("shared")
            let base = try await ScanFixtures.baseLayer("the shared base")
            try await h.pushLayeredImage("shared/one", reference: "v1", layers: [base, try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.5")])])
            try await h.pushLayeredImage("shared/two", reference: "v1", layers: [base, try await ScanFixtures.pythonLayer([(name: "urllib3", version: "2.0.0")])])
            #expect(try await h.api(.post, "/projects/shared/repositories/one/artifacts/v1/scan").status == .accepted)
            _ = try await h.finishedScan("shared", "one", "v1")
            #expect(try await h.api(.post, "/projects/shared/repositories/two/artifacts/v1/scan").status == .accepted)
            let second = try await h.finishedScan("shared", "two", "v1")
            #expect(second["scan_status"] as? String == "Success")
            let log = try await h.api(.get, "/projects/shared/repositories/two/artifacts/v1/scan/\(second["report_id"] as! String)/log").text
            #expect(log.components(separatedBy: ": cached").count - 1 == 1 && log.components(separatedBy: ": reading").count - 1 == 1, "\(log)")
            #expect(try await LayerInventoryStore(database: h.server.database).count() == 3)
        }
    }

    /// Four scans of images sharing a base, started together on four workers: one reads the base,
    /// the others wait for its result instead of reading it too.
    @Test func concurrentScansReadASharedBaseOnce() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            _ = try await h.createProject("together")
            // 8 MB, so that a read takes long enough for the other workers to reach it meanwhile.
            let base = try await ScanFixtures.baseLayer(String(repeating: "a large shared base ", count: 400_000))
            for n in 1...4 {
                try await h.pushLayeredImage("together/app\(n)", reference: "v1",
                                             layers: [base, try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.\(n)")])])
            }
            // Queued while the queue is paused, so the four workers take them at about the same time.
            #expect(try await h.api(.put, "/jobservice/queues/IMAGE_SCAN", json: #"{"action":"pause"}"#).status == .ok)
            for n in 1...4 {
                #expect(try await h.api(.post, "/projects/together/repositories/app\(n)/artifacts/v1/scan").status == .accepted)
            }
            #expect(try await h.api(.put, "/jobservice/queues/IMAGE_SCAN", json: #"{"action":"resume"}"#).status == .ok)
            var logs = ""
            for n in 1...4 {
                let overview = try await h.finishedScan("together", "app\(n)", "v1")
                #expect(overview["scan_status"] as? String == "Success", "\(overview)")
                logs += try await h.api(.get, "/projects/together/repositories/app\(n)/artifacts/v1/scan/\(overview["report_id"] as! String)/log").text
            }
            let label = "layer \(Digest.of(base))"
            #expect(logs.components(separatedBy: "\(label): reading").count - 1 == 1, "\(logs)")
            #expect(logs.components(separatedBy: "\(label): cached").count - 1 == 3, "\(logs)")
        }
    }

    @Test func anIndexIsScannedPlatformByPlatform() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            _ = try await h.createProject("multi")
            let (amd, arm) = try await h.pushLayeredIndex("multi/app", tag: "v1", amd64: [(name: "urllib3", version: "1.26.5")],
                                                          arm64: [(name: "urllib3", version: "2.2.2")])
            #expect(try await h.api(.post, "/projects/multi/repositories/app/artifacts/v1/scan").status == .accepted)
            let overview = try await h.finishedScan("multi", "app", "v1")
            #expect(overview["scan_status"] as? String == "Success", "\(overview)")
            let amdTotal = try #require(try await h.scanOverview("multi", "app", amd.digest.description)?["summary"] as? [String: Any])["total"] as? Int
            let armTotal = try #require(try await h.scanOverview("multi", "app", arm.digest.description)?["summary"] as? [String: Any])["total"] as? Int
            #expect((overview["summary"] as? [String: Any])?["total"] as? Int == (amdTotal ?? 0) + (armTotal ?? 0))
            #expect((amdTotal ?? 0) > (armTotal ?? 0))
        }
    }

    @Test func badRequestsGetClearErrorsAndChangeNothing() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("bad")
            let image = try await h.pushLayeredImage("bad/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.5")])])
            let path = "/projects/bad/repositories/app/artifacts/v1"
            let unknownType = try await h.api(.post, path + "/scan", json: #"{"scan_type":"malware"}"#)
            #expect(unknownType.status == .badRequest && unknownType.text.contains("unknown scan type malware"))
            #expect(try await h.api(.post, path + "/scan", json: "[1,2").status == .badRequest)

            // A Helm chart is not an image.
            let chartConfig = Array(#"{"name":"mychart","version":"1.0.0","apiVersion":"v2"}"#.utf8)
            let configDigest = try await h.pushBlob(chartConfig, to: "bad/chart")
            let chartLayer = try await h.pushBlob(Array("not really a tgz".utf8), to: "bad/chart")
            let chart = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"\(configDigest)","size":\(chartConfig.count)},\
                "layers":[{"mediaType":"application/vnd.cncf.helm.chart.content.v1.tar+gzip","digest":"\(chartLayer)","size":16}]}
                """.utf8)
            #expect(try await h.putManifest(chart, repository: "bad/chart", reference: "1.0.0").status == .created)
            let chartScan = try await h.api(.post, "/projects/bad/repositories/chart/artifacts/1.0.0/scan")
            #expect(chartScan.status == .badRequest && chartScan.text.contains("does not support scanning"), "\(chartScan.text)")
            #expect(try await h.api(.post, "/projects/bad/repositories/nothing/artifacts/v1/scan").status == .notFound)

            // Stop with nothing running; a second scan while one is pending is a conflict.
            #expect(try await h.api(.post, path + "/scan/stop", json: #"{"scan_type":"vulnerability"}"#).status == .badRequest)
            #expect(try await h.api(.put, "/jobservice/queues/IMAGE_SCAN", json: #"{"action":"pause"}"#).status == .ok)
            #expect(try await h.api(.post, path + "/scan").status == .accepted)
            let again = try await h.api(.post, path + "/scan")
            #expect(again.status == .conflict && again.text.contains("a previous scan process is Pending"), "\(again.text)")
            #expect(try await h.api(.post, path + "/scan/stop", json: #"{"scan_type":"vulnerability"}"#).status == .accepted)
            let stopped = try #require(try await h.scanOverview("bad", "app", "v1"))
            #expect(stopped["scan_status"] as? String == "Stopped")

            // A malformed allowlist is refused whole.
            let duplicate = try await h.api(.put, "/system/CVEAllowlist", json: #"{"items":[{"cve_id":"CVE-1"},{"cve_id":"CVE-1"}]}"#)
            #expect(duplicate.status == .badRequest && duplicate.text.contains("duplicate CVE ID in allowlist: CVE-1"))
            #expect(try await h.api(.put, "/system/CVEAllowlist", json: #"{"items":[{"cve_id":"  "}]}"#).status == .badRequest)
            #expect(try await h.api(.put, "/system/CVEAllowlist", json: #"{"items":"CVE-1"}"#).status == .badRequest)
            #expect((try await h.api(.get, "/system/CVEAllowlist").object()["items"] as? [Any])?.isEmpty == true)
            let member = try await h.member("dev", of: "bad", role: 2)
            #expect(try await h.api(.put, "/system/CVEAllowlist", json: #"{"items":[]}"#, headers: member).status == .forbidden)
            let reports = ScanReportStore(database: h.server.database)
            let chartID = try #require(try await h.server.api.artifacts.artifact(.tag(try Tag("1.0.0")), in: RepositoryName("bad/chart"))?.id)
            #expect(try await reports.reports(manifestIDs: [chartID]).isEmpty, "a refused scan leaves no report")
            #expect(try await reports.reports(manifestIDs: [try #require(try await h.server.api.artifacts.artifact(.digest(image.digest), in: RepositoryName("bad/app"))?.id)])
                .values.flatMap { $0 }.count == 1, "one report, from the accepted scan only")
        }
    }

    @Test func scanAllScansEveryImageAndCountsThemInItsMetrics() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            _ = try await h.createProject("all")
            let empty = try await h.api(.get, "/scans/all/metrics").object()
            #expect(empty["total"] as? Int == 0 && empty["ongoing"] as? Bool == false)
            for n in 1...3 {
                try await h.pushLayeredImage("all/app\(n)", reference: "v1", layers: [try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.\(n)")])])
            }
            _ = try await h.pushLayeredIndex("all/multi", tag: "v1", amd64: [(name: "urllib3", version: "1.26.4")], arm64: [])
            #expect(try await h.api(.post, "/system/scanAll/schedule", json: #"{"schedule":{"type":"Manual"}}"#).status == .created)
            // Generous: on PostgreSQL beside the GC race test the whole suite shares two cores.
            try await eventually(seconds: 240, "scan all finished") {
                let metrics = try await h.api(.get, "/scans/all/metrics").object()
                return metrics["ongoing"] as? Bool == false && metrics["total"] as? Int == 5
            }
            let metrics = try await h.api(.get, "/scans/all/metrics").object()
            #expect(metrics["completed"] as? Int == metrics["total"] as? Int && metrics["trigger"] as? String == "Manual", "\(metrics)")
            #expect((metrics["metrics"] as? [String: Int])?["Success"] == metrics["total"] as? Int, "\(metrics)")
            #expect(try await h.scanOverview("all", "app2", "v1")?["scan_status"] as? String == "Success")
            #expect(try await h.scanOverview("all", "multi", "v1")?["scan_status"] as? String == "Success")
            #expect(try await h.api(.get, "/scans/schedule/metrics").object()["total"] as? Int == 0, "no scheduled run yet")
            #expect(try await h.api(.post, "/system/scanAll/stop").status == .badRequest, "nothing is running")

            // A daily schedule in Harbor's shape; pausing the scan queue leaves a stoppable run.
            #expect(try await h.api(.post, "/system/scanAll/schedule", json: #"{"schedule":{"type":"Daily","cron":"0 0 3 * * *"}}"#).status == .created)
            let schedule = try await h.api(.get, "/system/scanAll/schedule").object()
            #expect((schedule["schedule"] as? [String: Any])?["cron"] as? String == "0 0 3 * * *")
            #expect(try await h.api(.put, "/jobservice/queues/IMAGE_SCAN", json: #"{"action":"pause"}"#).status == .ok)
            #expect(try await h.api(.post, "/system/scanAll/schedule", json: #"{"schedule":{"type":"Manual"}}"#).status == .created)
            try await eventually(seconds: 240, "the second scan all queued its scans") {
                try await h.api(.get, "/scans/all/metrics").object()["total"] as? Int == 5
            }
            #expect(try await h.api(.post, "/system/scanAll/stop").status == .accepted)
            let stopped = try await h.api(.get, "/scans/all/metrics").object()
            #expect((stopped["metrics"] as? [String: Int])?["Stopped"] == 5, "\(stopped)")
            let user = try await h.createUser("viewer")
            #expect(try await h.api(.get, "/scans/all/metrics", headers: Harness.basic("viewer", user.password)).status == .forbidden)
        }
    }

    @Test func theGateHoldsImagesNotTheirSignaturesAndCannotBeTalkedPast() async throws {
        try await Harness.run { h in
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"held","metadata":{"auto_scan":"true","prevent_vul":"true","severity":"medium"}}"#).status == .created)
            let vulnerable = try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.5")])
            let (amd, _) = try await h.pushLayeredIndex("held/app", tag: "v1", amd64: [(name: "urllib3", version: "1.26.5")], arm64: [])
            try await eventually("both platforms scanned") {
                try await h.scanOverview("held", "app", "v1")?["scan_status"] as? String == "Success"
            }
            // The index passes; its image, pulled by digest as clients do next, does not.
            var accept = Harness.admin
            accept[.accept] = MediaType.ociIndex
            #expect(try await h.request(.get, "/v2/held/app/manifests/v1", headers: accept).status == .ok)
            #expect(try await h.request(.get, "/v2/held/app/manifests/\(amd.digest)").status == .preconditionFailed)
            // The index's report holds its images' findings.
            let merged = try await Self.reportIDs(h, "/projects/held/repositories/app/artifacts/v1")
            #expect(merged.contains("CVE-2023-43804"))

            // A cosign signature (an image config over a simplesigning layer) is neither scanned nor held.
            let payload = Array(#"{"critical":{"identity":{"docker-reference":"held/app"}}}"#.utf8)
            let payloadDigest = try await h.pushBlob(payload, to: "held/app")
            let config = Array(#"{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":["\#(payloadDigest)"]}}"#.utf8)
            let configDigest = try await h.pushBlob(config, to: "held/app")
            let signature = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},\
                "layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\(payloadDigest)","size":\(payload.count)}]}
                """.utf8)
            let sigTag = "sha256-\(amd.digest.hex).sig"
            #expect(try await h.putManifest(signature, repository: "held/app", reference: sigTag).status == .created)
            #expect(try await h.request(.get, "/v2/held/app/manifests/\(sigTag)").status == .ok)
            #expect(try await h.api(.post, "/projects/held/repositories/app/artifacts/\(sigTag)/scan").status == .badRequest)
            let sigRecord = try #require(try await h.server.api.artifacts.artifact(.digest(Digest.of(signature)), in: RepositoryName("held/app")))
            #expect(try await ScanReportStore(database: h.server.database).reports(manifestIDs: [sigRecord.id]).isEmpty, "auto-scan left it alone")

            // An image claiming the diff id of a layer already inventoried still has its own layer read.
            let claimed = try await h.pushLayeredImage("held/clean", reference: "v1", layers: [try await ScanFixtures.pythonLayer([(name: "urllib3", version: "2.2.2")])])
            _ = try await h.finishedScan("held", "clean", "v1")
            let liarLayer = try await h.pushBlob(vulnerable, to: "held/liar")
            let liarConfig = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(claimed.layerDigests[0])"]}}"#.utf8)
            let liarConfigDigest = try await h.pushBlob(liarConfig, to: "held/liar")
            let liar = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(liarConfigDigest)","size":\(liarConfig.count)},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(liarLayer)","size":\(vulnerable.count)}]}
                """.utf8)
            #expect(try await h.putManifest(liar, repository: "held/liar", reference: "v1").status == .created)
            let lied = try await h.finishedScan("held", "liar", "v1")
            #expect(lied["severity"] as? String == "High", "\(lied)")
            #expect(try await h.request(.get, "/v2/held/liar/manifests/v1").status == .preconditionFailed)

            // A layer that cannot be read to the end gives an Error, never a clean report, and the gate holds.
            let broken = Array("not a gzip stream at all".utf8)
            let brokenDigest = try await h.pushBlob(broken, to: "held/broken")
            let brokenConfig = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(Digest.of(broken))"]}}"#.utf8)
            let brokenConfigDigest = try await h.pushBlob(brokenConfig, to: "held/broken")
            let brokenManifest = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(brokenConfigDigest)","size":\(brokenConfig.count)},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(brokenDigest)","size":\(broken.count)}]}
                """.utf8)
            #expect(try await h.putManifest(brokenManifest, repository: "held/broken", reference: "v1").status == .created)
            let failed = try await h.finishedScan("held", "broken", "v1")
            #expect(failed["scan_status"] as? String == "Error", "\(failed)")
            let refused = try await h.request(.get, "/v2/held/broken/manifests/v1")
            #expect(refused.status == .preconditionFailed && refused.text.contains("\\\"Error\\\" status"), "\(refused.text)")

            // A clean image whose rescan fails is held again.
            let cleanManifest = try await h.request(.get, "/v2/held/clean/manifests/v1")
            #expect(cleanManifest.status == .ok)
            struct ConfigRef: Decodable { struct C: Decodable { let digest: String }; let config: C }
            let cleanConfig = try JSONDecoder().decode(ConfigRef.self, from: Data(cleanManifest.bytes)).config.digest
            try await h.server.backend.blobs.delete(try Digest(parsing: cleanConfig))
            #expect(try await h.api(.post, "/projects/held/repositories/clean/artifacts/v1/scan").status == .accepted)
            try await eventually("the rescan failed") {
                try await h.scanOverview("held", "clean", "v1")?["scan_status"] as? String == "Error"
            }
            #expect(try await h.request(.get, "/v2/held/clean/manifests/v1").status == .preconditionFailed)
        }
    }

    @Test func theBuiltInScannerIsHarborsDefaultRegistration() async throws {
        try await Harness.run { h in
            let listed = try await h.api(.get, "/scanners")
            #expect(listed.header("X-Total-Count") == "1")
            let registration = try #require(try listed.array().first)
            #expect(registration["is_default"] as? Bool == true && registration["name"] as? String == "Berth")
            let uuid = try #require(registration["uuid"] as? String)
            let before = try await h.api(.get, "/scanners/\(uuid)/metadata").object()
            #expect((before["properties"] as? [String: String])?["harbor.scanner-adapter/vulnerability-database-updated-at"] == nil)
            _ = try await Self.importAdvisories(h, [Self.urllib3Advisories])
            let metadata = try await h.api(.get, "/scanners/\(uuid)/metadata").object()
            let properties = try #require(metadata["properties"] as? [String: String])
            #expect(properties["harbor.scanner-adapter/vulnerability-database-updated-at"]?.hasPrefix("20") == true)
            #expect(properties["berth.vulnerability-database/advisories"] == "11")
            #expect(((metadata["capabilities"] as? [[String: Any]])?.first?["consumes_mime_types"] as? [String])?.contains(MediaType.ociManifest) == true)
            #expect((metadata["capabilities"] as? [[String: Any]])?.compactMap { $0["type"] as? String } == ["vulnerability", "sbom"])
            #expect(try await h.api(.patch, "/scanners/\(uuid)", json: #"{"is_default":true}"#).status == .ok)
            #expect(try await h.api(.get, "/scanners/nope").status == .notFound)
            _ = try await h.createProject("p")
            #expect(try await h.api(.get, "/projects/p/scanner").object()["uuid"] as? String == uuid)
            #expect(try await h.api(.put, "/projects/p/scanner", json: #"{"uuid":"\#(uuid)"}"#).status == .ok)
            #expect(try await h.api(.put, "/projects/p/scanner", json: #"{"uuid":"nope"}"#).status == .notFound)
            #expect(try await h.api(.get, "/projects/p/scanner/candidates").header("X-Total-Count") == "1")
            let user = try await h.createUser("nobody")
            #expect(try await h.api(.get, "/scanners", headers: Harness.basic("nobody", user.password)).status == .forbidden)
        }
    }
}
