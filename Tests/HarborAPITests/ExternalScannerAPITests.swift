import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import SQLKit
import Testing

/// External scanners (`POST /scanners`) driven by Berth as Harbor drives Trivy's adapter: here the
/// adapter is Berth's own Pluggable Scanner API on its live loopback socket, so every step (the
/// scan request, the scoped pull token, the polled report) crosses real HTTP.
@Suite struct ExternalScannerAPITests {
    static func registration(port: Int, name: String = "loop", password: String = Harness.password) -> String {
        #"{"name":"\#(name)","description":"Berth as its own adapter","url":"http://127.0.0.1:\#(port)","auth":"Basic","access_credential":"admin:\#(password)"}"#
    }

    @Test func aProjectScannedThroughARegisteredAdapterGetsItsReportBehindTheGate() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            _ = try await ScanAPITests.importAdvisories(h, [ScanAPITests.urllib3Advisories, ScanAPITests.pyyamlAdvisories])
            let created = try await h.api(.post, "/scanners", json: Self.registration(port: port))
            #expect(created.status == .created, "\(created.text)")
            let uuid = String(try #require(created.header("Location")).split(separator: "/").last!)

            let listed = try await h.api(.get, "/scanners").array()
            #expect(listed.map { $0["name"] as? String } == ["Berth", "loop"] && listed.allSatisfy { ($0["access_credential"] as? String) == "" })
            // At rest the credential is sealed with the instance's key.
            let stored = try await h.server.database.read { db in
                try await db.raw("SELECT access_credential FROM scanner_registrations").first()!.decode(column: "access_credential", as: String.self)
            }
            #expect(stored.hasPrefix("v1:") && !stored.contains(Harness.password), "\(stored)")
            #expect(listed.first?["is_default"] as? Bool == true && listed.last?["is_default"] as? Bool == false)
            #expect(try await h.api(.post, "/scanners/ping", json: Self.registration(port: port)).status == .ok)
            let metadata = try await h.api(.get, "/scanners/\(uuid)/metadata").object()
            #expect((metadata["scanner"] as? [String: Any])?["name"] as? String == "Berth", "\(metadata)")

            // The project chooses it, and refuses pulls of images it has not cleared: the adapter's
            // token carries scanner-pull, so the gate still lets the adapter read the image.
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"ext","metadata":{"prevent_vul":"true","severity":"high"}}"#).status == .created)
            #expect(try await h.api(.put, "/projects/ext/scanner", json: #"{"uuid":"\#(uuid)"}"#).status == .ok)
            #expect(try await h.api(.get, "/projects/ext/scanner").object()["name"] as? String == "loop")
            let layers = [try await ScanFixtures.pythonLayer(ScanAPITests.vulnerablePython)]
            let image = try await h.pushLayeredImage("ext/app", reference: "v1", layers: layers)
            #expect(try await h.api(.post, "/projects/ext/repositories/app/artifacts/v1/scan").status == .accepted)
            let overview = try await h.finishedScan("ext", "app", "v1")
            #expect(overview["scan_status"] as? String == "Success", "\(overview)")
            let found = try await ScanAPITests.reportIDs(h, "/projects/ext/repositories/app/artifacts/v1")
            let expected = try await ScanAPITests.engineFindings(layers, advisories: [ScanAPITests.urllib3Advisories, ScanAPITests.pyyamlAdvisories])
            #expect(!found.isEmpty && found == expected, "\(found) vs \(expected)")
            let rows = try await h.api(.get, "/security/vul?q=digest%3D\(image.digest)&page_size=100").array()
            #expect(Set(rows.compactMap { $0["cve_id"] as? String }) == found)

            #expect((overview["scanner"] as? [String: Any])?["name"] as? String == "Berth", "the adapter's own name, from its report")
            // A CVE export names the registration that scanned.
            let projectID = try #require(try await h.api(.get, "/projects/ext").object()["project_id"] as? Int)
            let export = try await h.api(.post, "/export/cve", json: #"{"projects":[\#(projectID)]}"#, headers: SecurityHubAPITests.exportHeaders())
            let exportID = try #require(try export.object()["id"] as? Int)
            try await eventually(seconds: 120, "the export finished") {
                try await h.api(.get, "/export/cve/execution/\(exportID)").object()["status"] as? String == "Success"
            }
            let csv = try await h.api(.get, "/export/cve/download/\(exportID)").text
            let csvRows = csv.split(separator: "\r\n").dropFirst()
            #expect(!csvRows.isEmpty && csvRows.allSatisfy { $0.hasSuffix(",loop") }, "\(csv)")

            // The gate now judges by the adapter's report.
            #expect(try await h.request(.get, "/v2/ext/app/manifests/v1").status == .preconditionFailed)
            // The same numbers as the built-in scanner's for the same image.
            _ = try await h.createProject("int")
            _ = try await h.pushLayeredImage("int/app", reference: "v1", layers: layers)
            #expect(try await h.api(.post, "/projects/int/repositories/app/artifacts/v1/scan").status == .accepted)
            let builtIn = try await h.finishedScan("int", "app", "v1")
            #expect(builtIn["severity"] as? String == overview["severity"] as? String)
            #expect(NSDictionary(dictionary: builtIn["summary"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: overview["summary"] as? [String: Any] ?? [:]),
                    "\(builtIn) vs \(overview)")

