import CScanZlib
import CScanZstd

/// Streams a layer blob into tar bytes. The format is taken from the leading magic bytes, not the
/// media type, because registries in the wild mislabel layers: gzip (multi-member too), zstd or
/// plain tar. Output is handed out in pieces of at most `outputSize` bytes, so memory stays flat.
final class LayerDecoder {
    enum Format: String { case plain, gzip, zstd }

    private(set) var format: Format?
    /// The first bytes, held while they may still be the start of a magic number: a blob can come in
    /// pieces of any size, and a gzip or zstd layer whose first piece was shorter than its magic
    /// number would otherwise be read as plain tar.
    private var head: [UInt8] = []
    private(set) var compressedBytes: UInt64 = 0
    private(set) var uncompressedBytes: UInt64 = 0
    private var zlib: UnsafeMutablePointer<z_stream>?
    private var zlibEnded = false
    /// A zero byte followed the end of a gzip member: the rest of the blob is padding.
    private var padded = false
    private var zstd: UnsafeMutableRawPointer?
    private let output: UnsafeMutableRawBufferPointer
    private let outputSize = 256 << 10

    init() {
        output = .allocate(byteCount: outputSize, alignment: 16)
    }

    deinit {
        if let zlib { inflateEnd(zlib); zlib.deallocate() }
        if let zstd { berth_zstd_free(zstd) }
        output.deallocate()
    }

    /// Decodes `chunk`, calling `emit` with each piece of tar bytes.
    func push(_ chunk: [UInt8], emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if chunk.isEmpty { return }
        var chunk = chunk
        if format == nil {
            head += chunk
            if Self.mayBeMagic(head) { return }
            chunk = head
            head = []
            try start(chunk)
        }
        compressedBytes += UInt64(chunk.count)
        switch format! {
        case .plain:
            uncompressedBytes += UInt64(chunk.count)
            try chunk.withUnsafeBytes { try emit($0) }
        case .gzip: try inflate(chunk, emit: emit)
        case .zstd: try decompressZstd(chunk, emit: emit)
        }
    }

    /// Called after the last chunk: a compressed stream that stopped mid-way is an error.
    func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if format == nil, !head.isEmpty {
            let rest = head
            head = []
            try start(rest)
            try push(rest, emit: emit)
        }
        if format == .gzip, !zlibEnded, uncompressedBytes > 0 || compressedBytes > 0 {
            throw ScanError.corruptLayer("gzip stream ends before its trailer (truncated layer)")
        }
    }

    /// True while `bytes` are fewer than, and the start of, the gzip or the zstd magic number.
    private static func mayBeMagic(_ bytes: [UInt8]) -> Bool {
        (bytes.count < 2 && [0x1f, 0x8b].starts(with: bytes)) || (bytes.count < 4 && [0x28, 0xb5, 0x2f, 0xfd].starts(with: bytes))
    }

    private func start(_ chunk: [UInt8]) throws {
        if chunk.count >= 2, chunk[0] == 0x1f, chunk[1] == 0x8b {
            format = .gzip
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // 15 + 32: gzip or zlib header, detected automatically
            guard inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                stream.deallocate()
                throw ScanError.corruptLayer("zlib could not be initialised")
            }
            zlib = stream
        } else if chunk.count >= 4, chunk[0] == 0x28, chunk[1] == 0xb5, chunk[2] == 0x2f, chunk[3] == 0xfd {
            format = .zstd
            if let failure = berth_zstd_load() {
                throw ScanError.corruptLayer("zstd layer cannot be decoded: \(String(cString: failure))")
            }
            guard let stream = berth_zstd_create() else {
                throw ScanError.corruptLayer("zstd decoder could not be initialised")
            }
            zstd = stream
        } else {
            format = .plain
        }
    }

    private func inflate(_ chunk: [UInt8], emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let zlib else { return }
        try chunk.withUnsafeBufferPointer { input in
            var offset = 0
            while offset < input.count {
                if padded { return }
                if zlibEnded {
                    // Another gzip member follows (concatenated gzip is valid), or trailing padding:
                    // everything after it, in this chunk or a later one.
                    if input[offset] == 0 { padded = true; return }
                    inflateReset(zlib)
                    zlibEnded = false
                }
                zlib.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + offset)
                zlib.pointee.avail_in = UInt32(input.count - offset)
                repeat {
                    zlib.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    zlib.pointee.avail_out = UInt32(outputSize)
                    let status = CScanZlib.inflate(zlib, Z_NO_FLUSH)
                    let produced = outputSize - Int(zlib.pointee.avail_out)
                    if produced > 0 {
                        uncompressedBytes += UInt64(produced)
                        try emit(UnsafeRawBufferPointer(rebasing: output[0..<produced]))
                    }
                    if status == Z_STREAM_END { zlibEnded = true; break }
                    if status == Z_BUF_ERROR { break }
                    guard status == Z_OK else {
                        let message = zlib.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
                        throw ScanError.corruptLayer("gzip data is corrupt: \(message)")
                    }
                } while zlib.pointee.avail_out == 0 || zlib.pointee.avail_in > 0
                offset = input.count - Int(zlib.pointee.avail_in)
                if !zlibEnded { return }
            }
        }
    }

    private func decompressZstd(_ chunk: [UInt8], emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try chunk.withUnsafeBytes { input in
            var inBuffer = berth_zstd_in_buffer(src: input.baseAddress, size: input.count, pos: 0)
            repeat {
                var outBuffer = berth_zstd_out_buffer(dst: output.baseAddress, size: outputSize, pos: 0)
                let result = berth_zstd_decompress(zstd, &outBuffer, &inBuffer)
                if berth_zstd_is_error(result) != 0 {
                    throw ScanError.corruptLayer("zstd data is corrupt: \(String(cString: berth_zstd_error_name(result)))")
                }
                if outBuffer.pos > 0 {
                    uncompressedBytes += UInt64(outBuffer.pos)
                    try emit(UnsafeRawBufferPointer(rebasing: output[0..<outBuffer.pos]))
                }
                if inBuffer.pos == inBuffer.size && outBuffer.pos < outBuffer.size { break }
            } while true
        }
    }
}
