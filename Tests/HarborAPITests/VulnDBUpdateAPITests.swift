import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

/// Advisory updates from a registry (`/system/vulndb`): the advisories as an OCI artifact whose
/// layers are OSV files, pulled from a live Berth over loopback (token dance included) by the
/// `VULNDB_UPDATE` job, imported incrementally, with Harbor's system-job history and log.
@Suite struct VulnDBUpdateAPITests {
    /// Pushes two urllib3 advisories of the shared corpus as the layers of `osv/db:<tag>`.
    static func pushAdvisoryArtifact(_ h: Harness, tag: String, files: Int = 2) async throws {
        let directory = SharedCorpus.vulndb.appendingPathComponent("pypi/urllib3")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().prefix(files)
        var layers: [String] = []
        for name in names {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            let digest = try await h.pushBlob(bytes, to: "osv/db")
            layers.append(#"{"mediaType":"application/yaml","digest":"\#(digest)","size":\#(bytes.count),"annotations":{"org.opencontainers.image.title":"\#(name)"}}"#)
        }
        let config = try await h.pushBlob(Array("{}".utf8), to: "osv/db")
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"application/vnd.osv.advisories.v1",\
            "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(config)","size":2},"layers":[\(layers.joined(separator: ","))]}
            """.utf8)
        #expect(try await h.putManifest(manifest, repository: "osv/db", reference: tag).status == .created)
    }

    static func run(_ h: Harness, url: String) async throws -> (status: String, log: String) {
        let started = try await h.api(.post, "/system/vulndb/schedule", json: #"{"schedule":{"type":"Manual"},"parameters":{"url":"\#(url)"}}"#)
        #expect(started.status == .created, "\(started.text)")
        let location = try #require(started.header("Location"))
        let id = try #require(Int(location.split(separator: "/").last ?? ""))
        try await eventually(seconds: 120, "the advisory update finished") {
            ["Success", "Error", "Stopped"].contains(try await h.api(.get, "/system/vulndb/\(id)").object()["job_status"] as? String ?? "")
        }
        let status = try await h.api(.get, "/system/vulndb/\(id)").object()["job_status"] as? String ?? ""
        return (status, try await h.api(.get, "/system/vulndb/\(id)/log").text)
    }

    @Test func advisoriesImportFromAnArtifactInARegistryAndAgainIncrementally() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"osv","metadata":{"public":"true"}}"#).status == .created)
            try await Self.pushAdvisoryArtifact(h, tag: "v1")
            let url = "oci+http://127.0.0.1:\(port)/osv/db:v1"

            let first = try await Self.run(h, url: url)
            #expect(first.status == "Success" && first.log.contains("2 added, 0 updated, 0 removed"), "\(first.log)")
            #expect(first.log.contains("PyPI: 2 advisories"), "\(first.log)")
            let metadata = try await h.api(.get, "/scanners/berth-builtin-scanner/metadata").object()
            #expect((metadata["properties"] as? [String: String])?["harbor.scanner-adapter/vulnerability-database-updated-at"] != nil, "\(metadata)")

            let info = try await h.api(.get, "/systeminfo").object()
            let database = try #require(info["vulnerability_database"] as? [String: Any], "\(info)")
            #expect(database["advisories"] as? Int == 2 && (database["ecosystems"] as? [String: Int])?["PyPI"] == 2 && database["updated_at"] is String)
            let anonymous = try await h.api(.get, "/systeminfo", headers: [:]).object()
            #expect(anonymous["auth_mode"] as? String == "db_auth" && anonymous["vulnerability_database"] == nil && anonymous["external_url"] == nil)

            // The same artifact again changes nothing; a newer one with a third record adds it.
            let again = try await Self.run(h, url: url)
            #expect(again.status == "Success" && again.log.contains("0 added, 0 updated, 0 removed, 2 unchanged"), "\(again.log)")
            try await Self.pushAdvisoryArtifact(h, tag: "v2", files: 3)
            let newer = try await Self.run(h, url: "oci+http://127.0.0.1:\(port)/osv/db:v2")
            #expect(newer.log.contains("1 added, 0 updated, 0 removed, 2 unchanged"), "\(newer.log)")

            let history = try await h.api(.get, "/system/vulndb").array()
            let urls = history.compactMap { ($0["job_parameters"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }?["url"] }
            #expect(urls == ["oci+http://127.0.0.1:\(port)/osv/db:v2", url, url], "\(history)")
        }
    }

    @Test func unreachableOrMissingSourcesFailWithTheirReasonAndBadRequestsQueueNothing() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            let nowhere = try await Self.run(h, url: "oci+http://127.0.0.1:9/osv/db:v1")
            #expect(nowhere.status == "Error" && nowhere.log.contains("could not be reached"), "\(nowhere.log)")
            let missing = try await Self.run(h, url: "oci+http://127.0.0.1:\(port)/library/none:v1")
            #expect(missing.status == "Error" && missing.log.contains("404"), "\(missing.log)")
            let info = try await h.api(.get, "/systeminfo").object()
            #expect((info["vulnerability_database"] as? [String: Any])?["advisories"] as? Int == 0, "\(info)")
            #expect((info["vulnerability_database"] as? [String: Any])?["updated_at"] is NSNull, "no import yet: \(info)")
            let empty = try await h.api(.get, "/scanners/berth-builtin-scanner/metadata").object()
            #expect((empty["properties"] as? [String: String])?["harbor.scanner-adapter/vulnerability-database-updated-at"] == nil, "nothing was imported: \(empty)")

            for body in [#"{"schedule":{"type":"Manual"}}"#, #"{"schedule":{"type":"Manual"},"parameters":{"url":"/etc"}}"#,
                         #"{"schedule":{"type":"Manual"},"parameters":{"url":"ftp://x/all.zip"}}"#,
                         #"{"schedule":{"type":"Manual"},"parameters":{"url":"oci://registry.example.com"}}"#,
                         #"{"schedule":{"type":"Manual"},"parameters":{"url":"https://user:secret@mirror.example.com/all.zip"}}"#] {
                let refused = try await h.api(.post, "/system/vulndb/schedule", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.get, "/system/vulndb").array().count == 2)
            // A daily update, as Harbor schedules its system jobs.
            #expect(try await h.api(.post, "/system/vulndb/schedule", json: #"{"schedule":{"type":"Daily","cron":"0 0 4 * * *"},"parameters":{"url":"https://mirror.example.com/all.zip"}}"#).status == .created)
            let schedule = try await h.api(.get, "/system/vulndb/schedule").object()
            #expect((schedule["schedule"] as? [String: Any])?["cron"] as? String == "0 0 4 * * *", "\(schedule)")
            let user = try await h.createUser("viewer")
            #expect(try await h.api(.get, "/system/vulndb", headers: Harness.basic("viewer", user.password)).status == .forbidden)
        }
    }
}
