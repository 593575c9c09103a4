/// Installed gems: `specifications/<name>-<version>.gemspec` as RubyGems writes them, read for the
/// `s.name` and `s.version` assignments.
struct RubyGemAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        path.hasSuffix(".gemspec") && path.contains("/specifications/") && size < 1 << 20
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        var name: String?, version: String?
        for raw in String(decoding: content, as: UTF8.self).nonEmptyTextLines {
            let line = raw.trimmingWhitespace
            if name == nil, line.hasPrefix("s.name = ") { name = Self.quoted(line) }
            if version == nil, line.hasPrefix("s.version = ") { version = Self.quoted(line) }
        }
        guard let name, let version else { return nil }
        return FileFinding(packages: [Package(type: .gem, name: name, version: version, path: path)])
    }

    /// The first quoted string on a line (`"x".freeze` and `'x'` alike).
    static func quoted(_ line: Substring) -> String? {
        guard let open = line.firstIndex(where: { $0 == "\"" || $0 == "'" }) else { return nil }
        let quote = line[open]
        let rest = line[line.index(after: open)...]
        return String(rest.prefix { $0 != quote })
    }
}