            // The adapter as the system default: projects without a choice use it.
            #expect(try await h.api(.patch, "/scanners/\(uuid)", json: #"{"is_default":true}"#).status == .ok)
            _ = try await h.createProject("other")
            #expect(try await h.api(.get, "/projects/other/scanner").object()["name"] as? String == "loop")
            #expect(try await h.api(.get, "/scanners").array().first?["is_default"] as? Bool == false)
            // The default cannot be disabled; once the built-in scanner is the default again it can,
            // and projects that chose it fall back to the default.
            let disable = #"{"name":"loop","url":"http://127.0.0.1:\#(port)","auth":"Basic","disabled":true}"#
            #expect(try await h.api(.put, "/scanners/\(uuid)", json: disable).status == .badRequest)
            #expect(try await h.api(.patch, "/scanners/berth-builtin-scanner", json: #"{"is_default":true}"#).status == .ok)
            #expect(try await h.api(.put, "/scanners/\(uuid)", json: disable).status == .ok)
            #expect(try await h.api(.get, "/projects/ext/scanner").object()["name"] as? String == "Berth")
            let deleted = try await h.api(.delete, "/scanners/\(uuid)")
            let deletedName = try deleted.object()["name"] as? String
            #expect(deleted.status == .ok && deletedName == "loop")
            #expect(try await h.api(.get, "/scanners/\(uuid)").status == .notFound)
        }
    }

    @Test func badRegistrationsAndUnreachableAdaptersGetClearErrors() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            for body in [#"{"url":"http://127.0.0.1:1"}"#, #"{"name":"x","url":"ftp://host"}"#, #"{"name":"x","url":"http://h","auth":"Digest","access_credential":"a"}"#,
                         #"{"name":"x","url":"http://h","auth":"Basic"}"#, #"{"name":"x","url":"http://h","auth":"Basic","access_credential":"nocolon"}"#, "{"] {
                let refused = try await h.api(.post, "/scanners", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.post, "/scanners", json: Self.registration(port: port)).status == .created)
            #expect(try await h.api(.post, "/scanners", json: Self.registration(port: port)).status == .conflict)
            #expect(try await h.api(.delete, "/scanners/berth-builtin-scanner").status == .badRequest)
            // The stored credential is never sent to a new address: moving the adapter needs it again.
            let registered = try await h.api(.get, "/scanners").array().last
            let id = try #require(registered?["uuid"] as? String)
            #expect(try await h.api(.put, "/scanners/\(id)", json: #"{"name":"loop","url":"http://127.0.0.2:\#(port)","auth":"Basic"}"#).status == .badRequest)
            #expect(try await h.api(.put, "/scanners/\(id)", json: #"{"name":"loop","url":"http://127.0.0.1:\#(port)","auth":"Basic","description":"same place"}"#).status == .ok)
            #expect(try await h.api(.get, "/scanners/nothing").status == .notFound)

            let closed = try await h.api(.post, "/scanners/ping", json: #"{"name":"gone","url":"http://127.0.0.1:9"}"#)
            #expect(closed.status == .badRequest && closed.text.contains("could not be reached"), "\(closed.text)")
            let wrong = try await h.api(.post, "/scanners/ping", json: Self.registration(port: port, password: "Wrong-Passw0rd"))
            #expect(wrong.status == .badRequest && wrong.text.contains("refused") && !wrong.text.contains("Wrong-Passw0rd"), "\(wrong.text)")
            let user = try await h.createUser("viewer")
            #expect(try await h.api(.post, "/scanners", json: Self.registration(port: port, name: "mine"), headers: Harness.basic("viewer", user.password)).status == .forbidden)

            // A project whose scanner does not answer: the scan ends in Error, and its log says why.
            _ = try await ScanAPITests.importAdvisories(h, [ScanAPITests.urllib3Advisories])
            let gone = try await h.api(.post, "/scanners", json: #"{"name":"gone","url":"http://127.0.0.1:9"}"#)
            let uuid = String(try #require(gone.header("Location")).split(separator: "/").last!)
            _ = try await h.createProject("lost")
            #expect(try await h.api(.put, "/projects/lost/scanner", json: #"{"uuid":"\#(uuid)"}"#).status == .ok)
            _ = try await h.pushLayeredImage("lost/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer([(name: "urllib3", version: "1.26.5")])])
            #expect(try await h.api(.post, "/projects/lost/repositories/app/artifacts/v1/scan").status == .accepted)
            let overview = try await h.finishedScan("lost", "app", "v1")
            #expect(overview["scan_status"] as? String == "Error", "\(overview)")
            let reportID = try #require(overview["report_id"] as? String)
            let log = try await h.api(.get, "/projects/lost/repositories/app/artifacts/v1/scan/\(reportID)/log").text
            #expect(log.contains("could not be reached"), "\(log)")
        }
    }
}
