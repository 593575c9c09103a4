/// Installed Python distributions: `*.dist-info/METADATA` (wheels) and `*.egg-info/PKG-INFO` or a
/// bare `*.egg-info` file (setuptools). Both are RFC 822 headers with `Name` and `Version`.
struct PythonAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        guard size < 8 << 20 else { return false }
        if path.hasSuffix(".dist-info/METADATA") || path.hasSuffix(".egg-info/PKG-INFO") { return true }
        return path.hasSuffix(".egg-info") && !path.hasSuffix("/.egg-info")
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        let text = String(decoding: content, as: UTF8.self)
        let headers = Stanzas.headers(Substring(text))
        guard let name = headers.first("Name"), let version = headers.first("Version") else { return nil }
        let license = headers.first("License").flatMap { $0.isEmpty || $0 == "UNKNOWN" || $0.count > 100 ? nil : $0 }
        return FileFinding(packages: [Package(type: .pypi, name: Self.normalize(name), version: version,
                                              licenses: license.map { [$0] } ?? [], path: path)])
    }

    /// PEP 503 name normalisation: lowercase, runs of `-_.` become `-`.
    static func normalize(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for c in name.lowercased() {
            if c == "-" || c == "_" || c == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(c)
                lastWasSeparator = false
            }
        }
        return out
    }
}
