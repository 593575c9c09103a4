/// Incremental tar reader: bytes are pushed in whatever pieces the decoder produces and members
/// come out through a `TarEntrySink`. Handles ustar (with prefix), GNU long names/links and base-256
/// sizes, and pax extended headers. Only the 512-byte header and bounded long-name records are
/// ever buffered; member data is passed through or skipped.
struct TarParser {
    enum Failure: Error { case tooManyEntries, badHeader(String) }

    private enum State {
        case header
        case data(remaining: UInt64, padding: Int, wanted: Bool)
        case extended(kind: UInt8, remaining: UInt64, padding: Int)
        case padding(Int)
        case finished
    }

    private var state = State.header
    private var header: [UInt8] = []
    private var extendedBuffer: [UInt8] = []
    private var pendingLongName: String?
    private var pendingLongLink: String?
    private var pendingPax: [String: String] = [:]
    private var zeroBlocks = 0
    private(set) var entries = 0
    let limits: ScanLimits

    init(limits: ScanLimits) {
        self.limits = limits
        header.reserveCapacity(512)
    }

    var isFinished: Bool { if case .finished = state { true } else { false } }

    /// True when input stopped in the middle of a member (truncated layer).
    var isMidEntry: Bool {
        switch state {
        case .header: !header.isEmpty
        case .finished: false
        default: true
        }
    }

