import BerthTestSupport
import Foundation
import OCI
import Testing

/// Content and waits shared by the replication tests.
extension Harness {
    /// A registry endpoint pointing at `port` (another live Berth); returns its id.
    func createRegistryEndpoint(name: String, port: Int, type: String = "harbor", password: String = Harness.password) async throws -> Int64 {
        let body = #"{"name":"\#(name)","type":"\#(type)","url":"http://127.0.0.1:\#(port)","credential":{"type":"basic","access_key":"admin","access_secret":"\#(password)"}}"#
        let response = try await api(.post, "/registries", json: body)
        #expect(response.status == .created, "\(response.text)")
        return Int64(try #require(response.header("Location")).split(separator: "/").last!)!
    }

    /// A replication policy; `side` is `"src_registry"` (pull) or `"dest_registry"` (push).
    func createReplicationPolicy(name: String, side: String, registryID: Int64, extra: String = "") async throws -> Int64 {
        let body = #"{"name":"\#(name)","\#(side)":{"id":\#(registryID)},"enabled":true,"override":true\#(extra)}"#
        let response = try await api(.post, "/replication/policies", json: body)
        #expect(response.status == .created, "\(response.text)")
        return Int64(try #require(response.header("Location")).split(separator: "/").last!)!
    }

    /// Starts the policy by hand and waits for the execution to end; returns it.
    func runReplication(_ policyID: Int64, seconds: Double = 120) async throws -> [String: Any] {
        let started = try await api(.post, "/replication/executions", json: #"{"policy_id":\#(policyID)}"#)
        #expect(started.status == .created, "\(started.text)")
        let location = try #require(started.header("Location"))
        return try await finishedExecution(Int64(location.split(separator: "/").last!)!, seconds: seconds)
    }

    func finishedExecution(_ id: Int64, seconds: Double = 120) async throws -> [String: Any] {
        try await eventually(seconds: seconds, "replication execution \(id) ended") {
            try await api(.get, "/replication/executions/\(id)").object()["status"] as? String != "InProgress"
        }
        return try await api(.get, "/replication/executions/\(id)").object()
    }

    /// The log of every task of the execution, joined.
    func replicationLogs(_ executionID: Int64) async throws -> String {
        var text = ""
        for task in try await api(.get, "/replication/executions/\(executionID)/tasks?page_size=100").array() {
            let id = try #require(task["id"] as? Int64 ?? (task["id"] as? Int).map(Int64.init))
            text += try await api(.get, "/replication/executions/\(executionID)/tasks/\(id)/log").text
        }
        return text
    }

    /// The digest `/v2/` serves for the reference; nil when there is none.
    func servedDigest(_ repository: String, _ reference: String) async throws -> String? {
        var headers = Harness.admin
        headers[.accept] = [MediaType.ociManifest, MediaType.ociIndex].joined(separator: ",")
        let response = try await request(.head, "/v2/\(repository)/manifests/\(reference)", headers: headers)
        return response.status == .ok ? response.header("Docker-Content-Digest") : nil
    }

    /// An index of two single-layer images (pushed by digest) tagged `tag`; returns its digest
    /// and the children's.
    func pushTwoPlatformIndex(_ repository: String, tag: String) async throws -> (index: Digest, children: [Digest]) {
        var children: [(digest: Digest, size: Int, arch: String)] = []
        for arch in ["amd64", "arm64"] {
            let image = try await pushLayeredImage(repository, reference: "", layers: [Array("layer for \(arch) of \(tag)".utf8)], architecture: arch)
            children.append((image.digest, image.size, arch))
        }
        let entries = children.map {
            #"{"mediaType":"\#(MediaType.ociManifest)","digest":"\#($0.digest)","size":\#($0.size),"platform":{"architecture":"\#($0.arch)","os":"linux"}}"#
        }.joined(separator: ",")
        let index = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[\#(entries)]}"#.utf8)
        let response = try await putManifest(index, repository: repository, reference: tag, mediaType: MediaType.ociIndex)
        #expect(response.status == .created, "\(response.text)")
        return (Digest.of(index), children.map(\.digest))
    }

    /// An artifact whose `subject` is `subject` (a signature or SBOM stand-in), pushed by digest.
    @discardableResult
    func pushReferrer(_ repository: String, subject: Digest, subjectSize: Int,
                      artifactType: String = "application/vnd.example.signature") async throws -> Digest {
        let empty = try await pushBlob(Array("{}".utf8), to: repository)
        let payload = try await pushBlob(Array("signature of \(subject)".utf8), to: repository)
        let manifest = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"\(artifactType)",\
            "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(empty)","size":2},\
            "layers":[{"mediaType":"application/octet-stream","digest":"\(payload)","size":\("signature of \(subject)".utf8.count)}],\
            "subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(subject)","size":\(subjectSize)}}
            """.utf8)
        let digest = Digest.of(manifest)
        let response = try await putManifest(manifest, repository: repository, reference: digest.description)
        #expect(response.status == .created, "\(response.text)")
        return digest
    }
}
