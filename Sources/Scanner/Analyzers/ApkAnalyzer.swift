/// Alpine's `lib/apk/db/installed`: one stanza per package with one-letter keys (P name, V version,
/// o origin, A arch, L license, F directory, R file in the last F).
struct ApkAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool { path == "lib/apk/db/installed" }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        var finding = FileFinding()
        let text = String(decoding: content, as: UTF8.self)
        var fields: [Character: String] = [:]
        var directory = ""
        func flush() {
            if let name = fields["P"], let version = fields["V"] {
                finding.packages.append(Package(type: .apk, name: name, version: version, sourceName: fields["o"] ?? name,
                                                sourceVersion: version, arch: fields["A"],
                                                licenses: fields["L"].map { [$0] } ?? [], path: path))
            }
            fields = [:]
            directory = ""
        }
        for line in text.textLines {
            if line.isEmpty { flush(); continue }
            guard line.count >= 2, let key = line.first, line.dropFirst().first == ":" else { continue }
            let value = String(line.dropFirst(2))
            switch key {
            case "F": directory = value
            case "R": finding.ownedFiles.append(directory.isEmpty ? value : directory + "/" + value)
            default: if fields[key] == nil { fields[key] = value }
            }
        }
        flush()
        return finding
    }
}
