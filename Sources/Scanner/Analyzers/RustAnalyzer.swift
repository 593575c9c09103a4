import CScanZlib
import Foundation

/// Rust dependencies: binaries built with cargo-auditable (zlib-compressed JSON in the `.dep-v0`
/// ELF section) and `Cargo.lock` files.
struct RustAnalyzer: FileAnalyzer {
    func wants(path: String, size: UInt64, executable: Bool) -> Bool {
        (executable && size >= 1024) || (path.hasSuffix("Cargo.lock") && size < 16 << 20)
    }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        if path.hasSuffix("Cargo.lock") {
            return FileFinding(packages: CargoLock.packages(String(decoding: content, as: UTF8.self), path: path))
        }
        guard ElfFile.isELF(content), let elf = ElfFile(content), let section = elf.contents(of: ".dep-v0") else { return nil }
        guard let json = Self.inflate(Array(section), limit: 8 << 20) else {
            context.warn("\(path): .dep-v0 section is not valid zlib data")
            return nil
        }
        struct Audit: Decodable {
            struct Dep: Decodable { var name: String; var version: String; var source: String?; var root: Bool? }
            var packages: [Dep]
        }
        guard let audit = try? JSONDecoder().decode(Audit.self, from: Data(json)) else {
            context.warn("\(path): .dep-v0 section is not cargo-auditable JSON")
            return nil
        }
        return FileFinding(packages: audit.packages.filter { $0.root != true && ($0.source ?? "crates.io") == "crates.io" }.map {
            Package(type: .cargo, name: $0.name, version: $0.version, path: path)
        })
    }

    /// One-shot zlib inflate with an output cap (a small section must not expand without bound).
    static func inflate(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = input
        return input.withUnsafeMutableBufferPointer { inBuf -> [UInt8]? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let s = CScanZlib.inflate(&stream, Z_NO_FLUSH)
                    return (s, out.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return nil }
                if status == Z_STREAM_END { return output }
                if status != Z_OK { return nil }
            }
        }
    }
}
