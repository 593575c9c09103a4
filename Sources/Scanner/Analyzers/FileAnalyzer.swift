/// Reads one kind of file (a package database, a manifest, a binary) into findings. Analyzers are
/// pure functions of the file's path and bytes, which is what makes per-layer caching sound.
protocol FileAnalyzer: Sendable {
    /// Whether the file's bytes are wanted. Called for every regular file: keep it cheap.
    func wants(path: String, size: UInt64, executable: Bool) -> Bool
    /// Only ELF files are of interest (checked on the first bytes, before buffering the rest).
    var elfOnly: Bool { get }
    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding?
}

extension FileAnalyzer {
    var elfOnly: Bool { false }
}

/// Collects warnings from analyzers without failing the layer.
final class AnalysisContext: @unchecked Sendable {
    let limits: ScanLimits
    private(set) var warnings: [String] = []

    init(limits: ScanLimits) { self.limits = limits }

    func warn(_ message: String) { warnings.append(message) }
}

/// All analyzers the scanner runs, in no particular order.
enum Analyzers {
    static let all: [any FileAnalyzer] = [
        OSReleaseAnalyzer(), DpkgAnalyzer(), ApkAnalyzer(), RpmAnalyzer(),
        PythonAnalyzer(), NodeAnalyzer(), GoBinaryAnalyzer(), RustAnalyzer(), JavaAnalyzer(),
        RubyGemAnalyzer(), ComposerAnalyzer(),
    ]
}

/// `Key: value` blocks separated by blank lines, with indented continuation lines (dpkg status,
/// Python METADATA headers, apk's one-letter keys use the same shape with `K:value`).
enum Stanzas {
    static func parse(_ text: Substring, separator: Character = ":") -> [[(key: Substring, value: Substring)]] {
        var stanzas: [[(key: Substring, value: Substring)]] = []
        var current: [(key: Substring, value: Substring)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.last == "\r" ? line.dropLast() : line
            if line.isEmpty {
                if !current.isEmpty { stanzas.append(current); current = [] }
                continue
            }
            if line.first == " " || line.first == "\t" { continue }  // continuation: not needed
            guard let sep = line.firstIndex(of: separator) else { continue }
            current.append((line[..<sep], line[line.index(after: sep)...].trimmingWhitespace))
        }
        if !current.isEmpty { stanzas.append(current) }
        return stanzas
    }
}

extension Array where Element == (key: Substring, value: Substring) {
    func first(_ key: String) -> String? {
        first { $0.key == key }.map { String($0.value) }
    }
}