    mutating func push<Sink: TarEntrySink>(_ input: UnsafeRawBufferPointer, into sink: inout Sink) throws {
        var offset = 0
        while offset < input.count {
            switch state {
            case .finished:
                return
            case .header:
                let take = min(512 - header.count, input.count - offset)
                header.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<offset + take]))
                offset += take
                if header.count == 512 {
                    try handleHeader(into: &sink)
                    header.removeAll(keepingCapacity: true)
                }
            case .data(let remaining, let padding, let wanted):
                let take = Int(min(remaining, UInt64(input.count - offset)))
                if wanted && take > 0 { try sink.data(UnsafeRawBufferPointer(rebasing: input[offset..<offset + take])) }
                offset += take
                let left = remaining - UInt64(take)
                if left == 0 {
                    if wanted { try sink.end() }
                    state = padding > 0 ? .padding(padding) : .header
                } else {
                    state = .data(remaining: left, padding: padding, wanted: wanted)
                }
            case .extended(let kind, let remaining, let padding):
                let take = Int(min(remaining, UInt64(input.count - offset)))
                extendedBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<offset + take]))
                offset += take
                let left = remaining - UInt64(take)
                if left == 0 {
                    finishExtended(kind)
                    state = padding > 0 ? .padding(padding) : .header
                } else {
                    state = .extended(kind: kind, remaining: left, padding: padding)
                }
            case .padding(let n):
                let take = min(n, input.count - offset)
                offset += take
                state = n - take > 0 ? .padding(n - take) : .header
            }
        }
    }

    private mutating func handleHeader<Sink: TarEntrySink>(into sink: inout Sink) throws {
        if header.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks >= 2 { state = .finished }
            return
        }
        zeroBlocks = 0
        guard checksumIsValid() else { throw Failure.badHeader("tar header checksum mismatch (not a tar layer, or corrupt)") }
        let typeflag = header[156]
        let size = try pendingPax["size"].flatMap(UInt64.init) ?? parseSize()
        let padding = Int((512 - size % 512) % 512)

        switch typeflag {
        case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
            guard size <= UInt64(limits.maxExtendedHeaderBytes) else {
                throw Failure.badHeader("extended tar header of \(size) bytes exceeds the \(limits.maxExtendedHeaderBytes)-byte limit")
            }
            extendedBuffer.removeAll(keepingCapacity: true)
            state = size == 0 ? .header : .extended(kind: typeflag, remaining: size, padding: padding)
            if size == 0 { finishExtended(typeflag) }
            return
        default:
            break
        }

        entries += 1
        if entries > limits.maxEntriesPerLayer { throw Failure.tooManyEntries }

        let kind: TarEntry.Kind
        switch typeflag {
        case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "2"): kind = .symlink
        case UInt8(ascii: "1"): kind = .hardlink
        default: kind = .other
        }
        var name = pendingPax["path"] ?? pendingLongName ?? ustarName()
        if kind == .file, name.hasSuffix("/") { name.removeLast() }
        let entry = TarEntry(
            rawName: String(name.prefix(limits.maxPathBytes)),
            kind: kind,
            size: size,
            mode: UInt32(truncatingIfNeeded: octal(100, 8) ?? 0),
            linkName: pendingPax["linkpath"] ?? pendingLongLink ?? string(157, 100))
        pendingPax = [:]
        pendingLongName = nil
        pendingLongLink = nil

        // Hard and symbolic links carry no data even if a size is given.
        let dataSize: UInt64 = (kind == .symlink || kind == .hardlink || kind == .directory) ? 0 : size
        let wanted = try sink.begin(entry)
        if dataSize == 0 {
            if wanted { try sink.end() }
            state = .header
        } else {
            state = .data(remaining: dataSize, padding: Int((512 - dataSize % 512) % 512), wanted: wanted)
        }
    }

    private mutating func finishExtended(_ kind: UInt8) {
        switch kind {
        case UInt8(ascii: "L"): pendingLongName = cString(extendedBuffer)
        case UInt8(ascii: "K"): pendingLongLink = cString(extendedBuffer)
        case UInt8(ascii: "x"): pendingPax = Self.parsePax(extendedBuffer)
        default: break  // global pax headers hold nothing the scanner needs
        }
        extendedBuffer.removeAll(keepingCapacity: true)
    }

    /// pax records: "<len> key=value\n".
    static func parsePax(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count, bytes[j] != 0x20 { j += 1 }
            // The length counts the whole record, its own digits and the newline included: one
            // too short for them (`2 x`) or past the end (without overflowing) ends the records.
            guard j < bytes.count, let length = Int(String(decoding: bytes[i..<j], as: UTF8.self)),
                  length >= j - i + 2, length <= bytes.count - i else { break }
            let record = bytes[(j + 1)..<(i + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                out[String(decoding: record[record.startIndex..<eq], as: UTF8.self)] =
                    String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += length
        }
        return out
    }

    private func checksumIsValid() -> Bool {
        guard let stored = octal(148, 8) else { return false }
        var unsigned: UInt64 = 0
        var signed: Int64 = 0
        for (i, b) in header.enumerated() {
            let v = (148..<156).contains(i) ? UInt8(ascii: " ") : b
            unsigned += UInt64(v)
            signed += Int64(Int8(bitPattern: v))
        }
        return stored == unsigned || Int64(stored) == signed
    }

    private func parseSize() throws -> UInt64 {
        if header[124] & 0x80 != 0 {
            // GNU base-256: big-endian binary in the remaining bytes of the field
            var value: UInt64 = 0
            for i in 125..<136 {
                guard value >> 56 == 0 else { throw Failure.badHeader("tar size field overflows") }
                value = value << 8 | UInt64(header[i])
            }
            return value
        }
        guard let v = octal(124, 12) else { throw Failure.badHeader("tar size field is not a number") }
        return v
    }

    private func octal(_ offset: Int, _ length: Int) -> UInt64? {
        var value: UInt64 = 0
        var seen = false
        for b in header[offset..<offset + length] {
            if b == 0 || (b == 0x20 && seen) { break }
            if b == 0x20 { continue }
            guard b >= 0x30 && b <= 0x37 else { return nil }
            guard value >> 60 == 0 else { return nil }
            value = value << 3 | UInt64(b - 0x30)
            seen = true
        }
        return value
    }

    private func string(_ offset: Int, _ length: Int) -> String {
        cString(Array(header[offset..<offset + length]))
    }

    private func cString(_ bytes: [UInt8]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    private func ustarName() -> String {
        let name = string(0, 100)
        // POSIX "ustar\0" has a name prefix field; GNU "ustar  " keeps times there instead.
        let isUstar = header[257..<263].elementsEqual([0x75, 0x73, 0x74, 0x61, 0x72, 0x00])
        if isUstar {
            let prefix = string(345, 155)
            if !prefix.isEmpty { return prefix + "/" + name }
        }
        return name
    }
}
