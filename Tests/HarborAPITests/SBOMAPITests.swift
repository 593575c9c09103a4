import BerthTestSupport
import Foundation
import HTTPTypes
import Metadata
import OCI
import Services
import Testing

/// SBOM generation: `{"scan_type":"sbom"}` and `auto_sbom_generation` store an SPDX document as a
/// Harbor SBOM accessory of the image, visible through the referrers API, `sbom_overview` and
/// `additions/sbom`. Real tar layers, the server's own workers.
@Suite struct SBOMAPITests {
    static let packages = [(name: "urllib3", version: "1.26.5"), (name: "requests", version: "2.25.0")]

    @Test func anSBOMIsAnAccessoryOfItsImageAndARegeneratedOneReplacesIt() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"sboms","metadata":{"auto_sbom_generation":"true"}}"#).status == .created)
            let image = try await h.pushLayeredImage("sboms/app", reference: "v1",
                                                     layers: [try await ScanFixtures.baseLayer("base"), try await ScanFixtures.pythonLayer(Self.packages)])

            // No call was made: the push queued the SBOM. No vulnerability scan was asked for.
            let overview = try await h.finishedSBOM("sboms", "app", "v1")
            #expect(overview["scan_status"] as? String == "Success", "\(overview)")
            #expect((overview["scanner"] as? [String: Any])?["name"] as? String == "Berth")
            let sbomDigest = try #require(overview["sbom_digest"] as? String)
            #expect(try await h.scanOverview("sboms", "app", "v1") == nil)

            // The accessory: an OCI 1.1 referrer of the image, typed as Harbor types it.
            let referrers = try await h.request(.get, "/v2/sboms/app/referrers/\(image.digest)")
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(referrers.bytes)) as? [String: Any])["manifests"] as? [[String: Any]]
            #expect(listed?.count == 1 && listed?.first?["digest"] as? String == sbomDigest, "\(referrers.text)")
            #expect(listed?.first?["artifactType"] as? String == SBOMGenerationJob.artifactType)
            #expect((listed?.first?["annotations"] as? [String: String])?["org.opencontainers.artifact.description"] == "SPDX JSON SBOM, with a CycloneDX JSON rendering of it")
            let manifest = try await h.request(.get, "/v2/sboms/app/manifests/\(sbomDigest)", headers: Self.accept(MediaType.ociManifest))
            let parsed = try Manifest(bytes: manifest.bytes, contentType: MediaType.ociManifest)
            #expect(parsed.subjectDigest == image.digest && parsed.config?.mediaType == MediaType.ociEmpty && parsed.layers.count == 2)
            let layer = try #require(parsed.layers.first)
            #expect(layer.mediaType == "application/spdx+json")
            let pulled = try await h.request(.get, "/v2/sboms/app/blobs/\(layer.digest)")
            #expect(Digest.of(pulled.bytes).description == layer.digest, "the layer's bytes are what the manifest names")

            // The document names the image's packages.
            let addition = try await h.api(.get, "/projects/sboms/repositories/app/artifacts/\(sbomDigest)/additions/sbom")
            #expect(addition.status == .ok && addition.header("Content-Type") == SBOMGenerationJob.artifactType)
            #expect(addition.bytes == pulled.bytes)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(addition.bytes)) as? [String: Any])
            #expect(document["spdxVersion"] as? String == "SPDX-2.3")
            let named = Set(((document["packages"] as? [[String: Any]]) ?? []).compactMap { p in
                (p["name"] as? String).map { "\($0)@\(p["versionInfo"] as? String ?? "")" }
            })
            #expect(named.isSuperset(of: ["urllib3@1.26.5", "requests@2.25.0"]), "\(named)")
            // The same packages in CycloneDX, the second layer, asked for by its media type.
            let cdx = try await h.api(.get, "/projects/sboms/repositories/app/artifacts/v1/additions/sbom?sbom_media_type=application/vnd.cyclonedx%2Bjson")
            #expect(cdx.status == .ok && parsed.layers.last?.mediaType == "application/vnd.cyclonedx+json")
            let cdxDocument = try #require(try JSONSerialization.jsonObject(with: Data(cdx.bytes)) as? [String: Any])
            #expect(cdxDocument["bomFormat"] as? String == "CycloneDX", "\(cdx.text.prefix(300))")
            let cdxNamed = Set(((cdxDocument["components"] as? [[String: Any]]) ?? []).compactMap { c in
                (c["name"] as? String).map { "\($0)@\(c["version"] as? String ?? "")" }
            })
            #expect(cdxNamed.isSuperset(of: ["urllib3@1.26.5", "requests@2.25.0"]), "\(cdxNamed)")
            #expect(try await h.api(.get, "/projects/sboms/repositories/app/artifacts/v1/additions/sbom?sbom_media_type=text/plain").status == .notFound)
            // Asked of the image, the addition is its SBOM.
            #expect(try await h.api(.get, "/projects/sboms/repositories/app/artifacts/v1/additions/sbom").bytes == pulled.bytes)
            let accessory = try await h.api(.get, "/projects/sboms/repositories/app/artifacts/\(sbomDigest)").object()
            #expect(accessory["type"] as? String == "SBOM" && accessory["artifact_type"] as? String == SBOMGenerationJob.artifactType)

            // The report log is the SBOM task's.
            let reportID = try #require(overview["report_id"] as? String)
            // The report's status is written by the job itself; its log's last lines come with the
            // task's end a moment later.
            try await eventually("the task's log to end with the stored SBOM") {
                let log = try await h.api(.get, "/projects/sboms/repositories/app/artifacts/v1/scan/\(reportID)/log")
                return log.text.contains("SBOM stored as sboms/app@\(sbomDigest)")
            }

            // Generating again replaces the accessory: one SBOM per image.
            #expect(try await h.api(.post, "/projects/sboms/repositories/app/artifacts/v1/scan", json: #"{"scan_type":"sbom"}"#).status == .accepted)
            try await eventually(seconds: 240, "the second SBOM replaced the first") {
                let now = try await h.sbomOverview("sboms", "app", "v1")
                return now?["scan_status"] as? String == "Success" && (now?["sbom_digest"] as? String).map { $0 != sbomDigest } == true
            }
            #expect(try await h.request(.get, "/v2/sboms/app/manifests/\(sbomDigest)").status == .notFound)
            let after = try await h.request(.get, "/v2/sboms/app/referrers/\(image.digest)")
            #expect((try JSONSerialization.jsonObject(with: Data(after.bytes)) as? [String: Any])?["manifests"].map { ($0 as? [Any])?.count } == 1)
        }
    }

    @Test func anIndexGetsAnSBOMPerImage() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("multi")
            let (amd, arm) = try await h.pushLayeredIndex("multi/app", tag: "v1", amd64: [Self.packages[0]], arm64: [Self.packages[1]])
            #expect(try await h.api(.post, "/projects/multi/repositories/app/artifacts/v1/scan", json: #"{"scan_type":"sbom"}"#).status == .accepted)
            let overview = try await h.finishedSBOM("multi", "app", "v1")
            #expect(overview["scan_status"] as? String == "Success" && overview["sbom_digest"] == nil, "\(overview)")
            for (digest, package) in [(amd.digest, Self.packages[0]), (arm.digest, Self.packages[1])] {
                let sbom = try await h.api(.get, "/projects/multi/repositories/app/artifacts/\(digest)/additions/sbom")
                #expect(sbom.status == .ok && sbom.text.contains("\"\(package.name)\""), "\(sbom.text.prefix(200))")
            }
        }
    }

    @Test func badSBOMRequestsGetClearErrors() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("bad")
            _ = try await h.pushLayeredImage("bad/app", reference: "v1", layers: [try await ScanFixtures.pythonLayer([Self.packages[0]])])
            let path = "/projects/bad/repositories/app/artifacts/v1"
            let missing = try await h.api(.get, path + "/additions/sbom")
            #expect(missing.status == .notFound && missing.text.contains("The sbom is not found"), "\(missing.text)")
            // Guests read SBOMs but may not generate them (Harbor's `sbom` resource).
            let guest = try await h.member("visitor", of: "bad", role: 3)
            #expect(try await h.api(.post, path + "/scan", json: #"{"scan_type":"sbom"}"#, headers: guest).status == .forbidden)
            #expect(try await h.api(.post, path + "/scan/stop", json: #"{"scan_type":"sbom"}"#).status == .badRequest)

            // Pending SBOM: a second request conflicts, a stop ends it; the vulnerability side is untouched.
            #expect(try await h.api(.put, "/jobservice/queues/SBOM", json: #"{"action":"pause"}"#).status == .ok)
            #expect(try await h.api(.post, path + "/scan", json: #"{"scan_type":"sbom"}"#).status == .accepted)
            let again = try await h.api(.post, path + "/scan", json: #"{"scan_type":"sbom"}"#)
            #expect(again.status == .conflict && again.text.contains("a previous scan process is Pending"), "\(again.text)")
            #expect(try await h.api(.post, path + "/scan/stop").status == .badRequest, "no vulnerability scan runs")
            #expect(try await h.api(.post, path + "/scan/stop", json: #"{"scan_type":"sbom"}"#).status == .accepted)
            #expect(try await h.sbomOverview("bad", "app", "v1")?["scan_status"] as? String == "Stopped")
            #expect(try await h.scanOverview("bad", "app", "v1") == nil)
        }
    }

    static func accept(_ mediaType: String) -> HTTPFields {
        var headers = Harness.admin
        headers[.accept] = mediaType
        return headers
    }
}

extension Harness {
    /// The artifact's `sbom_overview`, or nil.
    func sbomOverview(_ project: String, _ repository: String, _ reference: String) async throws -> [String: Any]? {
        try await api(.get, "/projects/\(project)/repositories/\(repository)/artifacts/\(reference)?with_sbom_overview=true").object()["sbom_overview"] as? [String: Any]
    }

    /// Waits until the artifact's SBOM generation has ended; returns its overview.
    func finishedSBOM(_ project: String, _ repository: String, _ reference: String) async throws -> [String: Any] {
        try await eventually(seconds: 240, "the SBOM of \(repository):\(reference) was generated") {
            let status = try await sbomOverview(project, repository, reference)?["scan_status"] as? String
            return ["Success", "Error", "Stopped"].contains(status ?? "")
        }
        return try #require(try await sbomOverview(project, repository, reference))
    }
}
