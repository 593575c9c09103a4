import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing
import Yams

/// Helm charts stored as OCI artifacts (as `helm push` stores them): Harbor's chart additions, and
/// the classic chart repository over the same bytes, driven with the requests helm makes.
@Suite struct ChartAPITests {
    static let contentType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

    /// `helm package` of a chart directory: a gzip tar of `<name>/...`.
    static func package(name: String, version: String, files: [String: String]) async throws -> [UInt8] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-chart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let chart = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: chart, withIntermediateDirectories: true)
        var all = files
        all["Chart.yaml"] = all["Chart.yaml"] ?? "apiVersion: v2\nname: \(name)\nversion: \(version)\n"
        for (path, text) in all {
            let url = chart.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let output = root.appendingPathComponent("\(name)-\(version).tgz")
        try await ChildProcess.check("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", root.path, "-czf", output.path, name])
        return [UInt8](try Data(contentsOf: output))
    }

    /// What `helm push chart.tgz oci://host/project` sends: the metadata as the config, the package
    /// as the one layer, tagged with the version.
    @discardableResult
    static func push(_ h: Harness, project: String, metadata: String, package: [UInt8], name: String, version: String) async throws -> Digest {
        let repository = "\(project)/\(name)"
        let config = Array(metadata.utf8)
        let configDigest = try await h.pushBlob(config, to: repository)
        let layerDigest = try await h.pushBlob(package, to: repository)
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
            "config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"\(configDigest)","size":\(config.count)},\
            "layers":[{"mediaType":"\(contentType)","digest":"\(layerDigest)","size":\(package.count)}],\
            "annotations":{"org.opencontainers.image.title":"\(name)","org.opencontainers.image.version":"\(version)"}}
            """.utf8)
        let response = try await h.putManifest(manifest, repository: repository, reference: version)
        #expect(response.status == .created, "\(response.text)")
        return layerDigest
    }

    static func metadata(_ name: String, _ version: String, extra: String = "") -> String {
        #"{"apiVersion":"v2","name":"\#(name)","version":"\#(version)","appVersion":"1.16.0","description":"A chart for \#(name)","type":"application"\#(extra)}"#
    }

    @Test func chartsHaveAdditionsAndAClassicRepository() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("myproject")
            let values = "replicaCount: 2\nimage:\n  repository: nginx\n"
            let readme = "# mychart\n\nDeploys nginx.\n"
            let package = try await Self.package(name: "mychart", version: "1.0.0",
                                           files: ["values.yaml": values, "README.md": readme, "charts/sub/values.yaml": "sub: true\n"])
            let layer = try await Self.push(h, project: "myproject", metadata: Self.metadata("mychart", "1.0.0",
                extra: #","dependencies":[{"name":"redis","version":"17.x","repository":"https://charts.example.com"}]"#),
                package: package, name: "mychart", version: "1.0.0")
            let older = try await Self.package(name: "mychart", version: "0.9.0", files: ["values.yaml": "old: true\n"])
            try await Self.push(h, project: "myproject", metadata: Self.metadata("mychart", "0.9.0"), package: older, name: "mychart", version: "0.9.0")

            // Harbor's artifact JSON and additions.
            let artifact = "/projects/myproject/repositories/mychart/artifacts/1.0.0"
            let shown = try await h.api(.get, artifact).object()
            #expect(shown["type"] as? String == "CHART" && (shown["extra_attrs"] as? [String: Any])?["appVersion"] as? String == "1.16.0", "\(shown)")
            #expect(try await h.api(.get, artifact + "/additions/values.yaml").text == values)
            #expect(try await h.api(.get, artifact + "/additions/readme.md").text == readme)
            let dependencies = try await h.api(.get, artifact + "/additions/dependencies").array()
            #expect(dependencies.first?["name"] as? String == "redis" && dependencies.first?["repository"] as? String == "https://charts.example.com")
            let noReadme = try await h.api(.get, "/projects/myproject/repositories/mychart/artifacts/0.9.0/additions/readme.md")
            #expect(noReadme.status == .notFound && noReadme.text.contains("has no readme.md"), "\(noReadme.text)")
            #expect(try await h.api(.get, artifact + "/additions/build_history").status == .notFound)

            // The classic repository: index.yaml as helm reads it, and the package it points at.
            let index = try await h.request(.get, "/chartrepo/myproject/index.yaml")
            #expect(index.status == .ok, "\(index.text)")
            let parsed = try #require(try Yams.load(yaml: index.text) as? [String: Any])
            let versions = try #require((parsed["entries"] as? [String: Any])?["mychart"] as? [[String: Any]])
            #expect(versions.compactMap { $0["version"] as? String } == ["1.0.0", "0.9.0"], "\(versions)")
            #expect(versions[0]["digest"] as? String == layer.hex && versions[0]["appVersion"] as? String == "1.16.0")
            #expect(versions[0]["urls"] as? [String] == ["charts/mychart-1.0.0.tgz"])
            let downloaded = try await h.request(.get, "/chartrepo/myproject/charts/mychart-1.0.0.tgz")
            #expect(downloaded.status == .ok && downloaded.bytes == package)
            #expect(try await h.request(.get, "/chartrepo/myproject/charts/mychart-2.0.0.tgz").status == .notFound)

            // The index follows pushes and deletions; text with YAML's special characters survives.
            let tricky = "Say \"hi\": a: b\n# not a comment\ttab, ünïcode"
            let escaped = tricky.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
            let tricked = #"{"apiVersion":"v2","name":"mychart","version":"1.1.0","description":"\#(escaped)","keywords":["a","b: c"]}"#
            try await Self.push(h, project: "myproject", metadata: tricked, package: try await Self.package(name: "mychart", version: "1.1.0", files: [:]),
                                name: "mychart", version: "1.1.0")
            #expect(try await h.api(.delete, "/projects/myproject/repositories/mychart/artifacts/0.9.0").status == .ok)
            let refreshed = try #require(try Yams.load(yaml: try await h.request(.get, "/chartrepo/myproject/index.yaml").text) as? [String: Any])
            let now = try #require((refreshed["entries"] as? [String: Any])?["mychart"] as? [[String: Any]])
            #expect(now.compactMap { $0["version"] as? String } == ["1.1.0", "1.0.0"], "\(now)")
            #expect(now[0]["description"] as? String == tricky && now[0]["keywords"] as? [String] == ["a", "b: c"], "\(now[0])")
            #expect(try await h.api(.post, "/projects/myproject/repositories/mychart/artifacts/1.1.0/tags", json: #"{"name":"latest"}"#).status == .created)

            // Private project: anonymous and non-members are refused; public: anonymous reads.
            #expect(try await h.request(.get, "/chartrepo/myproject/index.yaml", headers: [:]).status == .unauthorized)
            let outsider = try await h.createUser("outsider")
            #expect(try await h.request(.get, "/chartrepo/myproject/index.yaml", headers: Harness.basic("outsider", outsider.password)).status == .forbidden)
            let all = try await h.request(.get, "/chartrepo/index.yaml", headers: Harness.basic("outsider", outsider.password))
            #expect(all.status == .ok && !all.text.contains("mychart"), "\(all.text)")
            #expect(try await h.api(.put, "/projects/myproject", json: #"{"metadata":{"public":"true"}}"#).status == .ok)
            #expect(try await h.request(.get, "/chartrepo/myproject/charts/mychart-1.0.0.tgz", headers: [:]).bytes == package)
            let global = try #require(try Yams.load(yaml: try await h.request(.get, "/chartrepo/index.yaml", headers: [:]).text) as? [String: Any])
            let globalEntry = try #require((global["entries"] as? [String: Any])?["myproject/mychart"] as? [[String: Any]])
            #expect(globalEntry.first?["urls"] as? [String] == ["myproject/charts/mychart-1.1.0.tgz"])
        }
    }

    @Test func aChartWithoutUsableMetadataIsStoredListedAndExplained() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("charts")
            let package = try await Self.package(name: "broken", version: "0.1.0", files: [:])
            try await Self.push(h, project: "charts", metadata: #"{"not":"a chart"}"#, package: package, name: "broken", version: "0.1.0")
            let listed = try await h.api(.get, "/projects/charts/repositories/broken/artifacts").array()
            #expect(listed.count == 1 && listed[0]["type"] as? String == "CHART")
            let values = try await h.api(.get, "/projects/charts/repositories/broken/artifacts/0.1.0/additions/values.yaml")
            #expect(values.status == .notFound && values.text.contains("readable metadata"), "\(values.text)")
            let index = try await h.request(.get, "/chartrepo/charts/index.yaml")
            #expect(index.status == .ok && !index.text.contains("broken"), "\(index.text)")
        }
    }
}
