import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

@Suite struct QuotaAPITests {
    static func blob(_ size: Int, _ seed: UInt8) -> [UInt8] { [UInt8](repeating: seed, count: size) }

    @Test func limitDedupUsageAndHarborsMessage() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"capped","storage_limit":1000}"#).status == .created)
            try await h.pushBlob(Self.blob(600, 1), to: "capped/a")
            // the same blob in a second repository of the project adds nothing
            try await h.pushBlob(Self.blob(600, 1), to: "capped/b")
            let refused = try await h.request(.post, "/v2/capped/a/blobs/uploads/?digest=\(Digest.of(Self.blob(500, 2)))", body: Self.blob(500, 2))
            #expect(refused.status == .forbidden && refused.errorCode == "DENIED")
            #expect(refused.text.contains("adding 500 B of storage resource, which when updated to current usage of 600 B will exceed the configured upper limit of 1000 B"),
                    "\(refused.text)")
            #expect(try await h.request(.head, "/v2/capped/a/blobs/\(Digest.of(Self.blob(500, 2)))").status == .notFound)

            let summary = try await h.api(.get, "/projects/capped/summary").object()
            let quota = try #require(summary["quota"] as? [String: Any])
            #expect((quota["hard"] as? [String: Any])?["storage"] as? Int == 1000 && (quota["used"] as? [String: Any])?["storage"] as? Int == 600)

            let listed = try await h.api(.get, "/quotas?reference=project&reference_id=\(try await projectID(h, "capped"))")
            #expect(listed.header("X-Total-Count") == "1")
            let entry = try #require(try listed.array().first)
            #expect((entry["ref"] as? [String: Any])?["name"] as? String == "capped")
            let id = try #require(entry["id"] as? Int)
            #expect(try await h.api(.get, "/quotas/\(id)").object()["used"] as? [String: Int] == ["storage": 600])

            #expect(try await h.api(.put, "/quotas/\(id)", json: #"{"hard":{"storage":0}}"#).status == .badRequest)
            #expect(try await h.api(.put, "/quotas/\(id)", json: #"{"hard":{"count":5}}"#).status == .badRequest)
            #expect(try await h.api(.put, "/quotas/424242", json: #"{"hard":{"storage":5}}"#).status == .notFound)
            #expect(try await h.api(.get, "/quotas/\(id)").object()["hard"] as? [String: Int] == ["storage": 1000], "refused updates change nothing")
            #expect(try await h.api(.put, "/quotas/\(id)", json: #"{"hard":{"storage":-1}}"#).status == .ok)
            try await h.pushBlob(Self.blob(500, 2), to: "capped/a")
            let dev = try await h.createUser("dev")
            #expect(try await h.api(.get, "/quotas", headers: Harness.basic("dev", dev.password)).status == .forbidden)
            // sorted by usage across every project, then paged
            let top = try await h.api(.get, "/quotas?sort=-used.storage&page_size=1")
            #expect(top.header("X-Total-Count") == "2")
            #expect((try top.array().first?["ref"] as? [String: Any])?["name"] as? String == "capped")
            #expect(try await h.api(.get, "/quotas?sort=size").status == .badRequest)
        }
    }

    @Test func mountsAndCopiesAreCheckedToo() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"small","storage_limit":100}"#).status == .created)
            let image = try await h.pushImage("library/app", tag: "v1", layer: String(repeating: "x", count: 200))
            let layer = Digest.of(Array(String(repeating: "x", count: 200).utf8))
            let mount = try await h.request(.post, "/v2/small/app/blobs/uploads/?mount=\(layer)&from=library/app")
            #expect(mount.status == .forbidden && mount.errorCode == "DENIED")
            let copy = try await h.api(.post, "/projects/small/repositories/app/artifacts?from=library/app@\(image.digest)")
            #expect(copy.status == .forbidden && copy.errorCode == "DENIED")
            #expect(try await h.api(.get, "/projects/small/summary").object()["repo_count"] as? Int == 0)
        }
    }

    @Test func usageFollowsDeletes() async throws {
        try await Harness.run { h in
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"team","storage_limit":-1}"#).status == .created)
            let image = try await h.pushImage("team/app", tag: "v1", layer: "twelve bytes")
            func used() async throws -> Int? {
                ((try await h.api(.get, "/projects/team/summary").object()["quota"] as? [String: Any])?["used"] as? [String: Any])?["storage"] as? Int
            }
            #expect(try await used() == 12 + #"{"architecture":"amd64","os":"linux"}"#.utf8.count + image.bytes.count, "blobs and the manifest")
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1").status == .ok)
            #expect(try await used() == 0, "a deleted artifact's blobs no longer count, before any GC")
        }
    }

    /// Manifests count, as in Harbor: a push whose blobs fit but whose manifest does not is refused.
    @Test func aManifestPushIsChecked() async throws {
        try await Harness.run { h in
            let config = #"{"architecture":"amd64","os":"linux"}"#
            let limit = config.utf8.count + 5 + 10
            #expect(try await h.api(.post, "/projects", json: #"{"project_name":"tight","storage_limit":\#(limit)}"#).status == .created)
            let manifest = try await h.pushImageContent("tight/app", config: config, layer: "layer")
            let refused = try await h.putManifest(manifest, repository: "tight/app", reference: "v1")
            #expect(refused.status == .forbidden && refused.errorCode == "DENIED", "\(refused.text)")
            #expect(try await h.request(.get, "/v2/tight/app/manifests/v1").status == .notFound)
        }
    }

    @Test func invalidLimitsAreRefused() async throws {
        try await Harness.run { h in
            for limit in ["-2", "0", "1125899906842625"] {
                let response = try await h.api(.post, "/projects", json: #"{"project_name":"bad","storage_limit":\#(limit)}"#)
                #expect(response.status == .badRequest, "\(limit)")
            }
            #expect(try await h.api(.head, "/projects?project_name=bad").status == .notFound)
        }
    }

    func projectID(_ h: Harness, _ name: String) async throws -> Int {
        try #require(try await h.api(.get, "/projects/\(name)").object()["project_id"] as? Int)
    }
}
