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
        for line in text.textLines {
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

    /// The header block of an RFC 822 message: the lines before the first blank line (the body,
    /// such as a Python package's long description, is not read).
    static func headers(_ text: Substring) -> [(key: Substring, value: Substring)] {
        var headers: [(key: Substring, value: Substring)] = []
        for line in text.textLines {
            if line.isEmpty { if headers.isEmpty { continue } else { break } }
            if line.first == " " || line.first == "\t" { continue }
            guard let sep = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<sep], line[line.index(after: sep)...].trimmingWhitespace))
        }
        return headers
    }
}

extension Array where Element == (key: Substring, value: Substring) {
    func first(_ key: String) -> String? {
        first { $0.key == key }.map { String($0.value) }
    }
}
