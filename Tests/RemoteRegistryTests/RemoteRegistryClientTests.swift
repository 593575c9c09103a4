import BerthTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OCI
import Testing
@testable import RemoteRegistry

/// The client against a real Berth on a loopback socket: the token dance, manifests by tag and by
/// digest, blobs streamed to files with their digest checked, and clear errors that never show a
/// password.
@Suite struct RemoteRegistryClientTests {
    static let admin = RemoteCredentials(username: "admin", password: Harness.password)

    @Test func manifestsAndBlobsThroughTheTokenDance() async throws {
        try await Harness.run(live: true) { h in
            let endpoint = "http://127.0.0.1:\(try #require(h.port))"
            #expect(try await h.request(.post, "/api/v2.0/projects", body: Array(#"{"project_name":"mirror"}"#.utf8)).status == .created)
            let pushed = try await h.pushImage("mirror/osv", tag: "v1", layer: "advisories")
            let repository = try RepositoryName("mirror/osv")

            let client = RemoteRegistryClient(endpoint: endpoint, credentials: Self.admin)
            let byTag = try await client.manifest(repository, reference: try Reference("v1"))
            #expect(byTag.digest == pushed.digest && byTag.bytes == pushed.bytes && byTag.mediaType == MediaType.ociManifest)
            let byDigest = try await client.manifest(repository, reference: .digest(pushed.digest))
            #expect(byDigest.bytes == pushed.bytes)

            let directory = try TemporaryDirectory.make()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let layer = try byTag.manifest.layers[0].validDigest()
            let size = try await client.downloadBlob(repository, digest: layer, to: directory + "/layer", limit: 1 << 20)
            let text = try String(contentsOfFile: directory + "/layer", encoding: .utf8)
            #expect(size == 10 && text == "advisories")

            // Over the limit: an error, and no file, partial or whole.
            await #expect(throws: RemoteError.tooLarge(url: "\(endpoint)/v2/mirror/osv/blobs/\(layer)", limit: 4)) {
                try await client.downloadBlob(repository, digest: layer, to: directory + "/small", limit: 4)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["layer"])

            // A blob the registry does not have: its status and error code.
            let missing = Digest.of(Array("nothing".utf8))
            do {
                try await client.downloadBlob(repository, digest: missing, to: directory + "/missing", limit: 1 << 20)
                Issue.record("a missing blob downloaded")
            } catch let error as RemoteError {
                guard case .status(_, 404, let message) = error else { Issue.record("\(error)"); return }
                #expect(message.contains("BLOB_UNKNOWN"), "\(message)")
            }
        }
    }

    @Test func refusedCredentialsAndAnonymousCallersGetReasonsWithoutThePassword() async throws {
        try await Harness.run(live: true) { h in
            let endpoint = "http://127.0.0.1:\(try #require(h.port))"
            #expect(try await h.request(.post, "/api/v2.0/projects", body: Array(#"{"project_name":"private"}"#.utf8)).status == .created)
            _ = try await h.pushImage("private/osv", tag: "v1")
            let repository = try RepositoryName("private/osv")

            let wrong = RemoteRegistryClient(endpoint: endpoint, credentials: RemoteCredentials(username: "admin", password: "not-the-Passw0rd"))
            do {
                _ = try await wrong.manifest(repository, reference: try Reference("v1"))
                Issue.record("a wrong password was accepted")
            } catch let error as RemoteError {
                guard case .unauthorized = error else { Issue.record("\(error)"); return }
                #expect(error.description.contains("admin") && !error.description.contains("not-the-Passw0rd"), "\(error)")
            }
            let anonymous = RemoteRegistryClient(endpoint: endpoint)
            do {
                _ = try await anonymous.manifest(repository, reference: try Reference("v1"))
                Issue.record("an anonymous caller read a private project")
            } catch let error as RemoteError {
                guard case .unauthorized = error else { Issue.record("\(error)"); return }
                #expect(error.description.contains("none are configured"), "\(error)")
            }
            // Nothing listens here: unreachable, not a hang.
            let nowhere = RemoteRegistryClient(endpoint: "http://127.0.0.1:9")
            do {
                _ = try await nowhere.manifest(repository, reference: try Reference("v1"))
                Issue.record("a closed port answered")
            } catch let error as RemoteError {
                guard case .unreachable = error else { Issue.record("\(error)"); return }
            }
        }
    }

    /// A file server that asks for Basic credentials (a tiny Hummingbird app on loopback): the
    /// download answers the challenge; without credentials, or from a server that asks for a
    /// token instead (a registry's blob URL), it fails and leaves no file.
    @Test func aPlainFileDownloadAnswersABasicChallengeOnly() async throws {
        let bytes = Array(repeating: Array("0123456789abcdef".utf8), count: 65_536).flatMap { $0 } // 1 MiB
        let expected = "Basic " + Data("mirror:Mirror-Passw0rd".utf8).base64EncodedString()
        let router = Router()
        router.get("all.zip") { request, _ -> Response in
            guard request.headers[.authorization] == expected else {
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"files\""])
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let url = "http://127.0.0.1:\(try #require(client.port))/all.zip"
            let directory = try TemporaryDirectory.make()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let size = try await HTTPDownload.file(url, to: directory + "/all.zip", limit: 4 << 20,
                                                   credentials: RemoteCredentials(username: "mirror", password: "Mirror-Passw0rd"))
            let downloaded = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/all.zip")))
            #expect(size == Int64(bytes.count) && downloaded == bytes)
            await #expect(throws: RemoteError.self) {
                try await HTTPDownload.file(url, to: directory + "/anonymous.zip", limit: 4 << 20)
            }
            await #expect(throws: RemoteError.self) {
                try await HTTPDownload.file(url, to: directory + "/small.zip", limit: 1024,
                                            credentials: RemoteCredentials(username: "mirror", password: "Mirror-Passw0rd"))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["all.zip"])
        }
        try await Harness.run(live: true) { h in
            #expect(try await h.request(.post, "/api/v2.0/projects", body: Array(#"{"project_name":"files"}"#.utf8)).status == .created)
            let digest = try await h.pushBlob(Array("blob".utf8), to: "files/zip")
            let blobURL = "http://127.0.0.1:\(try #require(h.port))/v2/files/zip/blobs/\(digest)"
            do {
                try await HTTPDownload.file(blobURL, to: NSTemporaryDirectory() + "/never-\(digest.hex)", limit: 1 << 20, credentials: Self.admin)
                Issue.record("credentials were sent without a Basic challenge")
            } catch let error as RemoteError {
                #expect(error.description.contains("without a Basic challenge"), "\(error)")
            }
        }
    }
}
