import BerthTestSupport
import Foundation
import HTTPTypes
import OCI
import Testing

extension Harness {
    /// An image manifest pushed by digest only (an index child), with its own layer.
    func pushUntaggedImage(_ repository: String, layer: String, architecture: String) async throws -> (digest: Digest, size: Int) {
        let manifest = try await pushImageContent(repository, config: "{\"architecture\":\"\(architecture)\",\"os\":\"linux\"}", layer: layer)
        let digest = Digest.of(manifest)
        #expect(try await putManifest(manifest, repository: repository, reference: digest.description).status == .created)
        return (digest, manifest.count)
    }

    /// A two-platform index (amd64, arm64) tagged `tag`; returns the index and child digests.
    func pushIndex(_ repository: String, tag: String) async throws -> (index: Digest, children: [Digest]) {
        let amd = try await pushUntaggedImage(repository, layer: "amd64 layer", architecture: "amd64")
        let arm = try await pushUntaggedImage(repository, layer: "arm64 layer", architecture: "arm64")
        let index = Array("""
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[\
            {"mediaType":"\(MediaType.ociManifest)","digest":"\(amd.digest)","size":\(amd.size),"platform":{"architecture":"amd64","os":"linux"}},\
            {"mediaType":"\(MediaType.ociManifest)","digest":"\(arm.digest)","size":\(arm.size),"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}
            """.utf8)
        #expect(try await putManifest(index, repository: repository, reference: tag, mediaType: MediaType.ociIndex).status == .created)
        return (Digest.of(index), [amd.digest, arm.digest])
    }

    /// A user with `role` in `project`; returns Basic credentials.
    func member(_ name: String, of project: String, role: Int) async throws -> HTTPFields {
        let user = try await createUser(name, password: "\(name.capitalized)-Passw0rd")
        try await addMember(project, userID: user.id, role: role)
        return Harness.basic(name, user.password)
    }
}
