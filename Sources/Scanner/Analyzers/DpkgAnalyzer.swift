/// Debian packages: `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/<pkg>` stanzas, and
/// the owned-file lists (`info/*.list`, `status.d/*.md5sums`) used to hide language packages that
/// dpkg installed.
struct DpkgAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        if path == "var/lib/dpkg/status" { return true }
        if path.hasPrefix("var/lib/dpkg/status.d/") { return true }
        return path.hasPrefix("var/lib/dpkg/info/") && (path.hasSuffix(".list") || path.hasSuffix(".md5sums"))
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        let text = String(decoding: content, as: UTF8.self)
        if path.hasSuffix(".list") {
            return FileFinding(ownedFiles: text.nonEmptyTextLines.compactMap { LayerPath.normalize(String($0)) }.filter { !$0.isEmpty })
        }
        if path.hasSuffix(".md5sums") {
            // "<md5>  <path>"
            return FileFinding(ownedFiles: text.nonEmptyTextLines.compactMap { line in
                line.firstIndex(of: " ").flatMap { LayerPath.normalize(String(line[$0...].trimmingWhitespace)) }
            })
        }
        return FileFinding(packages: Self.parseStatus(text, path: path))
    }

    /// Installed packages of a status file; those only half-installed or removed are skipped.
    static func parseStatus(_ text: String, path: String) -> [Package] {
        var packages: [Package] = []
        for stanza in Stanzas.parse(Substring(text)) {
            guard let name = stanza.first("Package"), let version = stanza.first("Version") else { continue }
            // distroless status.d entries carry no Status field: present means installed
            if let status = stanza.first("Status") {
                let words = status.split(separator: " ")
                guard words.count == 3, words[2] == "installed" else { continue }
            }
            var sourceName: String?
            var sourceVersion: String?
            if let source = stanza.first("Source") {
                if let open = source.firstIndex(of: "(") {
                    sourceName = String(source[..<open].trimmingWhitespace)
                    sourceVersion = String(source[source.index(after: open)...].prefix { $0 != ")" })
                } else {
                    sourceName = source
                }
            }
            packages.append(Package(type: .deb, name: name, version: version,
                                    sourceName: sourceName ?? name, sourceVersion: sourceVersion ?? version,
                                    arch: stanza.first("Architecture"), path: path))
        }
        return packages
    }
}
