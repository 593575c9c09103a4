import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `/api/v2.0/health` in Harbor's shape, and Harbor's read-only mode through `/configurations`.
@Suite struct OperationsAPITests {
    static func components(_ response: TestResponse) throws -> [String: [String: Any]] {
        let list = try #require(try response.object()["components"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as! String, $0) })
    }

    @Test func healthListsHarborsComponentsAndSaysWhichFails() async throws {
        try await Harness.run { h in
            try await eventually("a healthy service") {
                try await h.api(.get, "/health", headers: [:]).object()["status"] as? String == "healthy"
            }
            let healthy = try await h.api(.get, "/health", headers: [:])
            #expect(try Set(Self.components(healthy).keys) == ["core", "database", "storage", "jobservice", "scanner"])

            // Storage that refuses writes: its directory replaced by a file.
            let root = h.server.configuration.effectiveFilesystemRoot
            let aside = root + ".aside"
            try FileManager.default.moveItem(atPath: root, toPath: aside)
            FileManager.default.createFile(atPath: root, contents: Data("not a directory".utf8))
            defer {
                try? FileManager.default.removeItem(atPath: root)
                try? FileManager.default.moveItem(atPath: aside, toPath: root)
            }
            // A default external scanner that does not answer.
            let registered = try await h.api(.post, "/scanners", json: #"{"name":"gone","url":"http://127.0.0.1:9"}"#)
            #expect(registered.status == .created, "\(registered.text)")
            let scannerID = try #require(registered.header("Location")?.split(separator: "/").last)
            #expect(try await h.api(.patch, "/scanners/\(scannerID)", json: #"{"is_default":true}"#).status == .ok)
            // Answers are kept 5 s: the next check sees the change.
            try await Task.sleep(for: .milliseconds(5_100))
            let anonymous = try await h.api(.get, "/health", headers: [:])
            #expect(anonymous.status == .ok)
            #expect(try anonymous.object()["status"] as? String == "unhealthy")
            let storage = try #require(try Self.components(anonymous)["storage"])
            #expect(storage["status"] as? String == "unhealthy" && storage["error"] as? String == "unavailable")
            #expect(try Self.components(anonymous)["database"]?["status"] as? String == "healthy")
            #expect(try Self.components(anonymous)["scanner"]?["status"] as? String == "unhealthy")
            // An administrator is told why.
            let detailed = try #require(try Self.components(try await h.api(.get, "/health"))["storage"])
            #expect((detailed["error"] as? String).map { $0 != "unavailable" && !$0.isEmpty } == true, "\(detailed)")
        }
    }

    @Test func volumesReportTheLocalDiskToAdministratorsOnly() async throws {
        try await Harness.run { h in
            let volumes = try await h.api(.get, "/systeminfo/volumes")
            #expect(volumes.status == .ok, "\(volumes.text)")
            let storage = try #require((try volumes.object()["storage"] as? [[String: Any]])?.first)
            let total = try #require(storage["total"] as? Int64 ?? (storage["total"] as? Int).map(Int64.init))
            let free = try #require(storage["free"] as? Int64 ?? (storage["free"] as? Int).map(Int64.init))
            #expect(total > 0 && free >= 0 && free <= total)
            let user = try await h.createUser("diskless")
            #expect(try await h.api(.get, "/systeminfo/volumes", headers: Harness.basic("diskless", user.password)).status == .forbidden)
            #expect(try await h.api(.get, "/systeminfo/volumes", headers: [:]).status == .unauthorized)
            // No CA of Berth's own without tls: auto.
            #expect(try await h.api(.get, "/systeminfo/getcert", headers: [:]).status == .notFound)
        }
    }

    @Test func readOnlyRefusesEveryChangeButItsOwnUntilTurnedOff() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.put, "/configurations", json: #"{"read_only":"yes"}"#).status == .badRequest)
            #expect(try await h.api(.put, "/configurations", json: #"{"read_only":true}"#).status == .ok)
            #expect(try await h.api(.get, "/configurations").object()["read_only"] as? [String: Any] != nil)
            #expect(try await h.api(.get, "/systeminfo").object()["read_only"] as? Bool == true)

            let refused = try await h.api(.post, "/projects", json: #"{"project_name":"while-read-only"}"#)
            #expect(refused.status == .forbidden && refused.errorCode == "DENIED", "\(refused.text)")
            #expect(refused.text.contains("The system is in read only mode. Any modification is prohibited."))
            let upload = try await h.request(.post, "/v2/library/app/blobs/uploads/")
            #expect(upload.status == .forbidden && upload.errorCode == "DENIED", "\(upload.text)")
            // Reading goes on.
            #expect(try await h.api(.get, "/projects").status == .ok)
            #expect(try await h.request(.get, "/v2/_catalog").status == .ok)

            #expect(try await h.api(.put, "/configurations", json: #"{"read_only":false}"#).status == .ok)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"after-read-only"}"#).status == .created)
            #expect(try await h.api(.get, "/systeminfo").object()["read_only"] as? Bool == false)
        }
    }
}

