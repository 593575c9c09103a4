import BerthTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import OCI
import Testing

/// Accessories (signatures, SBOMs and other referrers shown under their subject) and the content
/// trust gates: Harbor's "a signature exists" and Berth's "a signature by a trusted key".
@Suite struct AccessoryAPITests {
    @Test func accessoriesAreListedUnderTheirSubjectAndGoWithIt() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("acc")
            let image = try await h.pushImage("acc/app", tag: "v1")
            let key = P256.Signing.PrivateKey()
            let modern = try await h.pushCosignSignature("acc/app", subject: image.digest, subjectSize: image.bytes.count, key: key, legacyTag: false)
            let legacy = try await h.pushCosignSignature("acc/app", subject: image.digest, subjectSize: image.bytes.count, key: key,
                                                         legacyTag: true, variant: "second")
            let notation = try await h.pushReferrer("acc/app", subject: image.digest, subjectSize: image.bytes.count,
                                                    artifactType: AccessoryType.notationArtifactType)
            let other = try await h.pushReferrer("acc/app", subject: image.digest, subjectSize: image.bytes.count)
            // An accessory of an accessory (an attestation signed in turn) goes with it too.
            let nested = try await h.pushReferrer("acc/app", subject: other, subjectSize: 400, artifactType: "application/vnd.example.nested")

