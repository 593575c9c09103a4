import Foundation
import Testing
@testable import Scanner

/// Text databases written with CRLF line endings, or with no newline after the last line, read
/// the same as their LF form (pip's own wheel ships its METADATA with CRLF).
@Suite struct LineEndingTests {
    let context = AnalysisContext(limits: ScanLimits())

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func crlf(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    func packages(_ analyzer: some FileAnalyzer, _ path: String, _ content: [UInt8]) async throws -> [String] {
        let finding = try await analyzer.analyze(path: path, content: content, context: context)
        return (finding?.packages ?? []).map { "\($0.name) \($0.version)" }.sorted()
    }

    @Test func pipWheelMetadataWithCRLF() async throws {
        let content = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("pip-23.2.1-METADATA")))
        #expect(content.contains(UInt8(ascii: "\r")), "the fixture must keep pip's CRLF line endings")
        let found = try await packages(PythonAnalyzer(), "usr/lib/python3/site-packages/pip-23.2.1.dist-info/METADATA", content)
        #expect(found == ["pip 23.2.1"])
        let license = try await PythonAnalyzer().analyze(path: "x.dist-info/METADATA", content: content, context: context)?.packages.first?.licenses
        #expect(license == ["MIT"])
    }

    /// Every distribution of this machine's Python, as `pip list` counts them.
    @Test func everyDistInfoOfThisMachinesPython() async throws {
        let sitePackages = try await TestData.run("python3", ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let listing = try await TestData.run("python3", ["-m", "pip", "list", "--format", "json", "--disable-pip-version-check"])
        let listed = try JSONDecoder().decode([[String: String]].self, from: Data(listing.utf8))
        let expected = Set(listed.map { "\(PythonAnalyzer.normalize($0["name"] ?? "")) \($0["version"] ?? "")" })

        var ours = Set<String>()
        for entry in try FileManager.default.contentsOfDirectory(atPath: sitePackages) where entry.hasSuffix(".dist-info") || entry.hasSuffix(".egg-info") {
            let metadata = entry.hasSuffix(".dist-info") ? "\(entry)/METADATA" : "\(entry)/PKG-INFO"
            guard let data = FileManager.default.contents(atPath: "\(sitePackages)/\(metadata)") else { continue }
            ours.formUnion(try await packages(PythonAnalyzer(), "site-packages/\(metadata)", [UInt8](data)))
        }
        #expect(expected.count > 10)
        #expect(ours == expected, "only ours: \(ours.subtracting(expected).sorted()), only pip: \(expected.subtracting(ours).sorted())")
    }

    @Test func dpkgStatusWithCRLFAndNoFinalNewline() throws {
        let text = "Package: libssl3\r\nStatus: install ok installed\r\nVersion: 3.0.11-1\r\n\r\nPackage: zlib1g\r\nStatus: install ok installed\r\nVersion: 1:1.2.13"
        #expect(DpkgAnalyzer.parseStatus(text, path: "var/lib/dpkg/status").map { "\($0.name) \($0.version)" } == ["libssl3 3.0.11-1", "zlib1g 1:1.2.13"])
    }

    @Test func dpkgFileListsWithCRLF() async throws {
        let finding = try await DpkgAnalyzer().analyze(path: "var/lib/dpkg/info/x.list", content: crlf("/usr/bin/a\n/usr/bin/b\n"), context: context)
        #expect(finding?.ownedFiles == ["usr/bin/a", "usr/bin/b"])
    }

    @Test func apkInstalledWithCRLF() async throws {
        let text = "P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r5\n"
        #expect(try await packages(ApkAnalyzer(), "lib/apk/db/installed", crlf(text)) == ["busybox 1.36.1-r5", "musl 1.2.4-r2"])
    }

    @Test func osReleaseWithCRLF() async throws {
        let finding = try await OSReleaseAnalyzer().analyze(path: "etc/os-release", content: crlf("ID=debian\nVERSION_ID=\"12\"\n"), context: context)
        #expect(finding?.os?.id == "debian")
        #expect(finding?.os?.versionID == "12")
    }

    @Test func cargoLockWithCRLF() async throws {
        let text = "[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        let found = CargoLock.packages(String(decoding: crlf(text), as: UTF8.self), path: "app/Cargo.lock")
        #expect(found.map { "\($0.name) \($0.version)" } == ["serde 1.0.200"])
    }

    @Test func gemspecWithCRLF() async throws {
        let text = "Gem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.8\"\nend\n"
        #expect(try await packages(RubyGemAnalyzer(), "usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.8.gemspec", crlf(text)) == ["rack 2.2.8"])
    }

    @Test func pythonHeadersWithoutFinalNewline() async throws {
        #expect(try await packages(PythonAnalyzer(), "x.egg-info/PKG-INFO", Array("Metadata-Version: 1.0\r\nName: six\r\nVersion: 1.16.0".utf8)) == ["six 1.16.0"])
    }
}
