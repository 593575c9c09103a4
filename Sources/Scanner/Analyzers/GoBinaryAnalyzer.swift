import Foundation

/// Go executables: the build information the linker embeds (`.go.buildinfo`): the toolchain
/// version, reported as the `stdlib` module, and the main module's dependencies with `=>`
/// replacements applied. Handles the inline layout (Go 1.18+) and the older pointer layout.
struct GoBinaryAnalyzer: FileAnalyzer {

    var elfOnly: Bool { true }

    func wants(path: String, size: UInt64, executable: Bool) -> Bool { executable && size >= 1024 }

    func analyze(path: String, content: [UInt8], context: AnalysisContext) async throws -> FileFinding? {
        guard let elf = ElfFile(content), let info = Self.buildInfo(elf) else { return nil }
        return FileFinding(packages: Self.packages(version: info.goVersion, modinfo: info.modinfo, path: path))
    }

    struct BuildInfo { var goVersion: String; var modinfo: String }

    static func buildInfo(_ elf: ElfFile) -> BuildInfo? {
        let header: ArraySlice<UInt8>
        if let section = elf.contents(of: ".go.buildinfo") {
            header = section
        } else if let at = find(magicBytes, in: elf.bytes) {
            header = elf.bytes[at...]
        } else {
            return nil
        }
        guard header.count >= 32, header.prefix(14).elementsEqual(magicBytes) else { return nil }
        let base = header.startIndex
        let pointerSize = Int(header[base + 14])
        let flags = header[base + 15]
        if flags & 2 != 0 {
            var cursor = base + 32
            guard let version = readVarString(header, &cursor), let modinfo = readVarString(header, &cursor) else { return nil }
            return BuildInfo(goVersion: version, modinfo: stripSentinels(modinfo))
        }
        // pre-1.18: two pointers to Go string headers (data pointer, length)
        guard pointerSize == 4 || pointerSize == 8 else { return nil }
        let bigEndian = flags & 1 != 0
        func pointer(_ s: ArraySlice<UInt8>, _ at: Int) -> UInt64? {
            guard at + pointerSize <= s.endIndex else { return nil }
            var v: UInt64 = 0
            for i in 0..<pointerSize { v = v << 8 | UInt64(s[at + (bigEndian ? i : pointerSize - 1 - i)]) }
            return v
        }
        func goString(_ address: UInt64) -> String? {
            guard let h = elf.bytes(atAddress: address, count: UInt64(2 * pointerSize)),
                  let data = pointer(h, h.startIndex), let length = pointer(h, h.startIndex + pointerSize),
                  length < 1 << 24, let bytes = elf.bytes(atAddress: data, count: length) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let vp = pointer(header, base + 16), let mp = pointer(header, base + 16 + pointerSize),
              let version = goString(vp) else { return nil }
        return BuildInfo(goVersion: version, modinfo: stripSentinels(goString(mp) ?? ""))
    }

    private static let magicBytes: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)

    /// The module text is wrapped in two 16-byte sentinels.
    private static func stripSentinels(_ s: String) -> String {
        let bytes = Array(s.utf8)
        guard bytes.count >= 33, bytes[bytes.count - 17] == UInt8(ascii: "\n") else { return s }
        return String(decoding: bytes[16..<(bytes.count - 16)], as: UTF8.self)
    }

    private static func readVarString(_ s: ArraySlice<UInt8>, _ cursor: inout Int) -> String? {
        var length = 0, shift = 0
        while cursor < s.endIndex {
            let b = s[cursor]
            cursor += 1
            length |= Int(b & 0x7f) << shift
            if b < 0x80 { break }
            shift += 7
            if shift > 28 { return nil }
        }
        guard length >= 0, cursor + length <= s.endIndex else { return nil }
        defer { cursor += length }
        return String(decoding: s[cursor..<cursor + length], as: UTF8.self)
    }

    /// Offset of `needle` in `haystack` at or after `start` (memchr + memcmp: binaries are tens of MB).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard !needle.isEmpty, start >= 0, start <= haystack.count else { return nil }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                guard let base = h.baseAddress else { return nil }
                var position = start
                while h.count - position >= n.count {
                    guard let hit = memchr(base + position, Int32(needle[0]), h.count - position - n.count + 1) else { return nil }
                    let offset = UnsafeRawPointer(hit) - base
                    if memcmp(hit, n.baseAddress!, n.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }

    /// `go1.21.3 X:boringcrypto` -> `1.21.3`; the form Go advisories use for `stdlib`.
    static func stdlibVersion(_ goVersion: String) -> String {
        let first = goVersion.split(separator: " ").first.map(String.init) ?? goVersion
        return first.hasPrefix("go") ? String(first.dropFirst(2)) : first
    }

    static func packages(version: String, modinfo: String, path: String) -> [Package] {
        var out = [Package(type: .golang, name: "stdlib", version: stdlibVersion(version), path: path)]
        for line in modinfo.nonEmptyTextLines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            switch fields[0] {
            case "mod":
                if fields[2] != "(devel)" {
                    out.append(Package(type: .golang, name: String(fields[1]), version: String(fields[2]), path: path))
                }
            case "dep":
                out.append(Package(type: .golang, name: String(fields[1]), version: String(fields[2]), path: path))
            case "=>":
                // replaces the dependency on the previous line; local directory replacements have no version
                if out.count > 1, !fields[2].isEmpty {
                    out[out.count - 1].name = String(fields[1])
                    out[out.count - 1].version = String(fields[2])
                }
            default:
                continue
            }
        }
        return out
    }
}
