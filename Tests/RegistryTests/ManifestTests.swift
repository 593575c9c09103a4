import BerthTestSupport
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing

@Suite struct ManifestTests {
    let repo = "library/team/app"

    @Test func pushAndPullByTagAndDigestReturnExactBytes() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage(repo, tag: "v1")
            for reference in ["v1", image.digest.description] {
                let get = try await h.request(.get, "/v2/\(repo)/manifests/\(reference)")
                #expect(get.status == .ok)
                #expect(get.bytes == image.bytes)
                #expect(get.header("Content-Type") == MediaType.ociManifest)
                #expect(get.header("Docker-Content-Digest") == image.digest.description)
                let head = try await h.request(.head, "/v2/\(repo)/manifests/\(reference)")
                #expect(head.status == .ok)
                #expect(head.header("Content-Length") == String(image.bytes.count))
                #expect(head.body.readableBytes == 0)
            }
            let missing = try await h.request(.get, "/v2/\(repo)/manifests/nope")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "MANIFEST_UNKNOWN")
        }
    }

    @Test func acceptHeaderIsHonoured() async throws {
        try await Harness.run { h in
            _ = try await h.pushImage(repo, tag: "v1")
            var headers = Harness.admin
            headers[.accept] = MediaType.dockerManifest
            let refused = try await h.request(.get, "/v2/\(repo)/manifests/v1", headers: headers)
            #expect(refused.status == .notFound)
            headers[.accept] = "\(MediaType.dockerManifest), \(MediaType.ociManifest);q=0.9"
            #expect(try await h.request(.get, "/v2/\(repo)/manifests/v1", headers: headers).status == .ok)
        }
    }

    @Test func manifestWithMissingReferencesIsRefused() async throws {
        try await Harness.run { h in
            let absent = Digest.of(Array("absent".utf8))
            let manifest = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                "config":{"mediaType":"\(MediaType.ociConfig)","digest":"\(absent)","size":6},"layers":[]}
                """.utf8)
            let response = try await h.putManifest(manifest, repository: repo, reference: "v1")
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "MANIFEST_BLOB_UNKNOWN")

            let index = Array("""
                {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[{"mediaType":"\(MediaType.ociManifest)","digest":"\(absent)","size":6}]}
                """.utf8)
            let indexResponse = try await h.putManifest(index, repository: repo, reference: "multi", mediaType: MediaType.ociIndex)
            #expect(indexResponse.errorCode == "MANIFEST_BLOB_UNKNOWN")
            #expect(try await h.request(.get, "/v2/\(repo)/tags/list").status == .notFound)
        }
    }

    @Test func invalidManifestsGetTheRightErrors() async throws {
        try await Harness.run { h in
            let cases: [(String, [UInt8], HTTPResponse.Status, String)] = [
                ("v1", Array("{not json".utf8), .badRequest, "MANIFEST_INVALID"),
                ("v1", Array(#"{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}"#.utf8), .unsupportedMediaType, "MANIFEST_INVALID"),
                ("-badtag", Array("{}".utf8), .badRequest, "TAG_INVALID"),
                ("sha256:baddigeststring", Array("{}".utf8), .badRequest, "DIGEST_INVALID"),
                ("v1", [UInt8](repeating: 0x20, count: 4 * 1024 * 1024 + 1), .contentTooLarge, "SIZE_INVALID"),
            ]
            for (reference, body, status, code) in cases {
                let response = try await h.putManifest(body, repository: repo, reference: reference)
                #expect(response.status == status, "\(reference) \(body.prefix(20))")
                #expect(response.errorCode == code, "\(reference)")
            }
            // A media type the body does not name must be a manifest type: no serving text/html.
            let html = Array(#"{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:\#(String(repeating: "c", count: 64))","size":1},"layers":[]}"#.utf8)
            #expect(try await h.putManifest(html, repository: repo, reference: "html", mediaType: "text/html").errorCode == "MANIFEST_INVALID")
            let badName = try await h.request(.get, "/v2/library/Bad_Name/manifests/v1")
            #expect(badName.status == .badRequest)
            #expect(badName.errorCode == "NAME_INVALID")
        }
    }

    @Test func pushByDigestMustMatchContent() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage(repo, tag: "v1")
            let wrong = Digest.of(Array("other".utf8))
            let refused = try await h.putManifest(image.bytes, repository: repo, reference: wrong.description)
            #expect(refused.status == .badRequest)
            #expect(refused.errorCode == "DIGEST_INVALID")
            let accepted = try await h.putManifest(image.bytes, repository: repo, reference: image.digest.description)
            #expect(accepted.status == .created)
            #expect(accepted.header("Location") == "/v2/\(repo)/manifests/\(image.digest)")
        }
    }

    @Test func deletingATagKeepsTheOthers() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage(repo, tag: "v1")
            #expect(try await h.putManifest(image.bytes, repository: repo, reference: "latest").status == .created)
            #expect(try await h.request(.delete, "/v2/\(repo)/manifests/v1").status == .accepted)
            #expect(try await h.request(.get, "/v2/\(repo)/manifests/v1").status == .notFound)
            #expect(try await h.request(.get, "/v2/\(repo)/manifests/latest").bytes == image.bytes)
            #expect(try await h.request(.delete, "/v2/\(repo)/manifests/v1").errorCode == "MANIFEST_UNKNOWN")

            #expect(try await h.request(.delete, "/v2/\(repo)/manifests/\(image.digest)").status == .accepted)
            #expect(try await h.request(.get, "/v2/\(repo)/manifests/latest").status == .notFound)
            #expect(try await h.request(.get, "/v2/\(repo)/manifests/\(image.digest)").status == .notFound)
            #expect(try await h.request(.get, "/v2/\(repo)/tags/list").text == #"{"name":"\#(repo)","tags":[]}"#)
        }
    }

    @Test func indexesAndDockerManifestLists() async throws {
        try await Harness.run { h in
            let amd = try await h.pushImage(repo, tag: "amd", layer: "amd64 layer")
            let arm = try await h.pushImage(repo, tag: "arm", layer: "arm64 layer", extra: ",\"variant\":\"v8\"")
            for type in [MediaType.ociIndex, MediaType.dockerManifestList] {
                let index = Array("""
                    {"schemaVersion":2,"mediaType":"\(type)","manifests":[\
                    {"mediaType":"\(MediaType.ociManifest)","digest":"\(amd.digest)","size":\(amd.bytes.count),"platform":{"architecture":"amd64","os":"linux"}},\
                    {"mediaType":"\(MediaType.ociManifest)","digest":"\(arm.digest)","size":\(arm.bytes.count),"platform":{"architecture":"arm64","os":"linux"}}]}
                    """.utf8)
                let put = try await h.putManifest(index, repository: repo, reference: "multi", mediaType: type)
                #expect(put.status == .created)
                let get = try await h.request(.get, "/v2/\(repo)/manifests/multi")
                #expect(get.bytes == index && get.header("Content-Type") == type)
            }
            // A child of an index cannot be deleted while the index lists it.
            let refused = try await h.request(.delete, "/v2/\(repo)/manifests/\(amd.digest)")
            #expect(refused.status == .preconditionFailed)
            #expect(refused.text.contains("VIOLATE_FOREIGN_KEY_CONSTRAINT") && refused.text.contains("the deleting artifact is referenced by others"))
        }
    }

    @Test func referrersListAndFilter() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage(repo, tag: "v1")
            let empty = Digest.of(Array("{}".utf8))
            try await h.pushBlob(Array("{}".utf8), to: repo)
            var referrers: [Digest] = []
            for (i, type) in ["application/vnd.example.sbom", "application/vnd.example.sig", "application/vnd.example.sbom"].enumerated() {
                let artifact = Array("""
                    {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)","artifactType":"\(type)",\
                    "config":{"mediaType":"\(MediaType.ociEmpty)","digest":"\(empty)","size":2},"layers":[],\
                    "subject":{"mediaType":"\(MediaType.ociManifest)","digest":"\(image.digest)","size":\(image.bytes.count)},\
                    "annotations":{"n":"\(i)"}}
                    """.utf8)
                let put = try await h.putManifest(artifact, repository: repo, reference: Digest.of(artifact).description)
                #expect(put.status == .created)
                #expect(put.header("OCI-Subject") == image.digest.description)
                referrers.append(Digest.of(artifact))
            }
            let all = try await h.request(.get, "/v2/\(repo)/referrers/\(image.digest)")
            #expect(all.status == .ok)
            #expect(all.header("Content-Type") == MediaType.ociIndex)
            #expect(all.header("OCI-Filters-Applied") == nil)
            for digest in referrers { #expect(all.text.contains(digest.description)) }
            #expect(all.text.contains("\"annotations\":{\"n\":\"1\"}"))

            let filtered = try await h.request(.get, "/v2/\(repo)/referrers/\(image.digest)?artifactType=application/vnd.example.sig")
            #expect(filtered.header("OCI-Filters-Applied") == "artifactType")
            #expect(filtered.text.contains(referrers[1].description) && !filtered.text.contains(referrers[0].description))

            let none = try await h.request(.get, "/v2/\(repo)/referrers/\(Digest.of([7]))")
            #expect(none.status == .ok)
            #expect(none.text == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
        }
    }

    @Test func tagListAndCatalogPaginate() async throws {
        try await Harness.run { h in
            let image = try await h.pushImage(repo, tag: "a")
            for tag in ["c", "B", "b", "d"] {
                #expect(try await h.putManifest(image.bytes, repository: repo, reference: tag).status == .created)
            }
            let all = try await h.request(.get, "/v2/\(repo)/tags/list")
            #expect(all.text == #"{"name":"\#(repo)","tags":["B","a","b","c","d"]}"#)
            let page = try await h.request(.get, "/v2/\(repo)/tags/list?n=2&last=a")
            #expect(page.text == #"{"name":"\#(repo)","tags":["b","c"]}"#)
            #expect(page.header("Link") == "</v2/\(repo)/tags/list?n=2&last=c>; rel=\"next\"")
            let last = try await h.request(.get, "/v2/\(repo)/tags/list?n=10&last=c")
            #expect(last.text == #"{"name":"\#(repo)","tags":["d"]}"#)
            #expect(last.header("Link") == nil)
            #expect(try await h.request(.get, "/v2/\(repo)/tags/list?n=-1").status == .badRequest)

            for name in ["library/z", "library/m"] { try await h.pushBlob([1], to: name) }
            let catalog = try await h.request(.get, "/v2/_catalog?n=2")
            #expect(catalog.text == #"{"repositories":["library/m","library/team/app"]}"#)
            #expect(catalog.header("Link") == "</v2/_catalog?n=2&last=library/team/app>; rel=\"next\"")
            let rest = try await h.request(.get, "/v2/_catalog?n=2&last=library/team/app")
            #expect(rest.text == #"{"repositories":["library/z"]}"#)
        }
    }
}
