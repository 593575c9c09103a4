import FuzzSupport
@testable import Scanner

/// A layer blob as the scanner reads it: `LayerDecoder` (plain tar, gzip with several members, zstd,
/// chosen by the leading bytes) feeding `TarParser` (ustar, GNU long names and base-256 sizes, pax),
/// driven as `LayerScanner` drives them. Every regular member whose name has an even length is
/// read, the others skipped.
///
/// Properties: a read member gets exactly its size in bytes before it ends; nothing arrives outside
/// a member; and the outcome (members, their bytes, the error if any, where the tar stream stopped)
/// does not depend on how the blob is cut into chunks: the whole blob at once and the blob in pieces
/// of 1 to 613 bytes read the same (but see `Outcome.agrees` for corrupt compressed data).
@main
enum FuzzLayer {
    static func main() {
        FuzzMain.run { input in
            let bytes = Array(input)
            let whole = read(bytes, chunkSize: max(bytes.count, 1))
            let pieces = read(bytes, chunkSize: 1 + (bytes.count &* 7 &+ Int(bytes.first ?? 0)) % 613)
            guard whole.agrees(with: pieces) else {
                fatalError("""
                    the blob reads differently in pieces:
                    whole:  \(whole)
                    pieces: \(pieces)
                    """)
            }
        }
    }

    struct Outcome: Equatable, CustomStringConvertible {
        var members: [String] = []
        var error: String?
        var finished = false
        var midEntry = false
        var description: String { "\(members.count) members \(members.suffix(3)), error \(error ?? "none"), finished \(finished), mid-entry \(midEntry)" }

        var isCorruptCompression: Bool { error?.hasSuffix(" data is corrupt") == true }

        /// Equal, except after corrupt compressed data: zstd drops what it decoded in the call that
        /// found the corruption, so in pieces more of the output before it may come through (and
        /// the tar reader may refuse that first). Then both must fail, and one's members must be
        /// the beginning of the other's.
        func agrees(with other: Outcome) -> Bool {
            guard isCorruptCompression || other.isCorruptCompression else { return self == other }
            let (a, b) = (members.filter { !$0.hasPrefix("partial ") }, other.members.filter { !$0.hasPrefix("partial ") })
            return error != nil && other.error != nil && (a.starts(with: b) || b.starts(with: a))
        }
    }

    /// Records each member and a checksum of its bytes, checking the sink protocol on the way.
    struct Recorder: TarEntrySink {
        var members: [String] = []
        var current: (entry: TarEntry, count: UInt64, hash: UInt64)?

        mutating func begin(_ entry: TarEntry) throws -> Bool {
            guard current == nil else { fatalError("a member begins before the previous one ended") }
            let wanted = entry.kind == .file && entry.rawName.utf8.count % 2 == 0
            members.append("\(entry.rawName.debugDescription) \(entry.kind) \(entry.size) \(entry.mode) \(entry.linkName.debugDescription) \(wanted)")
            if wanted { current = (entry, 0, 0xcbf29ce484222325) }
            return wanted
        }

        mutating func data(_ bytes: UnsafeRawBufferPointer) throws {
            guard var member = current else { fatalError("bytes outside a member") }
            member.count += UInt64(bytes.count)
            guard member.count <= member.entry.size else { fatalError("more bytes than the member's size") }
            for byte in bytes { member.hash = (member.hash ^ UInt64(byte)) &* 0x100000001b3 }
            current = member
        }

        mutating func end() throws {
            guard let member = current else { fatalError("a member ends that did not begin") }
            guard member.count == member.entry.size else { fatalError("a member ends after \(member.count) of \(member.entry.size) bytes") }
            members.append("data \(member.count) \(member.hash)")
            current = nil
        }
    }

    /// The loop of `LayerScanner.scan`, without the analyzers.
    static func read(_ blob: [UInt8], chunkSize: Int) -> Outcome {
        let decoder = LayerDecoder()
        var parser = TarParser(limits: ScanLimits())
        var sink = Recorder()
        var outcome = Outcome()
        do {
            var offset = 0
            while offset < blob.count {
                let end = min(blob.count, offset + chunkSize)
                do {
                    try decoder.push(Array(blob[offset..<end])) { piece in try parser.push(piece, into: &sink) }
                } catch is ScanError where parser.isFinished {
                    // As LayerScanner: damage after the tar stream's end is not read.
                }
                offset = end
                if parser.isFinished { break }
            }
            if !parser.isFinished {
                try decoder.finish { piece in try parser.push(piece, into: &sink) }
            }
        } catch {
            // Where a decoder notices corrupt data, and so its message, may depend on the pieces.
            let text = "\(error)"
            outcome.error = text.range(of: " data is corrupt").map { String(text[..<$0.upperBound]) } ?? text
        }
        outcome.members = sink.members + (sink.current.map { ["partial \($0.count) \($0.hash)"] } ?? [])
        outcome.finished = parser.isFinished
        outcome.midEntry = parser.isMidEntry
        return outcome
    }
}
