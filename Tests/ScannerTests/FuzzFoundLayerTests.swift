import Foundation
import Testing
@testable import Scanner

/// Layers that FuzzLayer found mishandled (their inputs are in fuzz/corpus/layer, named `crash-*`).
@Suite struct FuzzFoundLayerTests {
    let osRelease = "ID=debian\nVERSION_ID=\"12\"\n"

    /// A pax record whose length field is shorter than the record's own digits (`2 $`) sliced a
    /// range backwards, and a huge length after a first record overflowed: either trapped, which
    /// took the scanning process down.
    @Test func paxRecordsWithImpossibleLengths() async throws {
        #expect(TarParser.parsePax(Array("2 $".utf8)).isEmpty)
        #expect(TarParser.parsePax(Array("1 ".utf8)).isEmpty)
        #expect(TarParser.parsePax(Array("6 a=b\n9223372036854775807 x=y\n".utf8)) == ["a": "b"])
        #expect(TarParser.parsePax(Array("6 a=b\n4 \n".utf8)) == ["a": "b"])
        var tar = TarBuilder()
        tar.pax("6 a=b\n2 $")
        tar.file("etc/os-release", osRelease)
        let inventory = try await ScanEngine().inventory(ofLayer: tar.finish())
        #expect(inventory.os?.id == "debian")
    }

    /// A compressed layer whose first piece was shorter than its magic number (two bytes for gzip,
    /// four for zstd) was read as plain tar and reported corrupt; a blob may arrive in any pieces.
    @Test func magicNumberSplitAcrossPieces() async throws {
        let dir = try TestData.scratch("split-magic")
        defer { try? FileManager.default.removeItem(at: dir) }
        var tar = TarBuilder()
        tar.file("etc/os-release", osRelease)
        try Data(tar.finish()).write(to: dir.appendingPathComponent("layer.tar"))
        try await TestData.run("sh", ["-c", "gzip -c layer.tar > layer.tar.gz && zstd -q -c layer.tar > layer.tar.zst"], cwd: dir)
        for name in ["layer.tar", "layer.tar.gz", "layer.tar.zst"] {
            let blob = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
            for size in [1, 3] {
                let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(blob, chunkSize: size))
                let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([layer]))
                #expect(inventory.os?.id == "debian", "\(name) in pieces of \(size) bytes")
                #expect(inventory.warnings.isEmpty, "\(name) in pieces of \(size): \(inventory.warnings)")
            }
        }
        // A blob shorter than a magic number is still read to its end, as before.
        let tiny = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes([0x1f]))
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([tiny]))
        #expect(inventory.warnings.contains { $0.contains("truncated") }, "\(inventory.warnings)")
    }
}

/// Found by FuzzLayer: a gzip layer whose damage lies after the tar stream's end was reported
/// incomplete ("gzip data is corrupt; the rest was not scanned") when the damage came in the same
/// chunk as the end, and complete when it came in a later one.
@Suite struct DamageAfterTheTarEndTests {
    @Test func damageAfterTheEndOfTheTarStreamIsNotReported() async throws {
        let dir = try TestData.scratch("damage-after-end")
        defer { try? FileManager.default.removeItem(at: dir) }
        var tar = TarBuilder()
        tar.file("etc/os-release", "ID=debian\n")
        try Data(tar.finish()).write(to: dir.appendingPathComponent("layer.tar"))
        try await TestData.run("sh", ["-c", "gzip -c layer.tar > layer.tar.gz"], cwd: dir)
        var blob = [UInt8](try Data(contentsOf: dir.appendingPathComponent("layer.tar.gz")))
        blob[blob.count - 8] ^= 0xff  // the CRC-32 of the trailer: zlib fails after the last byte
        for size in [1 << 20, 7] {
            let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(blob, chunkSize: size))
            let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([layer]))
            #expect(inventory.os?.id == "debian")
            #expect(inventory.warnings.isEmpty, "in pieces of \(size): \(inventory.warnings)")
        }
        let files = try await ArchiveFiles.read(.bytes(blob), wanted: { _ in true })
        #expect(files.files["etc/os-release"] == Array("ID=debian\n".utf8))
    }
}

/// Found by FuzzLayer (layer/crash-gzip-padding-then-garbage.tar.gz): a zero byte after a gzip
/// member marks the rest as padding, but only the rest of that chunk was skipped, so bytes in a
/// later chunk were read as a new, corrupt member.
@Suite struct GzipPaddingTests {
    @Test func everythingAfterPaddingIsSkippedWhateverTheChunks() async throws {
        let dir = try TestData.scratch("gzip-padding")
        defer { try? FileManager.default.removeItem(at: dir) }
        var tar = TarBuilder()
        tar.file("etc/os-release", "ID=debian\n")
        try Data(tar.bytes).write(to: dir.appendingPathComponent("layer.tar"))  // no end-of-archive blocks
        try await TestData.run("sh", ["-c", "gzip -c layer.tar > layer.tar.gz"], cwd: dir)
        let member = [UInt8](try Data(contentsOf: dir.appendingPathComponent("layer.tar.gz")))
        let blob = member + [0] + Array("not gzip".utf8)
        for size in [blob.count, member.count + 1] {
            let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(blob, chunkSize: size))
            let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([layer]))
            #expect(inventory.os?.id == "debian")
            #expect(inventory.warnings.isEmpty, "in pieces of \(size): \(inventory.warnings)")
        }
    }
}
