/// Writes tar streams byte by byte, for layers no real tool would produce (hostile input).
struct TarBuilder {
    private(set) var bytes: [UInt8] = []

    mutating func file(_ name: String, _ content: [UInt8], mode: Int = 0o644) {
        header(name: name, size: UInt64(content.count), type: "0", mode: mode)
        bytes += content
        pad()
    }

    mutating func file(_ name: String, _ text: String, mode: Int = 0o644) { file(name, Array(text.utf8), mode: mode) }

    mutating func symlink(_ name: String, to target: String) {
        header(name: name, size: 0, type: "2", mode: 0o777, linkName: target)
    }

    /// A pax extended header with `records` as its data, applying to the next member.
    mutating func pax(_ records: String) {
        header(name: "PaxHeaders/x", size: UInt64(records.utf8.count), type: "x", mode: 0o644)
        bytes += Array(records.utf8)
        pad()
    }

    mutating func directory(_ name: String) { header(name: name, size: 0, type: "5", mode: 0o755) }

    /// A header only; the caller supplies (or streams) the data.
    mutating func header(name: String, size: UInt64, type: Character, mode: Int, linkName: String = "") {
        if name.utf8.count > 99 {
            let long = Array(name.utf8) + [0]
            header(name: "././@LongLink", size: UInt64(long.count), type: "L", mode: 0)
            bytes += long
            pad()
        }
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ offset: Int, _ length: Int) {
            for (i, b) in s.utf8.prefix(length).enumerated() { h[offset + i] = b }
        }
        func octal(_ v: UInt64, _ offset: Int, _ length: Int) {
            put(String(String(v, radix: 8).leftPad(length - 1)), offset, length - 1)
        }
        put(String(name.utf8.prefix(99))!, 0, 100)
        octal(UInt64(mode), 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        if size < 0o77777777777 {
            octal(size, 124, 12)
        } else {
            h[124] = 0x80
            for i in 0..<8 { h[135 - i] = UInt8((size >> (8 * UInt64(i))) & 0xff) }
        }
        octal(0, 136, 12)
        h[156] = type.asciiValue!
        put(linkName, 157, 100)
        put("ustar", 257, 6)
        put("00", 263, 2)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(String(sum, radix: 8).leftPad(6)) + "\0 ", 148, 8)
        bytes += h
    }

    mutating func pad() {
        let r = bytes.count % 512
        if r != 0 { bytes += [UInt8](repeating: 0, count: 512 - r) }
    }

    mutating func finish() -> [UInt8] {
        bytes += [UInt8](repeating: 0, count: 1024)
        return bytes
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}
