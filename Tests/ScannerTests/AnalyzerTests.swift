import Foundation
import Testing
@testable import Scanner

/// Analyzers on real files of this machine.
@Suite struct AnalyzerTests {
    let context = AnalysisContext(limits: ScanLimits())

    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func dpkgStatusOfThisMachineEqualsDpkgQuery() async throws {
        let finding = try await DpkgAnalyzer().analyze(path: "var/lib/dpkg/status", content: bytes("/var/lib/dpkg/status"), context: context)
        let ours = Set(finding?.packages.map { "\($0.name) \($0.version)" } ?? [])
        // dpkg-query -W lists every package it knows, including those only "config-files"
        // remaining; -f with ${db:Status-Abbrev} keeps the installed ones ("ii").
        let output = try await TestData.run("dpkg-query", ["-W", "-f", "${db:Status-Abbrev}|${Package} ${Version}\n"])
        let installed = Set(output.split(separator: "\n").filter { $0.hasPrefix("ii") || $0.hasPrefix("hi") }
            .map { String($0.split(separator: "|", maxSplits: 1)[1]) })
        #expect(!ours.isEmpty)
        #expect(ours == installed, "only ours: \(ours.subtracting(installed).prefix(5)), only dpkg: \(installed.subtracting(ours).prefix(5))")
        let libc = finding?.packages.first { $0.name == "libc6" }
        #expect(libc?.sourceName == "glibc")
    }

    @Test func dpkgSkipsDeinstalledAndReadsDistrolessStatusD() throws {
        let text = """
        Package: gone
        Status: deinstall ok config-files
        Version: 1.0

        Package: libssl3
        Status: install ok installed
        Source: openssl (3.0.11-1~deb12u2)
        Version: 3.0.11-1~deb12u2+b1
        Architecture: amd64
        """
        let packages = DpkgAnalyzer.parseStatus(text, path: "var/lib/dpkg/status")
        #expect(packages.map(\.name) == ["libssl3"])
        #expect(packages.first?.sourceName == "openssl")
        #expect(packages.first?.sourceVersion == "3.0.11-1~deb12u2")
        // distroless: no Status field
        let distroless = DpkgAnalyzer.parseStatus("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n", path: "var/lib/dpkg/status.d/tzdata")
        #expect(distroless.map(\.version) == ["2024a-0+deb12u1"])
    }

    static let goBinaries = ["/usr/bin/skopeo", "/usr/bin/podman", "/usr/bin/umoci", "/usr/bin/docker-registry", "/usr/bin/kubectl"]

    /// Debian's Go binaries: stdlib version and dependencies checked against the raw build-info
    /// strings in the binary (no `go` toolchain here for `go version -m`).
    @Test(arguments: goBinaries)
    func goBuildInfo(binary: String) async throws {
        let content = try bytes(binary)
        let packages = try await GoBinaryAnalyzer().analyze(path: String(binary.dropFirst()), content: content, context: context)?.packages ?? []
        let stdlib = try #require(packages.first { $0.name == "stdlib" })
        #expect(GoBinaryAnalyzer.find(Array("go\(stdlib.version)".utf8), in: content) != nil)
        if binary != "/usr/bin/kubectl" { #expect(stdlib.version == "1.19.8", "Debian 12 builds with Go 1.19.8") }
        let deps = packages.filter { $0.name != "stdlib" }
        // The module text is embedded twice (build info and runtime.modinfo): count distinct lines.
        var depLines = Set<String>()
        var i = 0
        let marker = Array("\ndep\t".utf8)
        while let at = GoBinaryAnalyzer.find(marker, in: content, from: i) {
            let end = content[(at + 1)...].firstIndex(of: 0x0a) ?? content.count
            depLines.insert(String(decoding: content[(at + 1)..<end], as: UTF8.self))
            i = at + marker.count
        }
        #expect(deps.count == depLines.count)
        for dep in deps.prefix(40) {
            let line = Array("\t\(dep.name)\t\(dep.version)".utf8)
            #expect(GoBinaryAnalyzer.find(line, in: content) != nil, "\(dep.name) \(dep.version) not in \(binary)")
        }
        if binary == "/usr/bin/kubectl" {
            #expect(deps.contains { $0.name == "golang.org/x/net" })
            #expect(deps.count > 50)
        }
    }

    @Test func scriptsAreNotGoBinaries() async throws {
        let finding = try await GoBinaryAnalyzer().analyze(path: "usr/bin/script", content: Array("#!/bin/sh\necho hi\n".utf8), context: context)
        #expect(finding == nil)
    }

    /// A real ELF with a cargo-auditable section added by binutils' objcopy.
    @Test func cargoAuditableSection() async throws {
        let dir = try TestData.scratch("auditable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = #"{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true},{"name":"smallvec","version":"0.6.9","source":"crates.io","dependencies":[]}]}"#
        try Data(json.utf8).write(to: dir.appendingPathComponent("deps.json"))
        try await TestData.run("python3", ["-c", "import zlib,sys; open(sys.argv[2],'wb').write(zlib.compress(open(sys.argv[1],'rb').read()))",
                                     dir.appendingPathComponent("deps.json").path, dir.appendingPathComponent("deps.z").path])
        let binary = dir.appendingPathComponent("app")
        try await TestData.run("objcopy", ["--add-section", ".dep-v0=\(dir.appendingPathComponent("deps.z").path)", "/usr/bin/true", binary.path])
        let packages = try await RustAnalyzer().analyze(path: "usr/bin/app", content: bytes(binary.path), context: context)?.packages
        #expect(packages?.map { "\($0.name)@\($0.version)" } == ["smallvec@0.6.9"])
    }

