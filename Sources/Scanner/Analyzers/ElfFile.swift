/// Just enough ELF to find named sections and map virtual addresses to file offsets, over bytes
/// already in memory. Every offset read is bounds-checked: binaries come from untrusted layers.
struct ElfFile {
    struct Section { var name: String; var address: UInt64; var offset: UInt64; var size: UInt64 }

    let bytes: [UInt8]
    let is64: Bool
    let bigEndian: Bool
    private(set) var sections: [Section] = []

    static func isELF(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 4 && bytes.prefix(4).elementsEqual([0x7f, 0x45, 0x4c, 0x46])
    }

    init?(_ bytes: [UInt8]) {
        guard Self.isELF(bytes), bytes.count >= 64 else { return nil }
        self.bytes = bytes
        is64 = bytes[4] == 2
        bigEndian = bytes[5] == 2
        let shoff = is64 ? read(0x28, 8) : read(0x20, 4)
        let shentsize = Int(read(is64 ? 0x3a : 0x2e, 2) ?? 0)
        let shnum = Int(read(is64 ? 0x3c : 0x30, 2) ?? 0)
        let shstrndx = Int(read(is64 ? 0x3e : 0x32, 2) ?? 0)
        guard let shoff, shentsize >= (is64 ? 64 : 40), shnum > 0, shnum < 65_535, shstrndx < shnum else { return }
        var raw: [(nameOffset: UInt64, address: UInt64, offset: UInt64, size: UInt64)] = []
        for i in 0..<shnum {
            let base = Int(clamping: shoff) &+ i * shentsize
            guard base > 0, base + shentsize <= bytes.count else { return }
            let entry = is64
                ? (read(base, 4), read(base + 0x10, 8), read(base + 0x18, 8), read(base + 0x20, 8))
                : (read(base, 4), read(base + 0x0c, 4), read(base + 0x10, 4), read(base + 0x14, 4))
            guard let n = entry.0, let a = entry.1, let o = entry.2, let s = entry.3 else { return }
            raw.append((n, a, o, s))
        }
        let strtab = raw[shstrndx]
        for r in raw {
            let start = strtab.offset &+ r.nameOffset
            guard start < UInt64(bytes.count), let end = bytes[Int(start)...].firstIndex(of: 0) else { continue }
            sections.append(Section(name: String(decoding: bytes[Int(start)..<end], as: UTF8.self), address: r.address, offset: r.offset, size: r.size))
        }
    }

    func read(_ offset: Int, _ size: Int) -> UInt64? {
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        var value: UInt64 = 0
        for i in 0..<size {
            let b = UInt64(bytes[offset + (bigEndian ? i : size - 1 - i)])
            value = value << 8 | b
        }
        return value
    }

    func contents(of name: String) -> ArraySlice<UInt8>? {
        guard let s = sections.first(where: { $0.name == name }) else { return nil }
        return slice(offset: s.offset, size: s.size)
    }

    func slice(offset: UInt64, size: UInt64) -> ArraySlice<UInt8>? {
        guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else { return nil }
        return bytes[Int(offset)..<Int(offset + size)]
    }

    /// Bytes at a virtual address, found through the section that maps it.
    func bytes(atAddress address: UInt64, count: UInt64) -> ArraySlice<UInt8>? {
        for s in sections where s.address != 0 && address >= s.address && address - s.address < s.size {
            return slice(offset: s.offset + (address - s.address), size: count)
        }
        return nil
    }
}
