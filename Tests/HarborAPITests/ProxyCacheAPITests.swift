import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

/// Proxy-cache projects between two live Berths: the first caches the second. Pulls are served
/// from the upstream and kept; a cached artifact is served when the upstream is gone; pushes are
/// refused; the project gets Harbor's 7-day retention.
@Suite struct ProxyCacheAPITests {
    /// GETs a manifest and its blobs through the proxy project as a client would.
    static func pull(_ h: Harness, _ repository: String, _ reference: String) async throws -> (digest: String?, status: HTTPResponse.Status) {
        var headers = Harness.admin
        headers[.accept] = [MediaType.ociManifest, MediaType.ociIndex].joined(separator: ",")
        let manifest = try await h.request(.get, "/v2/\(repository)/manifests/\(reference)", headers: headers)
        guard manifest.status == .ok else { return (nil, manifest.status) }
        let parsed = try Manifest(bytes: manifest.bytes, contentType: manifest.header("Content-Type"))
        for digest in parsed.requiredBlobs {
            let blob = try await h.request(.get, "/v2/\(repository)/blobs/\(digest)")
            #expect(blob.status == .ok && Digest.of(blob.bytes) == digest, "\(blob.status) \(blob.text.prefix(200))")
        }
        return (manifest.header("Docker-Content-Digest"), manifest.status)
    }

