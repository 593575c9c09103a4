import Foundation
import Testing
@testable import Scanner

/// Every comparison line of osv-scalibr's published vectors, checked in both directions.
@Suite struct VersionVectorTests {
    static let cases: [(VersionScheme, String)] = [
        (.dpkg, "debian-versions.txt"), (.dpkg, "debian-versions-generated.txt"),
        (.apk, "alpine-versions.txt"), (.apk, "alpine-versions-generated.txt"),
        (.rpm, "redhat-versions.txt"),
        (.pep440, "pypi-versions.txt"), (.pep440, "pypi-versions-generated.txt"),
        (.semver, "semver-versions.txt"),
        (.maven, "maven-versions.txt"), (.maven, "maven-versions-generated.txt"),
    ]

    @Test(arguments: cases)
    func vectors(scheme: VersionScheme, file: String) throws {
        let text = try String(contentsOf: TestData.vectors.appendingPathComponent(file), encoding: .utf8)
        var total = 0
        var failures: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty || line.hasPrefix("# ") || line.hasPrefix("// ") || line == "#" { continue }
            let parts = line.split(separator: " ")
            try #require(parts.count == 3, "malformed vector line '\(line)'")
            let expected = ["<": -1, "=": 0, ">": 1][String(parts[1])]!
            total += 1
            let forward = scheme.compare(String(parts[0]), String(parts[2])).signum3
            let backward = scheme.compare(String(parts[2]), String(parts[0])).signum3
            if forward != expected || backward != -expected { failures.append(String(line)) }
        }
        #expect(total > 0)
        #expect(failures.isEmpty, "\(failures.count) of \(total) failed in \(file): \(failures.prefix(15))")
    }

    @Test func goPseudoVersionsOrderByTimestamp() {
        #expect(VersionScheme.semver.compare("v0.0.0-20210101000000-abcdefabcdef", "v0.0.0-20220101000000-abcdefabcdef") < 0)
        #expect(VersionScheme.semver.compare("v0.17.0", "v0.0.0-20220101000000-abcdefabcdef") > 0)
        #expect(VersionScheme.rpm.compare("1:3.0.7-6.el9_2", "3.0.7-27.el9") > 0)
    }
}
