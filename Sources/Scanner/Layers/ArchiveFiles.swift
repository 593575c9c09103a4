/// Reads chosen small files out of a tar archive (plain, gzip or zstd), streamed: a Helm chart's
/// `Chart.yaml`, `values.yaml` and `README.md`. Everything else is skipped without being held;
/// a wanted file larger than `maxFileBytes` is cut off there (`truncated` names it).
public enum ArchiveFiles {
    public struct Result: Sendable {
        public var files: [String: [UInt8]] = [:]
        public var truncated: Set<String> = []
    }

    /// `wanted` sees each regular file's path (as stored, e.g. `mychart/values.yaml`).
    public static func read(_ stream: ByteStream, wanted: @escaping (String) -> Bool, maxFileBytes: Int = 1 << 20,
                            limits: ScanLimits = ScanLimits()) async throws -> Result {
        let decoder = LayerDecoder()
        var parser = TarParser(limits: limits)
        var sink = Collector(wanted: wanted, maxFileBytes: maxFileBytes)
        for try await chunk in stream {
            do {
                try decoder.push(chunk) { bytes in try parser.push(bytes, into: &sink) }
            } catch is ScanError where parser.isFinished {
                // Damage after the tar stream's end (see LayerScanner.scan).
            }
            if parser.isFinished { break }
        }
        if !parser.isFinished { try decoder.finish { bytes in try parser.push(bytes, into: &sink) } }
        return sink.result
    }

    struct Collector: TarEntrySink {
        let wanted: (String) -> Bool
        let maxFileBytes: Int
        var result = Result()
        var current: String?

        mutating func begin(_ entry: TarEntry) throws -> Bool {
            let path = entry.rawName.hasPrefix("./") ? String(entry.rawName.dropFirst(2)) : entry.rawName
            guard entry.kind == .file, wanted(path) else { current = nil; return false }
            current = path
            result.files[path] = []
            return true
        }

        mutating func data(_ bytes: UnsafeRawBufferPointer) throws {
            guard let current else { return }
            let room = maxFileBytes - (result.files[current]?.count ?? 0)
            if bytes.count > room { result.truncated.insert(current) }
            result.files[current, default: []].append(contentsOf: bytes.prefix(max(0, room)))
        }

        mutating func end() throws { current = nil }
    }
}
