/// `etc/os-release` (or `usr/lib/os-release`, which it usually links to): the distribution release.
/// Symlinks are never followed, so both locations are read and the merge prefers `etc`.
struct OSReleaseAnalyzer: FileAnalyzer {
    static let paths: Set<String> = ["etc/os-release", "usr/lib/os-release"]

    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        Self.paths.contains(path) && size < 64 << 10
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        var fields: [Substring: String] = [:]
        let text = String(decoding: content, as: UTF8.self)
        for line in text.nonEmptyTextLines {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: eq)...].trimmingWhitespace
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = value.dropFirst().dropLast()
            }
            fields[line[..<eq].trimmingWhitespace] = String(value)
        }
        guard let id = fields["ID"] else { return nil }
        return FileFinding(os: OSInfo(id: id.lowercased(), versionID: fields["VERSION_ID"] ?? "",
                                      version: fields["VERSION"] ?? "", prettyName: fields["PRETTY_NAME"] ?? id))
    }
}
