/// Package URLs (purl spec) for every package type the analyzers report.
enum PackageURL {
    static func make(_ p: Package, os: OSInfo?) -> String {
        func enc(_ s: String) -> String {
            var out = ""
            for b in s.utf8 {
                let c = Character(Unicode.Scalar(b))
                if c.isLetter && b < 0x80 || c.isASCIIDigit || c == "." || c == "-" || c == "_" || c == "~" {
                    out.append(c)
                } else {
                    out += "%" + String(b, radix: 16, uppercase: true).leftPad(2)
                }
            }
            return out
        }
        func qualifiers(_ pairs: [(String, String?)]) -> String {
            let q = pairs.compactMap { k, v in v.flatMap { $0.isEmpty ? nil : "\(k)=\(enc($0))" } }
            return q.isEmpty ? "" : "?" + q.joined(separator: "&")
        }
        let distro = os.map { "\($0.id)-\($0.versionID)" }
        switch p.type {
        case .deb:
            return "pkg:deb/\(os?.id ?? "debian")/\(enc(p.name))@\(enc(p.version))" + qualifiers([("arch", p.arch), ("distro", distro)])
        case .apk:
            return "pkg:apk/\(os?.id ?? "alpine")/\(enc(p.name))@\(enc(p.version))" + qualifiers([("arch", p.arch), ("distro", os?.versionID)])
        case .rpm:
            var version = p.version
            var epoch: String?
            if let colon = version.firstIndex(of: ":") {
                epoch = String(version[..<colon])
                version = String(version[version.index(after: colon)...])
            }
            return "pkg:rpm/\(os?.id ?? "redhat")/\(enc(p.name))@\(enc(version))" + qualifiers([("arch", p.arch), ("epoch", epoch), ("distro", distro)])
        case .pypi: return "pkg:pypi/\(enc(p.name))@\(enc(p.version))"
        case .npm:
            let parts = p.name.split(separator: "/", maxSplits: 1)
            if parts.count == 2, parts[0].hasPrefix("@") { return "pkg:npm/\(enc(String(parts[0])))/\(enc(String(parts[1])))@\(enc(p.version))" }
            return "pkg:npm/\(enc(p.name))@\(enc(p.version))"
        case .golang:
            return "pkg:golang/\(p.name.split(separator: "/").map { enc(String($0)) }.joined(separator: "/"))@\(enc(p.version))"
        case .maven:
            let parts = p.name.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { return "pkg:maven/\(enc(String(parts[0])))/\(enc(String(parts[1])))@\(enc(p.version))" }
            return "pkg:maven/\(enc(p.name))@\(enc(p.version))"
        case .cargo: return "pkg:cargo/\(enc(p.name))@\(enc(p.version))"
        case .gem: return "pkg:gem/\(enc(p.name))@\(enc(p.version))"
        case .composer:
            return "pkg:composer/\(p.name.split(separator: "/").map { enc(String($0)) }.joined(separator: "/"))@\(enc(p.version))"
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}
