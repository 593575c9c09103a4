import Foundation
import Testing
@testable import Scanner

/// The three report formats, from the command-line runner on a umoci image.
@Suite(.serialized) struct ReportTests {
    static func runScan(_ image: UmociImage, format: String) async throws -> [String: Any] {
        let box = OutputBox()
        let runner = ScanCommandRunner(output: { box.append($0) }, diagnostics: { _ in })
        let code = await runner.run(.init(image: image.reference, vulndb: [TestData.vulndb.appendingPathComponent("pypi").path], format: format))
        #expect(code == 0)
        return try #require(JSONSerialization.jsonObject(with: box.data) as? [String: Any])
    }

    @Test func harborCycloneDXAndSPDX() async throws {
        let image = try await ImageScanTests.baseImage()
        let harbor = try await Self.runScan(image, format: "harbor")
        #expect(harbor["generated_at"] is String)
        #expect((harbor["artifact"] as? [String: Any])?["tag"] as? String == image.tag)
        #expect((harbor["scanner"] as? [String: Any])?["name"] as? String == "Berth")
        let vulns = try #require(harbor["vulnerabilities"] as? [[String: Any]])
        let item = try #require(vulns.first { $0["id"] as? String == "CVE-2018-18074" })
        #expect(item["package"] as? String == "requests")
        #expect(item["version"] as? String == "2.19.0")
        #expect(item["fix_version"] as? String == "2.20.0")
        #expect(["Unknown", "Negligible", "Low", "Medium", "High", "Critical"].contains(item["severity"] as? String ?? ""))
        #expect((item["links"] as? [String])?.isEmpty == false)
        let layer = try #require(item["layer"] as? [String: String])
        #expect(layer["digest"]?.hasPrefix("sha256:") == true && layer["diff_id"]?.hasPrefix("sha256:") == true)
        let order = ["Unknown", "Negligible", "Low", "Medium", "High", "Critical"]
        let worst = vulns.compactMap { $0["severity"] as? String }.max { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
        #expect(harbor["severity"] as? String == worst)

        let inventory = try await image.inventory()
        let cdx = try await Self.runScan(image, format: "cyclonedx")
        #expect(cdx["bomFormat"] as? String == "CycloneDX" && cdx["specVersion"] as? String == "1.5")
        let components = (cdx["components"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "library" }
        #expect(components.count == inventory.packages.count)
        #expect(components.allSatisfy { ($0["purl"] as? String)?.hasPrefix("pkg:") == true && $0["name"] != nil && $0["version"] != nil })
        #expect(components.contains { $0["purl"] as? String == "pkg:pypi/requests@2.19.0" })
        #expect(components.contains { $0["purl"] as? String == "pkg:maven/org.apache.maven/maven-core@" + (inventory.packages.first { $0.package.type == .maven }?.package.version ?? "") })

        let spdx = try await Self.runScan(image, format: "spdx")
        #expect(spdx["spdxVersion"] as? String == "SPDX-2.3")
        let packages = (spdx["packages"] as? [[String: Any]] ?? []).filter { ($0["SPDXID"] as? String)?.hasPrefix("SPDXRef-Package-") == true }
        #expect(packages.count == inventory.packages.count)
        #expect(packages.allSatisfy { pkg in
            let refs = pkg["externalRefs"] as? [[String: Any]] ?? []
            return pkg["versionInfo"] != nil && refs.contains { $0["referenceType"] as? String == "purl" }
        })
        #expect(packages.contains { ($0["externalRefs"] as? [[String: Any]])?.first?["referenceLocator"] as? String == "pkg:golang/stdlib@1.19.8" })
    }

    @Test func usageErrorsHaveClearMessages() async {
        let messages = OutputBox()
        let runner = ScanCommandRunner(output: { _ in }, diagnostics: { messages.append(Data($0.utf8)) })
        #expect(await runner.run(.init(image: "nginx:latest")) == ScanCommandRunner.ExitCode.usage)
        #expect(await runner.run(.init(image: "oci:/nonexistent:tag")) == ScanCommandRunner.ExitCode.failure)
        #expect(await runner.run(.init(image: "oci:/tmp:x", format: "xml")) == ScanCommandRunner.ExitCode.usage)
        let text = String(decoding: messages.data, as: UTF8.self)
        #expect(text.contains("oci:DIR:TAG"))
        #expect(text.contains("index.json"))
    }

    @Test func purls() {
        let debian = OSInfo(id: "debian", versionID: "12", version: "12 (bookworm)", prettyName: "Debian")
        #expect(PackageURL.make(Package(type: .deb, name: "libc6", version: "2.36-9+deb12u4", arch: "amd64", path: ""), os: debian)
                == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12")
        #expect(PackageURL.make(Package(type: .npm, name: "@babel/core", version: "7.0.0", path: ""), os: nil) == "pkg:npm/%40babel/core@7.0.0")
        #expect(PackageURL.make(Package(type: .golang, name: "golang.org/x/net", version: "v0.30.0", path: ""), os: nil) == "pkg:golang/golang.org/x/net@v0.30.0")
        #expect(PackageURL.make(Package(type: .rpm, name: "openssl-libs", version: "1:3.0.7-6.el9", arch: "x86_64", path: ""),
                                os: OSInfo(id: "almalinux", versionID: "9.3", version: "", prettyName: ""))
                == "pkg:rpm/almalinux/openssl-libs@3.0.7-6.el9?arch=x86_64&epoch=1&distro=almalinux-9.3")
    }
}

final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()
    func append(_ d: Data) { lock.lock(); buffer.append(d); lock.unlock() }
    var data: Data { lock.lock(); defer { lock.unlock() }; return buffer }
}
