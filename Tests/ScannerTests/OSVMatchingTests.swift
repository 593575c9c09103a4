import Foundation
import Testing
@testable import Scanner

/// Matching against the real advisory corpus in shared/vulndb.
@Suite struct OSVMatchingTests {
    static let database: OSVDatabase = {
        try! OSVDatabase.load([TestData.vulndb])
    }()

    func inventory(_ packages: [Package], os: OSInfo? = nil) -> ImageInventory {
        ImageInventory(os: os, packages: packages.map { LocatedPackage(package: $0, layer: LayerReference(digest: "sha256:aa", diffID: "sha256:bb")) },
                       warnings: [], bytesRead: 0)
    }

    func match(_ packages: [Package], os: OSInfo? = nil) -> [Vulnerability] {
        VulnerabilityMatcher(database: Self.database).match(inventory(packages, os: os))
    }

    @Test func pypiYamlRecordsMatchOldRequests() {
        let found = match([Package(type: .pypi, name: "requests", version: "2.19.0", path: "x/METADATA")])
        let ids = Set(found.map(\.advisoryID))
        #expect(ids.contains("PYSEC-2018-28"))
        #expect(ids.contains("PYSEC-2023-74"))
        #expect(!ids.contains("PYSEC-2014-13"), "fixed in 2.3.0, long before 2.19.0")
        let cve = found.first { $0.advisoryID == "PYSEC-2018-28" }
        #expect(cve?.id == "CVE-2018-18074", "the CVE alias is preferred over the PYSEC id")
        #expect(cve?.fixVersion == "2.20.0")
        #expect(match([Package(type: .pypi, name: "Requests", version: "2.32.3", path: "p")]).isEmpty)
    }

    @Test func goSemverRangesAndStdlib() {
        let found = match([
            Package(type: .golang, name: "golang.org/x/net", version: "v0.30.0", path: "bin"),
            Package(type: .golang, name: "stdlib", version: "1.19.8", path: "bin"),
        ])
        #expect(found.contains { $0.advisoryID == "GO-2024-3333" && $0.fixVersion == "0.33.0" })
        #expect(found.filter { $0.package.package.name == "stdlib" }.count > 10)
        // pseudo-versions order by their timestamp
        let pseudo = match([Package(type: .golang, name: "golang.org/x/net", version: "v0.0.0-20180906233101-161cd47e91fd", path: "bin")])
        #expect(!pseudo.isEmpty)
    }

    @Test func withdrawnRecordsAreIgnored() {
        #expect(!Self.database.records.contains { $0.id == "GO-2025-3543" })
    }

    @Test func cratesSemverRangesWithPrereleaseIntroduced() {
        let old = Set(match([Package(type: .cargo, name: "smallvec", version: "0.6.9", path: "Cargo.lock")]).map(\.advisoryID))
        #expect(old == ["RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"])
        #expect(match([Package(type: .cargo, name: "smallvec", version: "1.6.1", path: "Cargo.lock")]).isEmpty)
        let v = match([Package(type: .cargo, name: "smallvec", version: "0.6.9", path: "Cargo.lock")]).first { $0.advisoryID == "RUSTSEC-2019-0009" }
        #expect(v?.severity == .critical, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 9.8")
        #expect(v?.cvss?.baseScore == 9.8)
    }

    @Test func almaLinuxBinaryRpmsWithEpochAndSummaryRating() {
        let alma = OSInfo(id: "almalinux", versionID: "9.1", version: "9.1 (Lime Lynx)", prettyName: "AlmaLinux 9.1")
        let found = match([Package(type: .rpm, name: "openssl-libs", version: "1:3.0.1-43.el9_0", sourceName: "openssl", path: "var/lib/rpm/rpmdb.sqlite")], os: alma)
        let alsa = found.first { $0.advisoryID == "ALSA-2023:0946" }
        #expect(alsa != nil)
        #expect(alsa?.severity == .medium, "summary starts with 'Moderate:'")
        #expect(alsa?.fixVersion == "1:3.0.1-47.el9_1")
        let patched = match([Package(type: .rpm, name: "openssl-libs", version: "1:3.5.1-1.el9", path: "p")], os: alma)
        #expect(!patched.contains { $0.advisoryID == "ALSA-2023:0946" })
    }

    @Test func ubuntuSourcePackageAndRelease() {
        let jammy = OSInfo(id: "ubuntu", versionID: "22.04", version: "22.04.1 LTS (Jammy Jellyfish)", prettyName: "Ubuntu 22.04.1 LTS")
        #expect(jammy.osvEcosystem == "Ubuntu:22.04:LTS")
        let libssl = Package(type: .deb, name: "libssl3", version: "3.0.2-0ubuntu1.7", sourceName: "openssl", sourceVersion: "3.0.2-0ubuntu1.7", path: "var/lib/dpkg/status")
        let found = match([libssl], os: jammy)
        #expect(found.count == 1)
        #expect(found.first?.id == "CVE-2023-0286")
        #expect(found.first?.fixVersion == "3.0.2-0ubuntu1.8")
        #expect(found.first?.cvss?.baseScore == 7.4)
        #expect(found.first?.severity == .high)
        var fixed = libssl
        fixed.sourceVersion = "3.0.2-0ubuntu1.8"
        #expect(match([fixed], os: jammy).isEmpty)
        // same package on a release the record does not cover for that name
        let noble = OSInfo(id: "ubuntu", versionID: "24.04", version: "24.04 LTS", prettyName: "Ubuntu 24.04")
        #expect(match([libssl], os: noble).isEmpty)
    }

