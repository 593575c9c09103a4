import BerthTestSupport
import HTTPTypes
import OCI
import Testing

@Suite struct ArtifactAPITests {
    @Test func imageArtifactAsHarborShowsIt() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let extra = #","author":"me","created":"2024-01-01T00:00:00Z","config":{"Env":["A=1"]},"rootfs":{"type":"layers"}"#
            let image = try await h.pushImage("team/app", tag: "v1", extra: extra)
            let list = try await h.api(.get, "/projects/team/repositories/app/artifacts")
            #expect(list.status == .ok)
            #expect(list.header("X-Total-Count") == "1")
            let artifact = try #require(try list.array().first)
            #expect(artifact["type"] as? String == "IMAGE")
            #expect(artifact["media_type"] as? String == MediaType.ociConfig)
            #expect(artifact["manifest_media_type"] as? String == MediaType.ociManifest)
            #expect(artifact["digest"] as? String == image.digest.description)
            #expect(artifact["repository_name"] as? String == "team/app")
            let configSize = #"{"architecture":"amd64","os":"linux"}"#.utf8.count + extra.utf8.count
            #expect(artifact["size"] as? Int == image.bytes.count + configSize + "layer".utf8.count)
            #expect(artifact["pull_time"] as? String == "0001-01-01T00:00:00.000Z")
            let attrs = try #require(artifact["extra_attrs"] as? [String: Any])
            #expect(attrs["architecture"] as? String == "amd64" && attrs["os"] as? String == "linux" && attrs["author"] as? String == "me")
            #expect((attrs["config"] as? [String: Any])?["Env"] as? [String] == ["A=1"])
            #expect(attrs["rootfs"] == nil)
            let tags = try #require(artifact["tags"] as? [[String: Any]])
            #expect(tags.map { $0["name"] as? String } == ["v1"] && tags[0]["immutable"] as? Bool == false)
            #expect(tags[0]["artifact_id"] as? Int == artifact["id"] as? Int)

            let byTag = try await h.api(.get, "/projects/team/repositories/app/artifacts/v1")
            #expect(try byTag.object()["digest"] as? String == image.digest.description)
            let byDigest = try await h.api(.get, "/projects/team/repositories/app/artifacts/\(image.digest)?with_tag=false")
            #expect(try byDigest.object()["tags"] == nil)
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts/nope").status == .notFound)
            #expect(try await h.api(.get, "/projects/team/repositories/ghost/artifacts").status == .notFound)
            #expect(try await h.api(.get, "/projects/ghost/repositories/app/artifacts").status == .notFound)
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts", headers: [:]).status == .unauthorized)

