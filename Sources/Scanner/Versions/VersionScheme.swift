/// How versions of one ecosystem are ordered. OSV `ECOSYSTEM` ranges are evaluated with the scheme of
/// the record's ecosystem; `SEMVER` ranges always with `.semver`.
public enum VersionScheme: String, Sendable, Codable, CaseIterable {
    case dpkg, apk, rpm, pep440, semver, maven, rubygems, generic

    /// Three-way comparison: negative when `a` sorts before `b`, zero when equal, positive after.
    public func compare(_ a: String, _ b: String) -> Int {
        switch self {
        case .dpkg: DpkgVersion.compare(a, b)
        case .apk: ApkVersion(a).compare(ApkVersion(b))
        case .rpm: RpmVersion.compare(a, b)
        case .pep440: Pep440Version(a).compare(Pep440Version(b))
        case .semver: SemVer(a).compare(SemVer(b))
        case .maven: MavenVersion(a).compare(MavenVersion(b))
        // RubyGems segments order like SemVer-ish dotted numbers well enough for ranges; not vector-tested.
        case .rubygems, .generic: SemVer(a).compare(SemVer(b))
        }
    }

    /// The scheme for an OSV ecosystem name (`Debian:12`, `PyPI`, `crates.io`...).
    public static func forEcosystem(_ ecosystem: String) -> VersionScheme {
        let base = ecosystem.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ecosystem
        switch base {
        case "Debian", "Ubuntu": return .dpkg
        case "Alpine", "Wolfi", "Chainguard": return .apk
        case "AlmaLinux", "Rocky Linux", "Red Hat", "openSUSE", "SUSE", "Mageia", "openEuler": return .rpm
        case "PyPI": return .pep440
        case "Maven": return .maven
        case "RubyGems": return .rubygems
        case "npm", "Go", "crates.io", "Hex", "Packagist", "NuGet", "Pub": return .semver
        default: return .generic
        }
    }
}

/// Comparison of arbitrarily long decimal digit strings (versions carry numbers beyond 64 bits).
enum DecimalString {
    static func compare<S: StringProtocol>(_ a: S, _ b: S) -> Int {
        let x = a.drop { $0 == "0" }, y = b.drop { $0 == "0" }
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    static func isDigits<S: StringProtocol>(_ s: S) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

extension Int {
    /// Normalises a comparison result to -1, 0 or 1.
    var signum3: Int { self < 0 ? -1 : (self > 0 ? 1 : 0) }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