    @Test func alpineSecdbIsConverted() {
        let alpine = OSInfo(id: "alpine", versionID: "3.11.6", version: "", prettyName: "Alpine Linux v3.11")
        #expect(alpine.osvEcosystem == "Alpine:v3.11")
        let found = match([Package(type: .apk, name: "libcrypto1.1", version: "1.1.1d-r0", sourceName: "openssl", path: "lib/apk/db/installed")], os: alpine)
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.id.hasPrefix("CVE-") })
    }

    @Test func cvss31BaseScores() {
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?.baseScore == 9.8)
        #expect(CVSS3("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H")?.baseScore == 7.4)
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")?.baseScore == 6.1)
        #expect(CVSS3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H")?.baseScore == 7.8)
        #expect(CVSS3("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H")?.baseScore == 9.9)
        #expect(CVSS3("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N")?.baseScore == 0)
        #expect(CVSS3("not a vector") == nil)
    }

    /// Range rules not exercised by the corpus, from a fixture written here.
    @Test func lastAffectedLimitAndVersionsList() throws {
        var db = OSVDatabase()
        let json = """
        [{"id": "TEST-1", "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}]}]}]},
         {"id": "TEST-2", "affected": [{"package": {"ecosystem": "npm", "name": "right-pad"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "2.0.0"}]}]}]},
         {"id": "TEST-3", "affected": [{"package": {"ecosystem": "npm", "name": "mid-pad"}, "versions": ["3.1.4"]}]}]
        """
        db.add(Data(json.utf8), name: "fixture.json", yaml: false)
        let matcher = VulnerabilityMatcher(database: db)
        func hit(_ name: String, _ version: String) -> Bool {
            !matcher.match(inventory([Package(type: .npm, name: name, version: version, path: "p")])).isEmpty
        }
        #expect(hit("left-pad", "1.2.0"))
        #expect(!hit("left-pad", "1.2.1"))
        #expect(!hit("left-pad", "0.9.0"))
        #expect(hit("right-pad", "1.9.9"))
        #expect(!hit("right-pad", "2.0.0"))
        #expect(hit("mid-pad", "3.1.4"))
        #expect(!hit("mid-pad", "3.1.5"))
    }

    @Test func malformedAdvisoriesAreSkippedWithAWarning() throws {
        let dir = try TestData.scratch("bad-osv")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{ this is not json".utf8).write(to: dir.appendingPathComponent("broken.json"))
        try Data("id: [unclosed".utf8).write(to: dir.appendingPathComponent("broken.yaml"))
        try Data(#"{"id": 42, "affected": "nope"}"#.utf8).write(to: dir.appendingPathComponent("wrong-types.json"))
        try FileManager.default.copyItem(at: TestData.vulndb.appendingPathComponent("go/GO-2024-3333.json"), to: dir.appendingPathComponent("good.json"))
        let db = try OSVDatabase.load([dir])
        #expect(db.records.map(\.id) == ["GO-2024-3333"])
        #expect(db.warnings.count == 3)
        #expect(throws: ScanError.self) { try OSVDatabase.load([dir.appendingPathComponent("missing")]) }
    }

    @Test func osvAllZipIsRead() async throws {
        let dir = try TestData.scratch("allzip")
        defer { try? FileManager.default.removeItem(at: dir) }
        let zip = dir.appendingPathComponent("all.zip")
        try await TestData.run("zip", ["-q", "-j", zip.path] + ["GO-2024-3333.json", "GO-2022-0969.json"].map { TestData.vulndb.appendingPathComponent("go/\($0)").path })
        let db = try OSVDatabase.load([zip])
        #expect(Set(db.records.map(\.id)) == ["GO-2024-3333", "GO-2022-0969"])
    }
}

/// Found with FuzzOSV's property that every record read can be stored as JSON
/// (fuzz/corpus/osv/crash-yaml-infinity.yaml): YAML's `.inf` in a free-form field decoded to an
/// infinite number, which JSON cannot hold, so the importer stored the record as `{}` and it was
/// never matched.
@Suite struct NonFiniteYAMLNumberTests {
    @Test func yamlInfinityAndNaNAreKeptAsText() throws {
        var database = OSVDatabase()
        let yaml = "id: X-1\naffected:\n- package:\n    name: requests\n    ecosystem: PyPI\n  database_specific:\n    a: .inf\n    b: -.inf\n    c: .nan\n    d: 2.5\n"
        database.add(Data(yaml.utf8), name: "x.yaml", yaml: true)
        let record = try #require(database.records.first)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = try encoder.encode(record)
        let specific = try #require(try JSONDecoder().decode(OSVRecord.self, from: stored).affected?.first?.database_specific)
        #expect(specific["a"] == .string(".inf") && specific["b"] == .string("-.inf") && specific["c"] == .string(".nan"))
        #expect(specific["d"] == .number(2.5))
    }
}
