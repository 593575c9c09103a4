/// Kinds of package the analyzers report, each with its purl type and OSV ecosystem.
public enum PackageType: String, Codable, Sendable, CaseIterable {
    case deb, apk, rpm, pypi, npm, golang, maven, cargo, gem, composer

    /// OS packages are matched against the distribution's advisories and own files on disk.
    public var isOSPackage: Bool { self == .deb || self == .apk || self == .rpm }

    /// OSV ecosystem of language packages; OS packages take theirs from the detected release.
    public var languageEcosystem: String? {
        switch self {
        case .pypi: "PyPI"
        case .npm: "npm"
        case .golang: "Go"
        case .maven: "Maven"
        case .cargo: "crates.io"
        case .gem: "RubyGems"
        case .composer: "Packagist"
        case .deb, .apk, .rpm: nil
        }
    }
}

/// One installed package as found in one file of the image.
public struct Package: Codable, Hashable, Sendable {
    public var type: PackageType
    public var name: String
    public var version: String
    /// Source package (dpkg `Source:`, apk origin, rpm source rpm name) and its version when it differs.
    public var sourceName: String?
    public var sourceVersion: String?
    public var arch: String?
    public var licenses: [String]
    /// The file this package was read from, relative to the image root.
    public var path: String

    public init(type: PackageType, name: String, version: String, sourceName: String? = nil, sourceVersion: String? = nil,
                arch: String? = nil, licenses: [String] = [], path: String) {
        self.type = type
        self.name = name
        self.version = version
        self.sourceName = sourceName
        self.sourceVersion = sourceVersion
        self.arch = arch
        self.licenses = licenses
        self.path = path
    }
}

/// The distribution release from `os-release`.
public struct OSInfo: Codable, Hashable, Sendable {
    public var id: String
    public var versionID: String
    public var version: String
    public var prettyName: String

    /// The OSV ecosystem of this release's advisories: `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.18`, `AlmaLinux:9`.
    public var osvEcosystem: String? {
        let major = versionID.split(separator: ".").first.map(String.init) ?? versionID
        let parts = versionID.split(separator: ".")
        switch id {
        case "debian": return versionID.isEmpty ? nil : "Debian:\(major)"
        case "ubuntu": return "Ubuntu:\(versionID)" + (version.contains("LTS") ? ":LTS" : "")
        case "alpine": return parts.count >= 2 ? "Alpine:v\(parts[0]).\(parts[1])" : nil
        case "almalinux": return "AlmaLinux:\(major)"
        case "rocky": return "Rocky Linux:\(major)"
        case "wolfi": return "Wolfi"
        default: return nil
        }
    }

    /// Distribution name as purls spell it (`pkg:deb/debian/...`).
    public var purlNamespace: String { id }
}

/// What one file of a layer told the analyzers.
struct FileFinding: Codable, Sendable {
    var packages: [Package] = []
    /// Files that the OS package manager installed (from dpkg `.list` files, apk and rpm databases).
    var ownedFiles: [String] = []
    var os: OSInfo?
}

/// Everything learnt from one layer; cached by diff id so an unchanged layer is read once.
struct LayerResult: Codable, Sendable {
    var findings: [String: FileFinding] = [:]
    /// Paths removed from lower layers by `.wh.` files, and directories made opaque.
    var whiteouts: [String] = []
    var opaqueDirectories: [String] = []
    /// FNV-1a hashes of every path in the layer: a lower layer's finding is gone if a higher layer
    /// replaced that path with something no analyzer recognised.
    var pathHashes: Set<UInt64> = []
    var warnings: [String] = []
    var bytesRead: UInt64 = 0
    /// False when reading stopped early (limits, corrupt data); such results are not cached.
    var complete = true

    static func hash(_ path: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in path.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }
}
