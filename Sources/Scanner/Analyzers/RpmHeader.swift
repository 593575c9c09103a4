/// An RPM package header as stored in `rpmdb.sqlite` (the `Packages.blob` column): index count,
/// data length, 16-byte index entries (tag, type, offset, count) and the data store, big-endian.
struct RpmHeader {
    enum Tag: Int32 {
        case name = 1000, version = 1001, release = 1002, epoch = 1003, license = 1014, arch = 1022
        case sourceRPM = 1044, dirIndexes = 1116, baseNames = 1117, dirNames = 1118
    }

    private var strings: [Int32: [String]] = [:]
    private var integers: [Int32: [Int64]] = [:]

    init(_ blob: [UInt8]) throws {
        func be32(_ at: Int) throws -> Int32 {
            guard at >= 0, at + 4 <= blob.count else { throw ScanError.corruptLayer("rpm header is truncated") }
            return Int32(bitPattern: UInt32(blob[at]) << 24 | UInt32(blob[at + 1]) << 16 | UInt32(blob[at + 2]) << 8 | UInt32(blob[at + 3]))
        }
        let indexCount = Int(try be32(0)), dataLength = Int(try be32(4))
        guard indexCount >= 0, dataLength >= 0, indexCount < 100_000,
              8 + indexCount * 16 + dataLength <= blob.count else { throw ScanError.corruptLayer("rpm header sizes are invalid") }
        let dataStart = 8 + indexCount * 16
        let wanted = Set([Tag.name, .version, .release, .epoch, .license, .arch, .sourceRPM, .dirIndexes, .baseNames, .dirNames].map(\.rawValue))
        for i in 0..<indexCount {
            let at = 8 + i * 16
            let tag = try be32(at), type = try be32(at + 4), offset = Int(try be32(at + 8)), count = Int(try be32(at + 12))
            guard wanted.contains(tag), offset >= 0, offset < dataLength, count >= 0, count <= dataLength else { continue }
            var p = dataStart + offset
            let end = dataStart + dataLength
            switch type {
            case 6, 8, 9:  // STRING, STRING_ARRAY, I18NSTRING
                var values: [String] = []
                for _ in 0..<(type == 6 ? 1 : count) {
                    guard p < end, let z = blob[p..<end].firstIndex(of: 0) else { break }
                    values.append(String(decoding: blob[p..<z], as: UTF8.self))
                    p = z + 1
                }
                strings[tag] = values
            case 4:  // INT32
                guard p + count * 4 <= end else { continue }
                integers[tag] = try (0..<count).map { Int64(try be32(p + $0 * 4)) }
            default:
                continue
            }
        }
    }

    func string(_ tag: Tag) -> String? { strings[tag.rawValue]?.first }
    func strings(_ tag: Tag) -> [String] { strings[tag.rawValue] ?? [] }
    func ints(_ tag: Tag) -> [Int64] { integers[tag.rawValue] ?? [] }

    /// Installed file paths, rebuilt from the directory table.
    var files: [String] {
        let dirs = strings(.dirNames), bases = strings(.baseNames), indexes = ints(.dirIndexes)
        guard bases.count == indexes.count else { return [] }
        return zip(bases, indexes).compactMap { base, index in
            guard index >= 0, Int(index) < dirs.count else { return nil }
            return LayerPath.normalize(dirs[Int(index)] + base)
        }
    }
}
