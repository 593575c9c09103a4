/// The tar sink of one layer: records whiteouts and every path, and buffers the bytes of files an
/// analyzer asked for (at most one file in flight, bounded by `ScanLimits`). Completed files are
/// handed to the analyzers between chunks, because analyzers may be async.
struct LayerScanSession: TarEntrySink {
    struct PendingFile { var path: String; var analyzers: [Int]; var content: [UInt8] }

    let analyzers: [any FileAnalyzer]
    let limits: ScanLimits
    var result = LayerResult()
    private var current: PendingFile?
    private(set) var completed: [PendingFile] = []

    init(analyzers: [any FileAnalyzer], limits: ScanLimits) {
        self.analyzers = analyzers
        self.limits = limits
    }

    mutating func takeCompleted() -> [PendingFile] {
        defer { completed.removeAll() }
        return completed
    }

    mutating func begin(_ entry: TarEntry) throws -> Bool {
        guard let path = LayerPath.normalize(entry.rawName) else {
            warn("skipped entry '\(entry.rawName.prefix(200))': its path climbs out of the image root")
            return false
        }
        if path.isEmpty { return false }
        let base = LayerPath.basename(path)
        if base.hasPrefix(".wh.") {
            let dir = String(LayerPath.dirname(path))
            if base == ".wh..wh..opq" {
                result.opaqueDirectories.append(dir)
            } else {
                let target = String(base.dropFirst(4))
                result.whiteouts.append(dir.isEmpty ? target : dir + "/" + target)
            }
            return false
        }
        result.pathHashes.insert(LayerResult.hash(path))
        // Links are never followed: that keeps symlink loops and links out of the root harmless.
        guard entry.kind == .file else { return false }
        let executable = entry.isExecutable
        let wanting = analyzers.indices.filter { analyzers[$0].wants(path: path, size: entry.size, executable: executable) }
        if wanting.isEmpty { return false }
        let onlyBinary = wanting.allSatisfy { analyzers[$0].elfOnly || analyzers[$0] is RustAnalyzer }
        let cap = onlyBinary ? limits.maxBinaryBytes : limits.maxBufferedFileBytes
        guard entry.size <= UInt64(cap) else {
            warn("skipped \(path): \(entry.size) bytes is over the \(cap)-byte limit for analysed files")
            return false
        }
        var content: [UInt8] = []
        content.reserveCapacity(Int(min(entry.size, 64 << 20)))
        current = PendingFile(path: path, analyzers: wanting, content: content)
        return true
    }

    mutating func data(_ bytes: UnsafeRawBufferPointer) throws {
        guard current != nil else { return }
        current!.content.append(contentsOf: bytes)
        // Executables that are not ELF (scripts) are dropped as soon as their magic is known.
        if current!.content.count >= 4, current!.content.count - bytes.count < 4, !ElfFile.isELF(current!.content) {
            let isLockFile = current!.path.hasSuffix("Cargo.lock")
            let all = analyzers
            current!.analyzers.removeAll { all[$0].elfOnly || (all[$0] is RustAnalyzer && !isLockFile) }
            if current!.analyzers.isEmpty { current = nil }
        }
    }

    mutating func end() throws {
        if let file = current { completed.append(file) }
        current = nil
    }

    mutating func warn(_ message: String) {
        if result.warnings.count < 200 { result.warnings.append(message) }
        else if result.warnings.count == 200 { result.warnings.append("further warnings for this layer suppressed") }
    }
}