    @Test func pullsAreServedCachedAndSurviveTheUpstream() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                let upstream = try await b.pushLayeredImage("library/nginx", reference: "1.25", layers: [Array("nginx layer one".utf8), Array("two".utf8)])
                let registry = try await a.createRegistryEndpoint(name: "upstream", port: try #require(b.port))

                let user = try await a.createUser("dev")
                #expect(try await a.api(.post, "/projects", json: #"{"project_name":"hub","registry_id":\#(registry)}"#,
                                        headers: Harness.basic("dev", user.password)).status == .forbidden)
                #expect(try await a.api(.post, "/projects", json: #"{"project_name":"hub","registry_id":999}"#).status == .badRequest)
                #expect(try await a.api(.post, "/projects", json: #"{"project_name":"hub","registry_id":\#(registry)}"#).status == .created)
                let project = try await a.api(.get, "/projects/hub").object()
                #expect(project["registry_id"] as? Int == Int(registry), "\(project)")
                let retentionID = try #require((project["metadata"] as? [String: String])?["retention_id"])
                let retention = try await a.api(.get, "/retentions/\(retentionID)").object()
                let rule = try #require((retention["rules"] as? [[String: Any]])?.first)
                #expect(rule["template"] as? String == "nDaysSinceLastPull" && (rule["params"] as? [String: Any])?["nDaysSinceLastPull"] as? Int == 7, "\(rule)")
                #expect(try await a.api(.delete, "/registries/\(registry)").status == .preconditionFailed)

                // The first pull comes from the upstream, blobs included, and is kept.
                let first = try await Self.pull(a, "hub/library/nginx", "1.25")
                #expect(first.digest == upstream.digest.description)
                try await eventually(seconds: 60, "the pulled image is cached") {
                    try await a.server.backend.artifacts.manifest(.tag(try Tag("1.25")), in: try RepositoryName("hub/library/nginx"), withPayload: false)?.digest == upstream.digest
                }
                try await eventually(seconds: 30, "the pull is audited") {
                    try await a.api(.get, "/audit-logs?q=operation%3Dpull&page_size=100").array()
                        .contains { ($0["resource"] as? String)?.hasPrefix("hub/library/nginx") == true }
                }

                // A digest stored here for another project is not served through the proxy unless
                // the upstream has it: naming a digest grants nothing.
                _ = try await a.createProject("private")
                let secret = try await a.pushBlob(Array("a private layer".utf8), to: "private/app")
                let probe = try await a.request(.get, "/v2/hub/library/nginx/blobs/\(secret)")
                #expect(probe.status == .notFound && probe.errorCode == "BLOB_UNKNOWN", "\(probe.status) \(probe.text)")
                var manifestHead = Harness.admin
                manifestHead[.accept] = MediaType.ociManifest
                let headed = try await a.request(.head, "/v2/hub/library/nginx/manifests/1.25", headers: manifestHead)
                #expect(headed.status == .ok && headed.header("Docker-Content-Digest") == upstream.digest.description)

                // Pushing into a proxy project is refused.
                let push = try await a.request(.post, "/v2/hub/library/nginx/blobs/uploads/")
                #expect(push.status == .forbidden && push.errorCode == "DENIED", "\(push.text)")
                #expect(try await a.putManifest(Array("{}".utf8), repository: "hub/library/nginx", reference: "x").status == .forbidden)

                // A new tag content upstream is seen by tag.
                let newer = try await b.pushLayeredImage("library/nginx", reference: "1.25", layers: [Array("nginx layer one".utf8), Array("patched".utf8)])
                #expect(try await Self.pull(a, "hub/library/nginx", "1.25").digest == newer.digest.description)
                try await eventually(seconds: 60, "the new content is cached") {
                    try await a.server.backend.artifacts.manifest(.tag(try Tag("1.25")), in: try RepositoryName("hub/library/nginx"), withPayload: false)?.digest == newer.digest
                }

                // Not upstream: 404, also for what is cached unless proxy_cache_local_on_not_found says otherwise.
                #expect(try await Self.pull(a, "hub/library/nginx", "0.1").status == .notFound)
                #expect(try await b.api(.delete, "/projects/library/repositories/nginx/artifacts/1.25/tags/1.25").status == .ok)
                #expect(try await Self.pull(a, "hub/library/nginx", "1.25").status == .notFound)
                #expect(try await a.api(.put, "/projects/hub/metadatas/proxy_cache_local_on_not_found",
                                        json: #"{"proxy_cache_local_on_not_found":"true"}"#).status == .ok)
                #expect(try await Self.pull(a, "hub/library/nginx", "1.25").digest == newer.digest.description)

                // Upstream gone: the cached copy is served; what is not cached says why.
                #expect(try await a.api(.put, "/registries/\(registry)", json: #"{"url":"http://127.0.0.1:9"}"#).status == .ok)
                #expect(try await Self.pull(a, "hub/library/nginx", "1.25").digest == newer.digest.description)
                #expect(try await Self.pull(a, "hub/library/nginx", newer.digest.description).digest == newer.digest.description)
                var headers = Harness.admin
                headers[.accept] = MediaType.ociManifest
                let missing = try await a.request(.get, "/v2/hub/library/redis/manifests/7", headers: headers)
                #expect(missing.status == .badGateway && missing.text.contains("unavailable") && missing.text.contains("could not be reached"), "\(missing.text)")
            }
        }
    }

    /// Docker Hub's naming with a local stand-in: `dh/nginx` is the upstream's `library/nginx`, for
    /// the proxy cache and for a pull rule alike.
    @Test func dockerHubEndpointsAddTheLibraryPrefix() async throws {
        try await Harness.run(live: true) { a in
            try await Harness.run(live: true) { b in
                let nginx = try await b.pushLayeredImage("library/nginx", reference: "1.25", layers: [Array("official nginx".utf8)])
                let hub = try await a.createRegistryEndpoint(name: "hub", port: try #require(b.port), type: "docker-hub")
                #expect(try await a.api(.post, "/projects", json: #"{"project_name":"dh","registry_id":\#(hub)}"#).status == .created)
                // A HEAD of a blob not cached yet asks the upstream for its size only.
                let layer = try #require(nginx.layerDigests.first)
                let head = try await a.request(.head, "/v2/dh/nginx/blobs/\(layer)")
                #expect(head.status == .ok && head.header("Content-Length") == String("official nginx".utf8.count))
                #expect(try await a.server.backend.blobs.size(of: layer) == nil)
                #expect(try await Self.pull(a, "dh/nginx", "1.25").digest == nginx.digest.description)

                let policy = try await a.createReplicationPolicy(name: "official", side: "src_registry", registryID: hub,
                                                                 extra: #","dest_namespace":"mirror","filters":[{"type":"name","value":"nginx"}]"#)
                let execution = try await a.runReplication(policy)
                #expect(execution["status"] as? String == "Succeed", "\(execution)")
                #expect(try await a.servedDigest("mirror/nginx", "1.25") == nginx.digest.description)
            }
        }
    }
}