            // The listing shows the image alone; its accessories are under it when asked for.
            let listed = try await h.api(.get, "/projects/acc/repositories/app/artifacts?with_accessory=true").array()
            #expect(listed.count == 1 && listed[0]["digest"] as? String == image.digest.description, "\(listed)")
            let accessories = try #require(listed[0]["accessories"] as? [[String: Any]])
            let types = Dictionary(uniqueKeysWithValues: accessories.map { ($0["digest"] as! String, $0["type"] as! String) })
            #expect(types == [modern.description: "signature.cosign", legacy.description: "signature.cosign",
                              notation.description: "signature.notation", other.description: "subject.accessory"], "\(types)")
            let first = try #require(accessories.first)
            #expect(first["subject_artifact_digest"] as? String == image.digest.description && first["subject_artifact_repo"] as? String == "acc/app")
            #expect((first["size"] as? Int ?? 0) > 0 && (first["icon"] as? String ?? "").hasPrefix("sha256:"))
            #expect(try await h.api(.get, "/projects/acc/repositories/app/artifacts").array()[0]["accessories"] == nil)

            // The accessories endpoint pages and filters by type.
            let page = try await h.api(.get, "/projects/acc/repositories/app/artifacts/v1/accessories?page_size=2")
            let pageItems = try page.array()
            #expect(page.status == .ok && page.header("X-Total-Count") == "4" && pageItems.count == 2)
            let cosign = try await h.api(.get, "/projects/acc/repositories/app/artifacts/v1/accessories?q=type%3Dsignature.cosign").array()
            #expect(Set(cosign.compactMap { $0["digest"] as? String }) == [modern.description, legacy.description])
            // The icon named is served.
            let icon = try await h.api(.get, "/icons/\(first["icon"] as! String)").object()
            #expect(icon["content-type"] as? String == "image/svg+xml" && (icon["content"] as? String)?.isEmpty == false)
            #expect(try await h.api(.get, "/icons/sha256:\(String(repeating: "0", count: 64))").status == .notFound)
            #expect(try await h.api(.get, "/icons/nonsense").status == .badRequest)

            // Deleting the subject deletes every accessory, the legacy tag with it.
            #expect(try await h.api(.delete, "/projects/acc/repositories/app/artifacts/v1").status == .ok)
            for digest in [modern, legacy, notation, other, nested] {
                #expect(try await h.request(.get, "/v2/acc/app/manifests/\(digest)").status == .notFound, "\(digest) survived")
            }
            let tags = try await h.request(.get, "/v2/acc/app/tags/list")
            #expect(!tags.text.contains(".sig"), "\(tags.text)")
        }
    }

    @Test func contentTrustGatesPullsOnSignatures() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("trusted")
            #expect(try await h.api(.put, "/projects/trusted", json: #"{"metadata":{"enable_content_trust_cosign":"true"}}"#).status == .ok)
            let image = try await h.pushImage("trusted/app", tag: "v1")
            let index = try await h.pushIndex("trusted/multi", tag: "v1")

            // Unsigned: Harbor's 412 and words, for tag and digest, GET and HEAD.
            for path in ["/v2/trusted/app/manifests/v1", "/v2/trusted/app/manifests/\(image.digest)"] {
                let refused = try await h.request(.get, path)
                #expect(refused.status == .preconditionFailed && refused.errorCode == "PROJECTPOLICYVIOLATION", "\(refused.text)")
                #expect(refused.text.contains("The image is not signed by cosign."))
                #expect(try await h.request(.head, path).status == .preconditionFailed)
            }
            // A signing tool with push access reads the manifest it signs.
            var cosignClient = Harness.admin
            cosignClient[.userAgent] = "cosign/v2.4.1 (linux; amd64)"
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/v1", headers: cosignClient).status == .ok)

            // Any cosign signature opens the gate while the project trusts no key.
            let stranger = P256.Signing.PrivateKey()
            let signature = try await h.pushCosignSignature("trusted/app", subject: image.digest, subjectSize: image.bytes.count,
                                                            key: stranger, legacyTag: true)
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/v1").status == .ok)
            // The signature itself is never gated.
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/\(signature)").status == .ok)

            // With trusted keys, only a signature verifying against one of them counts.
            let trusted = P256.Signing.PrivateKey()
            let created = try await h.api(.post, "/projects/trusted/signature-keys",
                                          json: try Self.keyJSON(name: "release", pem: trusted.publicKey.pemRepresentation))
            #expect(created.status == .created, "\(created.text)")
            let refused = try await h.request(.get, "/v2/trusted/app/manifests/v1")
            #expect(refused.status == .preconditionFailed && refused.text.contains("key this project trusts"), "\(refused.text)")
            // A signature whose payload names another image does not count either.
            _ = try await h.pushCosignSignature("trusted/app", subject: image.digest, subjectSize: image.bytes.count, key: trusted,
                                                legacyTag: false, signedDigest: index.index)
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/v1").status == .preconditionFailed)
            _ = try await h.pushCosignSignature("trusted/app", subject: image.digest, subjectSize: image.bytes.count, key: trusted, legacyTag: false)
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/v1").status == .ok)

            // A signed index covers the images it lists.
            #expect(try await h.request(.get, "/v2/trusted/multi/manifests/\(index.children[0])").status == .preconditionFailed)
            let indexBytes = try await h.request(.get, "/v2/trusted/multi/manifests/\(index.index)", headers: cosignClient).bytes
            _ = try await h.pushCosignSignature("trusted/multi", subject: index.index, subjectSize: indexBytes.count, key: trusted,
                                                legacyTag: false, subjectMediaType: MediaType.ociIndex)
            #expect(try await h.request(.get, "/v2/trusted/multi/manifests/v1").status == .ok)
            #expect(try await h.request(.get, "/v2/trusted/multi/manifests/\(index.children[1])").status == .ok)
            // The child shows the index's signature as inherited, not as its own.
            let child = try await h.api(.get, "/projects/trusted/repositories/multi/artifacts/\(index.children[1])?with_accessory=true&with_inherited_accessory=true").object()
            let inherited = try #require(child["inherited_accessories"] as? [[String: Any]])
            #expect((child["accessories"] as? [Any])?.isEmpty == true && inherited.count == 1, "\(child)")
            #expect(inherited.first?["subject_artifact_digest"] as? String == index.index.description && inherited.first?["type"] as? String == "signature.cosign")
            #expect(try await h.api(.get, "/projects/trusted/repositories/multi/artifacts/\(index.children[1])").object()["inherited_accessories"] == nil)
            // An image that merely names a subject is still an image: the gate holds it.
            let withSubject = try await h.pushRunnableImage("trusted/app", subject: image.digest, subjectSize: image.bytes.count)
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/\(withSubject)").status == .preconditionFailed)
            // Nor does cosign's legacy tag make an image a signature.
            let disguised = try await h.pushImage("trusted/app", tag: "sha256-\(image.digest.hex).sig", layer: "disguised")
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/\(disguised.digest)").status == .preconditionFailed)
            let listed = try await h.api(.get, "/projects/trusted/repositories/app/artifacts?page_size=50").array().compactMap { $0["digest"] as? String }
            #expect(listed.contains(disguised.digest.description), "\(listed)")

            // Notation's switch asks for a notation signature as well.
            #expect(try await h.api(.put, "/projects/trusted", json: #"{"metadata":{"enable_content_trust":"true"}}"#).status == .ok)
            let noNotation = try await h.request(.get, "/v2/trusted/app/manifests/v1")
            #expect(noNotation.status == .preconditionFailed && noNotation.text.contains("not signed by notation"), "\(noNotation.text)")
            _ = try await h.pushReferrer("trusted/app", subject: image.digest, subjectSize: image.bytes.count,
                                         artifactType: AccessoryType.notationArtifactType)
            #expect(try await h.request(.get, "/v2/trusted/app/manifests/v1").status == .ok)
        }
    }

    @Test func signatureKeysAreValidatedAndOwnedByProjectAdmins() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("keys")
            let maintainer = try await h.createUser("keeper")
            try await h.addMember("keys", userID: maintainer.id, role: 4)
            let keeper = Harness.basic("keeper", maintainer.password)
            let pem = P256.Signing.PrivateKey().publicKey.pemRepresentation
            for body in [#"{"name":"","public_key":"x"}"#, #"{"name":"a"}"#, #"{"name":"a","public_key":"not a key"}"#,
                         try Self.keyJSON(name: "rsa", pem: "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK\n-----END PUBLIC KEY-----"),
                         "{not json"] {
                let refused = try await h.api(.post, "/projects/keys/signature-keys", json: body)
                #expect(refused.status == .badRequest, "\(body): \(refused.text)")
            }
            #expect(try await h.api(.get, "/projects/keys/signature-keys").array().isEmpty, "nothing stored by refused requests")
            #expect(try await h.api(.post, "/projects/keys/signature-keys", json: try Self.keyJSON(name: "k", pem: pem), headers: keeper).status == .forbidden)
            let created = try await h.api(.post, "/projects/keys/signature-keys", json: try Self.keyJSON(name: "k", pem: pem))
            #expect(created.status == .created)
            #expect(try await h.api(.post, "/projects/keys/signature-keys", json: try Self.keyJSON(name: "k", pem: pem)).status == .conflict)
            let listed = try await h.api(.get, "/projects/keys/signature-keys", headers: keeper).array()
            #expect(listed.count == 1 && (listed[0]["fingerprint"] as? String ?? "").hasPrefix("sha256:") && listed[0]["public_key"] as? String == pem)
            let id = try #require(listed[0]["id"] as? Int)
            #expect(try await h.api(.delete, "/projects/keys/signature-keys/\(id)", headers: keeper).status == .forbidden)
            #expect(try await h.api(.delete, "/projects/keys/signature-keys/\(id)").status == .ok)
            #expect(try await h.api(.delete, "/projects/keys/signature-keys/\(id)").status == .notFound)
            #expect(try await h.api(.get, "/projects/keys/signature-keys", headers: [:]).status == .unauthorized)
        }
    }

    static func keyJSON(name: String, pem: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["name": name, "public_key": pem]), as: UTF8.self)
    }
}

