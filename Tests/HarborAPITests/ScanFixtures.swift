import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

/// Real layers for scan tests: directories written to disk and packed by the system's `tar`.
enum ScanFixtures {
    /// A tar layer holding a wheel's `METADATA` for each package, as pip installs them.
    static func pythonLayer(_ packages: [(name: String, version: String)]) async throws -> [UInt8] {
        try await tarLayer { root in
            for package in packages {
                let info = root.appendingPathComponent("usr/lib/python3/dist-packages/\(package.name)-\(package.version).dist-info")
                try FileManager.default.createDirectory(at: info, withIntermediateDirectories: true)
                try Data("Metadata-Version: 2.1\nName: \(package.name)\nVersion: \(package.version)\nSummary: test\n\n".utf8)
                    .write(to: info.appendingPathComponent("METADATA"))
            }
        }
    }

    /// A base layer with an os-release and a text file (no packages).
    static func baseLayer(_ marker: String) async throws -> [UInt8] {
        try await tarLayer { root in
            let etc = root.appendingPathComponent("etc")
            try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
            try Data("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".utf8).write(to: etc.appendingPathComponent("os-release"))
            try Data(marker.utf8).write(to: etc.appendingPathComponent("marker"))
        }
    }

    static func tarLayer(_ fill: (URL) throws -> Void) async throws -> [UInt8] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-layer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try fill(root)
        let output = root.appendingPathExtension("tar")
        defer { try? FileManager.default.removeItem(at: output) }
        try await ChildProcess.check("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", root.path, "-cf", output.path, "."])
        return [UInt8](try Data(contentsOf: output))
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

extension Harness {
    /// Pushes an image of uncompressed tar layers (config with their diff ids) under `reference`,
    /// or by digest when `reference` is empty.
    @discardableResult
    func pushLayeredImage(_ repository: String, reference: String, layers: [[UInt8]], architecture: String = "amd64") async throws -> (digest: Digest, size: Int, layerDigests: [Digest]) {
        var layerDigests: [Digest] = []
        for layer in layers { layerDigests.append(try await pushBlob(layer, to: repository)) }
        let diffIDs = layerDigests.map { "\"\($0)\"" }.joined(separator: ",")
        let config = Array(#"{"architecture":"\#(architecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]}}"#.utf8)
        let configDigest = try await pushBlob(config, to: repository)
        let layerJSON = zip(layers, layerDigests).map {
            #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#($1)","size":\#($0.count)}"#
        }.joined(separator: ",")
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
            "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(configDigest)","size":\(config.count)},"layers":[\(layerJSON)]}
            """.utf8)
        let response = try await putManifest(manifest, repository: repository, reference: reference.isEmpty ? Digest.of(manifest).description : reference)
        #expect(response.status == .created, "\(response.text)")
        return (Digest.of(manifest), manifest.count, layerDigests)
    }

    /// A two-platform index tagged `tag` whose images hold these Python packages, pushed by digest.
    func pushLayeredIndex(_ repository: String, tag: String, amd64: [(name: String, version: String)], arm64: [(name: String, version: String)]) async throws
        -> (amd64: (digest: Digest, size: Int, layerDigests: [Digest]), arm64: (digest: Digest, size: Int, layerDigests: [Digest])) {
        let amd = try await pushLayeredImage(repository, reference: "", layers: [try await ScanFixtures.pythonLayer(amd64)])
        let arm = try await pushLayeredImage(repository, reference: "", layers: [try await ScanFixtures.pythonLayer(arm64)], architecture: "arm64")
        let index = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[\
            {"mediaType":"\(MediaType.ociManifest)","digest":"\(amd.digest)","size":\(amd.size),"platform":{"architecture":"amd64","os":"linux"}},\
            {"mediaType":"\(MediaType.ociManifest)","digest":"\(arm.digest)","size":\(arm.size),"platform":{"architecture":"arm64","os":"linux"}}]}
            """.utf8)
        #expect(try await putManifest(index, repository: repository, reference: tag, mediaType: MediaType.ociIndex).status == .created)
        return (amd, arm)
    }

    /// The artifact's `scan_overview` entry for Harbor's native report type, or nil.
    func scanOverview(_ project: String, _ repository: String, _ reference: String) async throws -> [String: Any]? {
        let artifact = try await api(.get, "/projects/\(project)/repositories/\(repository)/artifacts/\(reference)?with_scan_overview=true").object()
        let overview = artifact["scan_overview"] as? [String: Any]
        return overview?["application/vnd.security.vulnerability.report; version=1.1"] as? [String: Any]
    }

    /// Waits until the artifact's scan has ended; returns the overview entry.
    func finishedScan(_ project: String, _ repository: String, _ reference: String) async throws -> [String: Any] {
        try await eventually(seconds: 240, "the scan of \(repository):\(reference) ended") {
            let status = try await scanOverview(project, repository, reference)?["scan_status"] as? String
            return ["Success", "Error", "Stopped"].contains(status ?? "")
        }
        return try #require(try await scanOverview(project, repository, reference))
    }
}
