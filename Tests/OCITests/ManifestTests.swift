import Testing
@testable import OCI

@Suite struct ManifestTests {
    let config = "sha256:" + String(repeating: "c", count: 64)
    let layer = "sha256:" + String(repeating: "d", count: 64)

    func bytes(_ json: String) -> [UInt8] { Array(json.utf8) }

    @Test func parsesOCIImageManifest() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(config)","size":10},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(layer)","size":20}],
             "annotations":{"a":"b"}}
            """
        let m = try Manifest(bytes: bytes(json), contentType: MediaType.ociManifest)
        #expect(m.kind == .image)
        #expect(m.requiredBlobs.map(\.description) == [config, layer])
        #expect(m.artifactType == "application/vnd.oci.image.config.v1+json")
        #expect(m.annotations == ["a": "b"])
    }

    @Test func parsesArtifactWithSubject() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom",
             "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\(config)","size":2},"layers":[],
             "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(layer)","size":300}}
            """
        let m = try Manifest(bytes: bytes(json), contentType: nil)
        #expect(m.artifactType == "application/vnd.example.sbom")
        #expect(m.subjectDigest?.description == layer)
    }

    @Test func nonDistributableLayersAreNotRequired() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\(config)","size":10},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"\(layer)","size":20,"urls":["https://example.com/l"]}]}
            """
        let m = try Manifest(bytes: bytes(json), contentType: MediaType.dockerManifest)
        #expect(m.requiredBlobs.map(\.description) == [config])
    }

    @Test func parsesIndexAndDockerList() throws {
        for type in [MediaType.ociIndex, MediaType.dockerManifestList] {
            let json = """
                {"schemaVersion":2,"mediaType":"\(type)","manifests":[{"mediaType":"\(MediaType.ociManifest)","digest":"\(layer)","size":5,"platform":{"architecture":"amd64","os":"linux"}}]}
                """
            let m = try Manifest(bytes: bytes(json), contentType: type)
            #expect(m.kind == .index)
            #expect(m.requiredManifests.map(\.description) == [layer])
            #expect(m.requiredBlobs.isEmpty)
        }
    }

    @Test func refusesSchema1() {
        #expect(throws: OCIFormatError.unsupportedManifest("Docker schema 1 manifests are not supported; push with a current client")) {
            try Manifest(bytes: bytes(#"{"schemaVersion":1,"name":"a","tag":"b","fsLayers":[]}"#), contentType: MediaType.dockerSchema1Signed)
        }
    }

    @Test(arguments: [
        "not json", "[]", #"{"schemaVersion":2}"#, #"{"schemaVersion":3,"config":{"mediaType":"a","digest":"sha256:x","size":1},"layers":[]}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:x","size":1},"layers":[]}"#,
        #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"a","digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","size":1}}"#,
    ])
    func refusesMalformed(_ json: String) {
        #expect(throws: OCIFormatError.self) { try Manifest(bytes: Array(json.utf8), contentType: nil) }
    }

    @Test func contentTypeMustMatchBody() {
        let json = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"a/b","digest":"\(config)","size":1},"layers":[]}
            """
        #expect(throws: OCIFormatError.self) { try Manifest(bytes: bytes(json), contentType: MediaType.dockerManifest) }
    }

    /// Found by FuzzReference and FuzzManifest on their first sha512 seeds (reference/digest-sha512):
    /// the tag schema keeps 64 characters of the digest, so a sha512 subject's fallback tags were
    /// 135-character strings that no tag can be, and replicating its referrers failed.
    @Test func referrerFallbackTagsAreTags() throws {
        let sha256 = Digest.of(Array("subject".utf8))
        #expect(Manifest.referrerFallbackTags(of: sha256) == ["sha256-\(sha256.hex)", "sha256-\(sha256.hex).sig",
                                                              "sha256-\(sha256.hex).att", "sha256-\(sha256.hex).sbom"])
        let sha512 = Digest.of(Array("subject".utf8), algorithm: .sha512)
        let tags = Manifest.referrerFallbackTags(of: sha512)
        #expect(tags.first == "sha512-\(sha512.hex.prefix(64))")
        for tag in tags { _ = try Tag(tag) }
    }

    @Test func refusesOversizedManifest() {
        #expect(throws: OCIFormatError.self) { try Manifest(bytes: [UInt8](repeating: 0x20, count: Manifest.maximumSize + 1), contentType: nil) }
    }
}