/// `/metrics` in Prometheus' text format.
@Suite struct MetricsEndpointTests {
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func requestsJobQueuesAndUploadsAreCounted() async throws {
        try await Harness.run(configure: { $0.metricsEnabled = true }) { h in
            let series = #"hb_requests{http_route="/api/v2.0/ping",http_request_method="GET",http_response_status_code="200"}"#
            // An open upload first: the database's values are read with the first scrape.
            let upload = try await h.request(.post, "/v2/library/app/blobs/uploads/")
            #expect(upload.status == .accepted)
            let before = Self.value(try await h.request(.get, "/metrics", headers: [:]).text, series) ?? 0
            for _ in 0..<3 { #expect(try await h.api(.get, "/ping", headers: [:]).status == .ok) }

            let scraped = try await h.request(.get, "/metrics", headers: [:])
            #expect(scraped.status == .ok && scraped.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = scraped.text
            #expect((Self.value(text, series) ?? 0) >= before + 3, "\(text.prefix(2000))")
            #expect(text.contains("# TYPE http_server_request_duration histogram"))
            #expect(text.contains(#"berth_job_queue_pending{job_type="GARBAGE_COLLECTION"}"#))
            #expect((Self.value(text, "berth_upload_sessions_open") ?? 0) >= 1)
        }
    }

    /// The registry is process-wide, and other tests may count at the same time: each check is a
    /// lower bound on the growth this test caused.
    @Test func bodyBytesGarbageCollectionAndTheDatabaseAreCounted() async throws {
        try await Harness.run(configure: { $0.metricsEnabled = true }) { h in
            let metrics: @Sendable () async throws -> String = { try await h.request(.get, "/metrics", headers: [:]).text }
            let before = try await metrics()
            let received = Self.value(before, "berth_http_request_body_bytes_total") ?? 0
            let sent = Self.value(before, "berth_http_response_body_bytes_total") ?? 0
            let freed = Self.value(before, "berth_gc_freed_bytes_total") ?? 0

            let layer = [UInt8](repeating: 7, count: 300_000)
            let digest = try await h.pushBlob(layer, to: "library/bytes")
            #expect(try await h.request(.get, "/v2/library/bytes/blobs/\(digest)").bytes.count == layer.count)
            let afterTransfer = try await metrics()
            #expect((Self.value(afterTransfer, "berth_http_request_body_bytes_total") ?? 0) >= received + 300_000)
            #expect((Self.value(afterTransfer, "berth_http_response_body_bytes_total") ?? 0) >= sent + 300_000)
            let limit = h.server.database.kind == .sqlite ? 5.0 : 16.0  // SQLite: one writer and four readers
            #expect(Self.value(afterTransfer, "berth_database_connections_limit") == limit)
            #expect(Self.value(afterTransfer, "berth_database_operations_active") != nil)

            // An image whose only tag goes: garbage collection frees its layer.
            _ = try await h.pushImage("library/doomed", tag: "v1", layer: String(repeating: "doomed layer ", count: 10_000))
            #expect(try await h.api(.delete, "/projects/library/repositories/doomed/artifacts/v1/tags/v1").status == .ok)
            let started = try await h.api(.post, "/system/gc/schedule", json: #"{"schedule":{"type":"Manual"},"parameters":{"delete_untagged":true}}"#)
            #expect(started.status == .created, "\(started.text)")
            let id = try #require(started.header("Location")?.split(separator: "/").last.map(String.init))
            try await eventually("the GC to finish") { try await h.api(.get, "/system/gc/\(id)").object()["job_status"] as? String == "Success" }
            try await eventually("the freed bytes to be counted") {
                (Self.value(try await metrics(), "berth_gc_freed_bytes_total") ?? 0) >= freed + 130_000
            }
        }
    }

    @Test func metricsAreOffUnlessConfigured() async throws {
        try await Harness.run { h in
            let response = try await h.request(.get, "/metrics", headers: [:])
            #expect(response.status == .notFound)
        }
    }
}

/// Harbor's project settings in `/configurations`: who may create projects, and the quota a new
/// project gets when it names none.
@Suite struct ProjectSettingsTests {
    @Test func adminOnlyCreationAndTheDefaultQuotaApply() async throws {
        try await Harness.run { h in
            _ = try await h.createUser("pat", password: "Pat-Passw0rd1")
            let pat = Harness.basic("pat", "Pat-Passw0rd1")
            for bad in [#"{"project_creation_restriction":"nobody"}"#, #"{"storage_per_project":-2}"#, #"{"storage_per_project":"10"}"#] {
                #expect(try await h.api(.put, "/configurations", json: bad).status == .badRequest, "\(bad)")
            }
            #expect(try await h.api(.put, "/configurations",
                                    json: #"{"project_creation_restriction":"adminonly","storage_per_project":1073741824}"#).status == .ok)
            let settings = try await h.api(.get, "/configurations").object()
            #expect((settings["storage_per_project"] as? [String: Any])?["value"] as? Int == 1_073_741_824)
            #expect(try await h.api(.get, "/systeminfo", headers: pat).object()["project_creation_restriction"] as? String == "adminonly")

            let refused = try await h.api(.post, "/projects", json: #"{"project_name":"pats"}"#, headers: pat)
            #expect(refused.status == .forbidden && refused.text.contains("adminonly"))
            let id = try await h.createProject("quota-default")
            let summary = try await h.api(.get, "/projects/\(id)/summary").object()
            #expect(((summary["quota"] as? [String: Any])?["hard"] as? [String: Any])?["storage"] as? Int == 1_073_741_824)
            // A quota named at creation wins over the default.
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"own-quota","storage_limit":-1}"#).status == .created)

            #expect(try await h.api(.put, "/configurations", json: #"{"project_creation_restriction":"everyone"}"#).status == .ok)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"pats"}"#, headers: pat).status == .created)
        }
    }
}