            _ = try await h.pushImage("team/app", tag: "v2", layer: "other")
            let filtered = try await h.api(.get, "/projects/team/repositories/app/artifacts?q=tags%3Dv2")
            #expect(try filtered.array().map { ($0["tags"] as? [[String: Any]])?.first?["name"] as? String } == ["v2"])
            let oldestFirst = try await h.api(.get, "/projects/team/repositories/app/artifacts?sort=push_time")
            #expect(try oldestFirst.array().first?["digest"] as? String == image.digest.description)
        }
    }

    @Test func helmChartsAndOtherArtifacts() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("charts")
            let config = Array(#"{"name":"web","version":"1.2.3","apiVersion":"v2"}"#.utf8)
            let configDigest = try await h.pushBlob(config, to: "charts/web")
            for (tag, mediaType) in [("1.2.3", "application/vnd.cncf.helm.config.v1+json"), ("other", "application/vnd.example.thing+json")] {
                let manifest = Array("""
                    {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                    "config":{"mediaType":"\(mediaType)","digest":"\(configDigest)","size":\(config.count)},"layers":[]}
                    """.utf8)
                #expect(try await h.putManifest(manifest, repository: "charts/web", reference: tag).status == .created)
            }
            let chart = try await h.api(.get, "/projects/charts/repositories/web/artifacts/1.2.3").object()
            #expect(chart["type"] as? String == "CHART")
            #expect((chart["extra_attrs"] as? [String: Any])?["version"] as? String == "1.2.3")
            let other = try await h.api(.get, "/projects/charts/repositories/web/artifacts/other").object()
            #expect(other["type"] as? String == "UNKNOWN" && other["artifact_type"] as? String == "application/vnd.example.thing+json")
        }
    }

    /// The plain listing is counted by a quicker statement than the filtered ones; both must say
    /// what the listing shows: untagged children out, a tagged child in, an accessory of a listed
    /// artifact out, an artifact naming a subject that is not in the repository in.
    @Test func theTotalCountIsWhatIsListed() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let pushed = try await h.pushIndex("team/mixed", tag: "latest")
            let child = try await h.request(.get, "/v2/team/mixed/manifests/\(pushed.children[1])")
            #expect(try await h.putManifest(child.bytes, repository: "team/mixed", reference: "child-tag",
                                            mediaType: child.headers[.contentType] ?? MediaType.ociManifest).status == .created)
            let image = try await h.pushImage("team/mixed", tag: "plain", layer: "plain layer")
            _ = try await h.pushRunnableImage("team/mixed", subject: image.digest, subjectSize: image.bytes.count)
            _ = try await h.pushRunnableImage("team/mixed", subject: OCI.Digest.of(Array("elsewhere".utf8)), subjectSize: 9)
            for query in ["", "?q=base%3D*", "?q=tags%3D*", "?sort=creation_time"] {
                let all = try await h.api(.get, "/projects/team/repositories/mixed/artifacts\(query)\(query.isEmpty ? "?" : "&")page_size=100")
                let single = try await h.api(.get, "/projects/team/repositories/mixed/artifacts\(query)\(query.isEmpty ? "?" : "&")page_size=1")
                #expect(all.header("X-Total-Count") == String(try all.array().count), "\(query)")
                #expect(single.header("X-Total-Count") == all.header("X-Total-Count"), "\(query)")
            }
            // index, tagged child, plain image, the artifact whose subject is elsewhere
            #expect(try await h.api(.get, "/projects/team/repositories/mixed/artifacts").header("X-Total-Count") == "4")
        }
    }

    @Test func indexReferencesAndDeletion() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let pushed = try await h.pushIndex("team/multi", tag: "latest")
            // Untagged children are listed under their index, not on their own.
            let list = try await h.api(.get, "/projects/team/repositories/multi/artifacts")
            #expect(try list.array().map { $0["digest"] as? String } == [pushed.index.description])
            #expect(try await h.api(.get, "/projects/team/repositories/multi/artifacts?q=base%3D*").header("X-Total-Count") == "3")
            #expect(try await h.api(.get, "/projects/team/repositories/multi").object()["artifact_count"] as? Int == 1)

            let index = try await h.api(.get, "/projects/team/repositories/multi/artifacts/latest").object()
            #expect(index["type"] as? String == "IMAGE" && index["media_type"] as? String == MediaType.ociIndex)
            let references = try #require(index["references"] as? [[String: Any]])
            #expect(references.map { $0["child_digest"] as? String } == pushed.children.map(\.description))
            #expect((references[1]["platform"] as? [String: Any])?["variant"] as? String == "v8")
            #expect(references.allSatisfy { $0["child_id"] is Int && $0["parent_id"] as? Int == index["id"] as? Int })

            let child = try await h.api(.delete, "/projects/team/repositories/multi/artifacts/\(pushed.children[0])")
            #expect(child.status == .preconditionFailed)
            #expect(child.errorCode == "VIOLATE_FOREIGN_KEY_CONSTRAINT")
            #expect(child.text.contains("the deleting artifact is referenced by others"))
            #expect(try await h.api(.delete, "/projects/team/repositories/multi/artifacts/latest").status == .ok)
            // The children went with the index: nothing else held them.
            #expect(try await h.api(.get, "/projects/team/repositories/multi/artifacts?q=base%3D*").header("X-Total-Count") == "0")
            #expect(try await h.request(.get, "/v2/team/multi/manifests/\(pushed.children[1])").status == .notFound)
        }
    }

    @Test func tagsCreateListDelete() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            let image = try await h.pushImage("team/app", tag: "v1")
            let base = "/projects/team/repositories/app/artifacts/\(image.digest)/tags"
            let created = try await h.api(.post, base, json: #"{"name":"v2"}"#)
            #expect(created.status == .created)
            #expect(created.header("Location")?.hasSuffix("/tags/v2") == true)
            #expect(try await h.api(.post, base, json: #"{"name":"v2"}"#).status == .conflict)
            #expect(try await h.api(.post, base, json: #"{"name":"-bad"}"#).status == .badRequest)
            #expect(try await h.api(.post, "/projects/team/repositories/app/artifacts/nope/tags", json: #"{"name":"x"}"#).status == .notFound)

            let tags = try await h.api(.get, base)
            #expect(try tags.array().map { $0["name"] as? String } == ["v1", "v2"])
            #expect(tags.header("X-Total-Count") == "2")
            #expect(try await h.request(.get, "/v2/team/app/manifests/v2").status == .ok)

            let guest = try await h.member("guest", of: "team", role: 3)
            #expect(try await h.api(.get, base, headers: guest).status == .ok)
            #expect(try await h.api(.delete, base + "/v2", headers: guest).status == .forbidden)
            #expect(try await h.api(.post, base, json: #"{"name":"v3"}"#, headers: guest).status == .forbidden)
            #expect(try await h.api(.delete, base + "/v2").status == .ok)
            #expect(try await h.api(.delete, base + "/v2").status == .notFound)
            #expect(try await h.request(.get, "/v2/team/app/manifests/v2").status == .notFound)
            #expect(try await h.request(.get, "/v2/team/app/manifests/v1").status == .ok)
        }
    }

    @Test func deletePermissions() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.pushImage("team/app", tag: "v1")
            let guest = try await h.member("guest", of: "team", role: 3)
            let developer = try await h.member("dev", of: "team", role: 2)
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts/v1", headers: guest).status == .ok)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1", headers: guest).status == .forbidden)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1", headers: developer).status == .forbidden)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1", headers: [:]).status == .unauthorized)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1").status == .ok)
            #expect(try await h.api(.get, "/projects/team/repositories/app/artifacts/v1").status == .notFound)
            #expect(try await h.api(.delete, "/projects/team/repositories/app/artifacts/v1").status == .notFound)
        }
    }

    @Test func copyAcrossProjects() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("team")
            _ = try await h.createProject("other")
            let image = try await h.pushImage("team/app", tag: "v1")
            let copied = try await h.api(.post, "/projects/other/repositories/mirror%252Fapp/artifacts?from=team/app:v1")
            #expect(copied.status == .created, "\(copied.text)")
            #expect(copied.header("Location") == "/api/v2.0/projects/other/repositories/mirror%252Fapp/artifacts/\(image.digest)")
            let pulled = try await h.request(.get, "/v2/other/mirror/app/manifests/v1")
            #expect(pulled.status == .ok && pulled.bytes == image.bytes)
            #expect(try await h.request(.get, "/v2/other/mirror/app/blobs/\(Digest.of(Array("layer".utf8)))").text == "layer")
            #expect(try await h.api(.post, "/projects/other/repositories/mirror%252Fapp/artifacts?from=team/app@\(image.digest)").status == .conflict)
            #expect(try await h.api(.post, "/projects/other/repositories/x/artifacts?from=team/app:nope").status == .notFound)
            #expect(try await h.api(.post, "/projects/other/repositories/x/artifacts?from=ghost/app:v1").status == .notFound)
            #expect(try await h.api(.post, "/projects/other/repositories/x/artifacts?from=garbage").status == .badRequest)
            #expect(try await h.api(.post, "/projects/other/repositories/x/artifacts").status == .badRequest)

            // An index copies with its children.
            let index = try await h.pushIndex("team/multi", tag: "latest")
            #expect(try await h.api(.post, "/projects/other/repositories/multi/artifacts?from=team/multi@\(index.index)").status == .created)
            for child in index.children {
                #expect(try await h.request(.get, "/v2/other/multi/manifests/\(child)").status == .ok)
            }
            let copy = try await h.api(.get, "/projects/other/repositories/multi/artifacts/latest").object()
            #expect((copy["references"] as? [[String: Any]])?.allSatisfy { $0["child_id"] is Int } == true)

            // A developer of the target who cannot see the source project is refused.
            let developer = try await h.member("dev", of: "other", role: 2)
            #expect(try await h.api(.post, "/projects/other/repositories/y/artifacts?from=team/app:v1", headers: developer).status == .forbidden)
        }
    }
}