extension Harness {
    /// An ordinary image (image config, a tar layer) that names `subject`: runnable, so gated.
    func pushRunnableImage(_ repository: String, subject: OCI.Digest, subjectSize: Int) async throws -> OCI.Digest {
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8), layer = Array("runnable".utf8)
        let configDigest = try await pushBlob(config, to: repository), layerDigest = try await pushBlob(layer, to: repository)
        let manifest = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(configDigest)","size":\#(config.count)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\#(layerDigest)","size":\#(layer.count)}],"subject":{"mediaType":"\#(MediaType.ociManifest)","digest":"\#(subject)","size":\#(subjectSize)}}"#.utf8)
        let digest = OCI.Digest.of(manifest)
        let response = try await putManifest(manifest, repository: repository, reference: digest.description)
        #expect(response.status == .created, "\(response.text)")
        return digest
    }

    /// A cosign signature of `subject` made with `key`: a simple-signing payload naming
    /// `signedDigest` (the subject unless a test forges one), signed over its bytes. Pushed as an
    /// OCI 1.1 referrer, or as cosign's legacy `sha256-<hex>.sig` tag without a subject field.
    @discardableResult
    func pushCosignSignature(_ repository: String, subject: OCI.Digest, subjectSize: Int, key: P256.Signing.PrivateKey, legacyTag: Bool,
                             variant: String = "", signedDigest: OCI.Digest? = nil,
                             subjectMediaType: String = MediaType.ociManifest) async throws -> OCI.Digest {
        let payload = Array(#"{"critical":{"identity":{"docker-reference":"127.0.0.1/\#(repository)"},"image":{"docker-manifest-digest":"\#(signedDigest ?? subject)"},"type":"cosign container image signature"},"optional":{"v":"\#(variant)"}}"#.utf8)
        let signature = try key.signature(for: payload).derRepresentation.base64EncodedString()
        let payloadDigest = try await pushBlob(payload, to: repository)
        let config = Array(#"{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":["\#(payloadDigest)"]}}"#.utf8)
        let configDigest = try await pushBlob(config, to: repository)
        let layer = #"{"mediaType":"\#(AccessoryType.cosignSimpleSigning)","digest":"\#(payloadDigest)","size":\#(payload.count),"annotations":{"\#(CosignSignature.signatureAnnotation)":"\#(signature)"}}"#
        let subjectField = legacyTag ? "" : #","subject":{"mediaType":"\#(subjectMediaType)","digest":"\#(subject)","size":\#(subjectSize)}"#
        let artifactType = legacyTag ? "" : #""artifactType":"\#(AccessoryType.cosignArtifactType)","#
        let manifest = Array(#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)",\#(artifactType)"config":{"mediaType":"\#(MediaType.ociConfig)","digest":"\#(configDigest)","size":\#(config.count)},"layers":[\#(layer)]\#(subjectField)}"#.utf8)
        let digest = OCI.Digest.of(manifest)
        let reference = legacyTag ? "sha256-\(subject.hex).sig" : digest.description
        let response = try await putManifest(manifest, repository: repository, reference: reference)
        #expect(response.status == .created, "\(response.text)")
        return digest
    }
}
