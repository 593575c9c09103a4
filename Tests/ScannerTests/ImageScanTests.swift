import Foundation
import Testing
@testable import Scanner

/// Whole images assembled with umoci (and converted with skopeo), scanned end to end.
@Suite(.serialized) struct ImageScanTests {
    /// Old releases fetched from PyPI by pip in the set-up; the wheel contents go into the image.
    static func wheels() async throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-scan-wheels")
        let wanted = ["requests==2.19.0", "urllib3==1.23"]
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("site-packages/requests-2.19.0.dist-info/METADATA").path) {
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try await TestData.run("pip", ["download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", dir.path] + wanted)
            for wheel in try FileManager.default.contentsOfDirectory(atPath: dir.path) where wheel.hasSuffix(".whl") {
                try await TestData.run("unzip", ["-q", "-o", dir.appendingPathComponent(wheel).path, "-d", dir.appendingPathComponent("site-packages").path])
            }
        }
        return dir.appendingPathComponent("site-packages")
    }

    static let sitePackages = "usr/lib/python3/dist-packages"

    /// Layer 1: Debian release, dpkg status, wheels, a Go binary and a jar. Layer 2: deletes the Go
    /// binary (umoci writes a whiteout) and adds an npm package.
    static func baseImage() async throws -> UmociImage {
        let image = try await UmociImage()
        // as in Debian images: etc/os-release is a symlink to usr/lib/os-release
        try image.copy("/usr/lib/os-release", to: "usr/lib/os-release")
        try image.symlink("etc/os-release", to: "../usr/lib/os-release")
        try image.copy("/var/lib/dpkg/status", to: "var/lib/dpkg/status")
        try await image.copy(wheels().path, to: sitePackages)
        try image.copy("/usr/bin/umoci", to: "usr/bin/umoci")
        try image.copy("/usr/bin/skopeo", to: "usr/local/bin/skopeo")
        try image.copy("/usr/share/java/maven3-core.jar", to: "opt/app/lib/maven3-core.jar")
        try await image.commit()
        try image.remove("usr/bin/umoci")
        try image.copy("/usr/lib/node_modules/npm/node_modules/semver/package.json", to: "srv/node_modules/semver/package.json")
        try await image.commit()
        return image
    }

    @Test func whiteoutsLayersAndAnalyzers() async throws {
        let image = try await Self.baseImage()
        let resolved = try image.resolve()
        #expect(resolved.layers.count == 2)
        let inventory = try await image.inventory()
        let packages = inventory.packages.map(\.package)
        #expect(inventory.os?.id == "debian")
        #expect(packages.contains { $0.type == .pypi && $0.name == "requests" && $0.version == "2.19.0" })
        #expect(packages.contains { $0.type == .pypi && $0.name == "urllib3" && $0.version == "1.23" })
        #expect(!packages.contains { $0.path == "usr/bin/umoci" }, "removed by a whiteout in layer 2")
        #expect(packages.contains { $0.path == "usr/local/bin/skopeo" && $0.name == "stdlib" })
        #expect(packages.contains { $0.type == .maven && $0.name == "org.apache.maven:maven-core" })
        #expect(packages.contains { $0.type == .npm && $0.name == "semver" })
        #expect(packages.filter { $0.type == .deb }.count > 100)
        // layer attribution
        let requests = try #require(inventory.packages.first { $0.package.name == "requests" })
        #expect(requests.layer.digest == resolved.layers[0].digest?.description)
        #expect(requests.layer.diffID == resolved.layers[0].diffID?.description)
        let semver = try #require(inventory.packages.first { $0.package.name == "semver" })
        #expect(semver.layer.diffID == resolved.layers[1].diffID?.description)

        // vulnerabilities of the old wheels, with the layer that brought them
        let db = try OSVDatabase.load([TestData.vulndb.appendingPathComponent("pypi")])
        let vulns = VulnerabilityMatcher(database: db).match(inventory)
        #expect(vulns.contains { $0.advisoryID == "PYSEC-2018-28" && $0.package.package.name == "requests" && $0.fixVersion == "2.20.0" })
        #expect(vulns.contains { $0.package.package.name == "urllib3" })
    }

    @Test func filesOwnedByDpkgAreNotLanguagePackagesAgain() async throws {
        let image = try await UmociImage()
        try image.copy("/usr/lib/os-release", to: "etc/os-release")
        try await image.copy(Self.wheels().path, to: Self.sitePackages)
        try image.write("Package: python3-requests\nStatus: install ok installed\nVersion: 2.28.1+dfsg-1\nArchitecture: all\n",
                        to: "var/lib/dpkg/status")
        try image.write("/.\n/\(Self.sitePackages)/requests-2.19.0.dist-info\n/\(Self.sitePackages)/requests-2.19.0.dist-info/METADATA\n",
                        to: "var/lib/dpkg/info/python3-requests.list")
        try await image.commit()
        let packages = try await image.inventory().packages.map(\.package)
        #expect(packages.contains { $0.type == .deb && $0.name == "python3-requests" })
        #expect(!packages.contains { $0.type == .pypi && $0.name == "requests" })
        #expect(packages.contains { $0.type == .pypi && $0.name == "urllib3" })
    }

    @Test func opaqueDirectoryHidesLowerContent() async throws {
        let image = try await UmociImage()
        try await image.copy(Self.wheels().path, to: "opt/venv")
        try await image.commit()
        // Replace the directory wholesale: umoci records removed entries, and a replaced
        // directory must hide everything below it. A hand-made opaque marker checks the rule too.
        try image.remove("opt/venv")
        try image.write("empty", to: "opt/venv/README")
        try await image.commit()
        let inventory = try await image.inventory()
        #expect(!inventory.packages.contains { $0.package.path.hasPrefix("opt/venv/") })

        var lower = TarBuilder()
        lower.file("srv/app/pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\n")
        var upper = TarBuilder()
        upper.file("srv/app/.wh..wh..opq", "")
        upper.file("srv/other/x-2.0.dist-info/METADATA", "Name: x\nVersion: 2.0\n")
        let layers = [lower.finish(), upper.finish()].map { ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes($0)) }
        let merged = try await ScanEngine().inventory(of: AsyncLayerSequence(layers))
        #expect(merged.packages.map(\.package.name) == ["x"])
    }

    @Test func dockerArchiveFromSkopeoMatchesOCILayout() async throws {
        let image = try await Self.baseImage()
        let archive = image.root.appendingPathComponent("image.tar")
        try await TestData.run("skopeo", ["copy", "--quiet", image.reference, "docker-archive:\(archive.path):berth/test:1"])
        let fromArchive = try ImageReference(parsing: "docker-archive:\(archive.path)").resolve()
        #expect(fromArchive.context.repository.hasSuffix("berth/test"))
        #expect(fromArchive.context.tag == "1")
        let a = try await ScanEngine().inventory(of: AsyncLayerSequence(fromArchive.layers))
        let b = try await image.inventory()
        #expect(Set(a.packages.map(\.package)) == Set(b.packages.map(\.package)))
        #expect(a.packages.first?.layer.diffID != nil)
    }

    @Test func unchangedLayersComeFromTheCache() async throws {
        let image = try await Self.baseImage()
        let cache = InMemoryLayerCache()
        let first = try await image.inventory(cache: cache)
        #expect(first.bytesRead > 0)
        #expect(await cache.count == 2)
        let second = try await image.inventory(cache: cache)
        #expect(second.bytesRead == 0)
        #expect(Set(second.packages.map(\.package)) == Set(first.packages.map(\.package)))
    }

    @Test func zstdLayer() async throws {
        let dir = try TestData.scratch("zstd")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("root/lib/apk/db"), withIntermediateDirectories: true)
        let installed = "P:musl\nV:1.1.24-r2\nA:x86_64\no:musl\nL:MIT\nF:lib\nR:libc.musl-x86_64.so.1\n\nP:libcrypto1.1\nV:1.1.1d-r0\no:openssl\nF:lib\nR:libcrypto.so.1.1\n\n"
        try Data(installed.utf8).write(to: dir.appendingPathComponent("root/lib/apk/db/installed"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("root/etc"), withIntermediateDirectories: true)
        try Data("ID=alpine\nVERSION_ID=3.11.6\nPRETTY_NAME=\"Alpine Linux v3.11\"\n".utf8).write(to: dir.appendingPathComponent("root/etc/os-release"))
        try await TestData.run("tar", ["-C", dir.appendingPathComponent("root").path, "-cf", dir.appendingPathComponent("layer.tar").path, "."])
        try await TestData.run("zstd", ["-q", dir.appendingPathComponent("layer.tar").path, "-o", dir.appendingPathComponent("layer.tar.zst").path])
        let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd",
                               content: .file(dir.appendingPathComponent("layer.tar.zst")))
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([layer]))
        #expect(inventory.os?.osvEcosystem == "Alpine:v3.11")
        #expect(inventory.packages.map(\.package.name).sorted() == ["libcrypto1.1", "musl"])
        #expect(inventory.packages.first { $0.package.name == "libcrypto1.1" }?.package.sourceName == "openssl")
        let db = try OSVDatabase.load([TestData.vulndb.appendingPathComponent("alpine-secdb")])
        #expect(VulnerabilityMatcher(database: db).match(inventory).contains { $0.package.package.name == "libcrypto1.1" })
    }

    @Test func rpmImage() async throws {
        let image = try await UmociImage()
        let db = try await RpmFixture.database(in: image.root.appendingPathComponent("rpmbuild"))
        try image.copy(db.path, to: "var/lib/rpm/rpmdb.sqlite")
        try image.write("NAME=\"AlmaLinux\"\nID=\"almalinux\"\nVERSION_ID=\"9.3\"\nVERSION=\"9.3 (Shamrock Pampas Cat)\"\n", to: "etc/os-release")
        try await image.commit()
        let inventory = try await image.inventory()
        #expect(inventory.os?.osvEcosystem == "AlmaLinux:9")
        #expect(inventory.packages.map { "\($0.package.name) \($0.package.version)" } == ["berth-demo 1:1.2.3-4.el9"])
    }
}
