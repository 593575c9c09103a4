import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The portal's files as the binary serves them: the page at `/`, scripts under `/assets/`, a
/// 304 for an unchanged file, nothing outside the assets, and Harbor's old addresses redirected.
@Suite struct PortalAssetTests {
    @Test func thePageAndItsScriptsAreServedFromTheBinary() async throws {
        try await Harness.run { h in
            let page = try await h.client.execute(uri: "/", method: .get, headers: [:], body: nil)
            #expect(page.status == .ok)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<script type="module" src="/assets/js/app.js"></script>"#))
            #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(page.header("X-Frame-Options") == "DENY")

            let script = try await h.client.execute(uri: "/assets/js/app.js", method: .get, headers: [:], body: nil)
            #expect(script.status == .ok && script.header("Content-Type") == "text/javascript; charset=utf-8")
            #expect(script.text.contains("export const session"))
            let etag = try #require(script.header("ETag"))
            let again = try await h.client.execute(uri: "/assets/js/app.js", method: .get, headers: [.ifNoneMatch: etag], body: nil)
            #expect(again.status == .notModified && again.body.readableBytes == 0)

            for missing in ["/assets/js/nope.js", "/assets/../Package.swift", "/assets/js/%2e%2e/app.js", "/assets/"] {
                let response = try await h.client.execute(uri: missing, method: .get, headers: [:], body: nil)
                #expect(response.status == .notFound, "\(missing)")
            }
        }
    }

    @Test func everyFileIsServedAsItIsInTheRepository() async throws {
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Portal/Assets")
        let files = try FileManager.default.subpathsOfDirectory(atPath: assets.path).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: assets.appendingPathComponent(path).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        #expect(files.count > 20 && files.contains("js/app.js") && files.contains("css/berth.css"))
        try await Harness.run { h in
            for file in files {
                let served = try await h.client.execute(uri: "/assets/" + file, method: .get, headers: [:], body: nil)
                #expect(served.status == .ok, "\(file)")
                let expected = try Data(contentsOf: assets.appendingPathComponent(file))
                #expect(Data(served.body.readableBytesView) == expected, "\(file) is not served as it is in the repository")
            }
        }
    }

    @Test func harborsPortalAddressesLeadToTheSameView() async throws {
        try await Harness.run { h in
            let old = try await h.client.execute(uri: "/harbor/projects/1/repositories", method: .get, headers: [:], body: nil)
            #expect(old.status == .found && old.header("Location") == "/#/projects/1/repositories")
            let root = try await h.client.execute(uri: "/harbor", method: .get, headers: [:], body: nil)
            #expect(root.status == .found && root.header("Location") == "/")
        }
    }
}
