import Foundation
import Testing
@testable import Scanner

@Suite(.serialized) struct OwnershipAndSmallAnalyzerTests {
    /// Debian's own Python packages (dist-info and egg-info) are found, then hidden once the
    /// dpkg database that installed them is in the image.
    @Test func debianPythonPackagesAreOwnedByDpkg() async throws {
        let image = try await UmociImage()
        try image.copy("/usr/lib/python3/dist-packages", to: "usr/lib/python3/dist-packages")
        try await image.commit()
        let before = try await image.inventory().packages.map(\.package).filter { $0.type == .pypi }
        #expect(before.count >= 20)
        #expect(before.contains { $0.name == "pyjwt" && $0.version == "2.6.0" }, "PyJWT egg-info, name normalised")
        #expect(before.contains { $0.name == "cryptography" && $0.version == "38.0.4" })
        try image.copy("/var/lib/dpkg", to: "var/lib/dpkg")
        try await image.commit()
        let after = try await image.inventory().packages.map(\.package)
        #expect(after.filter { $0.type == .pypi }.isEmpty)
        #expect(after.contains { $0.type == .deb && $0.name == "python3-jwt" })
    }

    @Test func rubyGemspec() async throws {
        let spec = """
        # -*- encoding: utf-8 -*-
        # stub: rack 2.2.3 ruby lib

        Gem::Specification.new do |s|
          s.name = "rack".freeze
          s.version = "2.2.3"
          s.licenses = ["MIT".freeze]
        end
        """
        var tar = TarBuilder()
        tar.file("usr/local/bundle/specifications/rack-2.2.3.gemspec", spec)
        tar.file("usr/local/bundle/gems/rack-2.2.3/rack.gemspec", spec)  // not under specifications/
        let packages = try await ScanEngine().inventory(ofLayer: tar.finish()).packages.map(\.package)
        #expect(packages.map { "\($0.type.rawValue) \($0.name) \($0.version)" } == ["gem rack 2.2.3"])
    }

    @Test func composerInstalledJsonV1AndV2() async throws {
        var tar = TarBuilder()
        tar.file("app/vendor/composer/installed.json", #"{"packages": [{"name": "guzzlehttp/guzzle", "version": "7.4.0", "version_normalized": "7.4.0.0", "license": ["MIT"]}], "dev": true}"#)
        tar.file("old/vendor/composer/installed.json", #"[{"name": "monolog/monolog", "version": "v1.25.1"}]"#)
        let packages = try await ScanEngine().inventory(ofLayer: tar.finish()).packages.map(\.package)
        #expect(Set(packages.map { "\($0.name) \($0.version)" }) == ["guzzlehttp/guzzle 7.4.0", "monolog/monolog 1.25.1"])
        #expect(PackageURL.make(packages[0], os: nil).hasPrefix("pkg:composer/"))
    }

    @Test func directoryCacheThroughTheCommandLine() async throws {
        let image = try await ImageScanTests.baseImage()
        let cacheDir = image.root.appendingPathComponent("cache")
        let log = OutputBox()
        let runner = ScanCommandRunner(output: { _ in }, diagnostics: { log.append(Data(($0 + "\n").utf8)) })
        #expect(await runner.run(.init(image: image.reference, format: "spdx", cacheDirectory: cacheDir.path)) == 0)
        #expect(await runner.run(.init(image: image.reference, format: "spdx", cacheDirectory: cacheDir.path)) == 0)
        let text = String(decoding: log.data, as: UTF8.self)
        #expect(text.components(separatedBy: ": cached").count - 1 == 2, "second run reads both layers from the cache")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cacheDir.path).count == 2)
    }
}