    @Test func cargoLock() async throws {
        let lock = """
        version = 3

        [[package]]
        name = "app"
        version = "0.1.0"
        dependencies = ["smallvec"]

        [[package]]
        name = "smallvec"
        version = "1.11.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
        checksum = "62bb4feee49fdd9f707ef802e22365a35de4b7b299de4763d44bfea899442ff9"
        """
        let packages = try await RustAnalyzer().analyze(path: "app/Cargo.lock", content: Array(lock.utf8), context: context)?.packages
        #expect(packages?.map(\.name) == ["smallvec"])
    }

    /// Debian's maven3-core.jar carries pom.properties; cross-checked with unzip.
    @Test func javaPomProperties() async throws {
        let jar = "/usr/share/java/maven3-core.jar"
        let props = try await TestData.run("unzip", ["-p", jar, "META-INF/maven/org.apache.maven/maven-core/pom.properties"])
        let version = try #require(JavaAnalyzer.properties(props, separator: "=")["version"])
        let packages = try await JavaAnalyzer().analyze(path: "usr/share/java/maven3-core.jar", content: bytes(jar), context: context)?.packages ?? []
        #expect(packages.contains { $0.name == "org.apache.maven:maven-core" && $0.version == version })
    }

    @Test func javaNestedJarsAndManifestFallback() async throws {
        let dir = try TestData.scratch("jar")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("BOOT-INF/lib"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/usr/share/java/maven3-core.jar", toPath: dir.appendingPathComponent("BOOT-INF/lib/maven-core.jar").path)
        try FileManager.default.copyItem(atPath: "/usr/share/java/aopalliance-1.0.jar", toPath: dir.appendingPathComponent("BOOT-INF/lib/aopalliance-1.0.jar").path)
        try await TestData.run("zip", ["-q", "-r", "app.jar", "BOOT-INF"], cwd: dir)
        let packages = try await JavaAnalyzer().analyze(path: "app.jar", content: bytes(dir.appendingPathComponent("app.jar").path), context: context)?.packages ?? []
        #expect(packages.contains { $0.name == "org.apache.maven:maven-core" })
        // aopalliance has no pom.properties: the name and version come from the file name and manifest
        #expect(packages.contains { $0.name.hasSuffix("aopalliance") && $0.version == "1.0" })
    }

    @Test func rpmSqliteDatabaseBuiltWithRpm() async throws {
        let dir = try TestData.scratch("rpm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try await RpmFixture.database(in: dir)
        let finding = try await RpmAnalyzer().analyze(path: "var/lib/rpm/rpmdb.sqlite", content: bytes(db.path), context: context)
        let expected = try await TestData.run("rpm", ["--dbpath", db.deletingLastPathComponent().path, "-qa", "--qf", "%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n"])
        #expect(finding?.packages.map { "\($0.name) \($0.version)" } == expected.split(separator: "\n").map(String.init))
        #expect(finding?.packages.first?.sourceName == "berth-demo")
        #expect(finding?.ownedFiles == ["usr/share/berth-demo/hello.txt"])
    }
}

/// Builds a one-package rpm with rpmbuild and records it in a fresh rpmdb.sqlite.
enum RpmFixture {
    static func database(in dir: URL) async throws -> URL {
        let spec = """
        Name: berth-demo
        Version: 1.2.3
        Release: 4.el9
        Epoch: 1
        Summary: demo
        License: MIT
        BuildArch: noarch
        %description
        demo
        %install
        mkdir -p %{buildroot}/usr/share/berth-demo
        echo hi > %{buildroot}/usr/share/berth-demo/hello.txt
        %files
        /usr/share/berth-demo/hello.txt
        """
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("SPECS"), withIntermediateDirectories: true)
        try Data(spec.utf8).write(to: dir.appendingPathComponent("SPECS/demo.spec"))
        try await TestData.run("rpmbuild", ["--define", "_topdir \(dir.path)", "-bb", dir.appendingPathComponent("SPECS/demo.spec").path])
        let dbdir = dir.appendingPathComponent("db")
        try FileManager.default.createDirectory(at: dbdir, withIntermediateDirectories: true)
        try await TestData.run("rpm", ["--dbpath", dbdir.path, "--initdb"])
        try await TestData.run("rpm", ["--dbpath", dbdir.path, "-i", "--justdb", "--nodeps", "--ignorearch", "--ignoreos",
                                 dir.appendingPathComponent("RPMS/noarch/berth-demo-1.2.3-4.el9.noarch.rpm").path])
        return dbdir.appendingPathComponent("rpmdb.sqlite")
    }
}
