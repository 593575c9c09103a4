import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing

/// Berth as another registry's scanner (the Pluggable Scanner API v1.2 at `/api/v1`), over a
/// live loopback socket: the scan request names a registry (here the same Berth, reached over
/// HTTP like any other) and a pull credential; the job pulls the image with it, and the report the
/// caller polls equals what the built-in scan of the same image reports.
@Suite struct ScannerAdapterAPITests {
    static let reportType = "application/vnd.security.vulnerability.report; version=1.1"

    static func scanBody(port: Int, repository: String, digest: Digest, authorization: String?,
                         mimeType: String = MediaType.ociManifest) -> String {
        let auth = authorization.map { #","authorization":"\#($0)""# } ?? ""
        return """
            {"registry":{"url":"http://127.0.0.1:\(port)"\(auth)},\
            "artifact":{"repository":"\(repository)","digest":"\(digest)","tag":"v1","mime_type":"\(mimeType)"},\
            "enabled_capabilities":[{"type":"vulnerability"}]}
            """
    }

    /// Polls the report as Harbor does: 302 with Refresh-After until it is ready.
    static func report(_ h: Harness, _ id: String, headers: HTTPFields = Harness.admin) async throws -> TestResponse {
        var headers = headers
        headers[.accept] = reportType
        for _ in 0..<600 {
            let response = try await h.request(.get, "/api/v1/scan/\(id)/report", headers: headers)
            guard response.status == .found else { return response }
            #expect(response.header("Refresh-After") == "2")
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the report of \(id) was not ready in 120 s")
        return try await h.request(.get, "/api/v1/scan/\(id)/report", headers: headers)
    }

    @Test func aScanRequestPullsTheImageWithItsCredentialAndReportsWhatTheBuiltInScanDoes() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            _ = try await ScanAPITests.importAdvisories(h, [ScanAPITests.urllib3Advisories, ScanAPITests.pyyamlAdvisories])
            _ = try await h.createProject("src")
            let image = try await h.pushLayeredImage("src/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer(ScanAPITests.vulnerablePython)])

            let metadata = try await h.request(.get, "/api/v1/metadata")
            #expect(metadata.status == .ok && metadata.header("Content-Type") == "application/vnd.scanner.adapter.metadata+json; version=1.1")
            let capabilities = try #require(try metadata.object()["capabilities"] as? [[String: Any]])
            #expect(capabilities.map { $0["type"] as? String } == ["vulnerability"])

            // A token for this one repository, as Harbor hands its scanner a short-lived robot.
            let token = try await h.token(scope: "repository:src/app:pull")
            let accepted = try await h.request(.post, "/api/v1/scan", body: Array(Self.scanBody(port: port, repository: "src/app", digest: image.digest,
                                                                                              authorization: "Bearer \(token)").utf8))
            #expect(accepted.status == .accepted, "\(accepted.text)")
            #expect(accepted.header("Content-Type") == "application/vnd.scanner.adapter.scan.response+json; version=1.0")
            let id = try #require(try accepted.object()["id"] as? String)
            let report = try await Self.report(h, id)
            #expect(report.status == .ok && report.header("Content-Type") == Self.reportType, "\(report.text)")
            let body = try report.object()
            let ids = Set((body["vulnerabilities"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            #expect((body["artifact"] as? [String: Any])?["digest"] as? String == image.digest.description)

            #expect(try await h.api(.post, "/projects/src/repositories/app/artifacts/v1/scan").status == .accepted)
            _ = try await h.finishedScan("src", "app", "v1")
            let builtIn = try await ScanAPITests.reportIDs(h, "/projects/src/repositories/app/artifacts/v1")
            #expect(!ids.isEmpty && ids == builtIn, "adapter \(ids) vs built-in \(builtIn)")

            // The same with Basic credentials, which the adapter trades for a token itself.
            let basic = "Basic " + Data("admin:\(Harness.password)".utf8).base64EncodedString()
            let second = try await h.request(.post, "/api/v1/scan", body: Array(Self.scanBody(port: port, repository: "src/app", digest: image.digest,
                                                                                            authorization: basic).utf8))
            let secondReport = try await Self.report(h, try #require(try second.object()["id"] as? String))
            #expect(secondReport.status == .ok)

            // A credential the registry refuses: 500 with the reason, in the adapter's error shape.
            let wrong = "Basic " + Data("admin:Wrong-Passw0rd".utf8).base64EncodedString()
            let refused = try await h.request(.post, "/api/v1/scan", body: Array(Self.scanBody(port: port, repository: "src/app", digest: image.digest,
                                                                                             authorization: wrong).utf8))
            let failed = try await Self.report(h, try #require(try refused.object()["id"] as? String))
            #expect(failed.status == .internalServerError, "\(failed.text)")
            let message = (try failed.object()["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("not authorized") && !message.contains("Wrong-Passw0rd"), "\(message)")
        }
    }

    @Test func badScanRequestsAndStrangersGetTheAdaptersErrors() async throws {
        try await Harness.run(live: true) { h in
            let port = try #require(h.port)
            let digest = Digest.of(Array("x".utf8))
            func post(_ body: String, headers: HTTPFields = Harness.admin) async throws -> TestResponse {
                try await h.request(.post, "/api/v1/scan", headers: headers, body: Array(body.utf8))
            }
            let missingURL = try await post(#"{"artifact":{"repository":"a/b","digest":"\#(digest)","mime_type":"\#(MediaType.ociManifest)"}}"#)
            #expect(missingURL.status == .unprocessableContent && missingURL.header("Content-Type") == "application/vnd.scanner.adapter.error+json; version=1.0")
            #expect(((try missingURL.object()["error"] as? [String: Any])?["message"] as? String ?? "").contains("registry.url"))
            #expect(try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: nil).replacingOccurrences(of: digest.description, with: "sha256:nothex")).status == .unprocessableContent)
            #expect(try await post(Self.scanBody(port: port, repository: "A B", digest: digest, authorization: nil)).status == .unprocessableContent)
            #expect(try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: "Digest abc")).status == .unprocessableContent)
            #expect(try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: nil,
                                                 mimeType: "application/vnd.cncf.helm.config.v1+json")).status == .notImplemented)
            #expect(try await post(#"{"registry":"#).status == .badRequest)
            #expect(try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: nil), headers: [:]).status == .unauthorized)
            let user = try await h.createUser("viewer")
            #expect(try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: nil),
                                   headers: Harness.basic("viewer", user.password)).status == .forbidden)
            #expect(try await h.request(.get, "/api/v1/metadata", headers: [:]).status == .unauthorized)
            #expect(try await h.request(.get, "/api/v1/scan/nothing/report").status == .notFound)

            // A request is for its caller: another admin does not see it.
            let accepted = try await post(Self.scanBody(port: port, repository: "a/b", digest: digest, authorization: nil))
            let id = try #require(try accepted.object()["id"] as? String)
            #expect(try await h.api(.put, "/users/\(user.id)/sysadmin", json: #"{"sysadmin_flag":true}"#).status == .ok)
            #expect(try await h.request(.get, "/api/v1/scan/\(id)/report", headers: Harness.basic("viewer", user.password)).status == .notFound)
            var odd = Harness.admin
            odd[.accept] = "application/xml"
            #expect(try await h.request(.get, "/api/v1/scan/\(id)/report", headers: odd).status == .notImplemented)
            // No advisories and nothing at that digest: the scan fails, and says why.
            let failed = try await Self.report(h, id)
            #expect(failed.status == .internalServerError, "\(failed.text)")
        }
    }
}
