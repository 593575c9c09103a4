import Foundation
import Testing
@testable import Scanner

/// Layers built to hurt: each must finish within its limit with a warning, or fail clearly.
@Suite struct HostileInputTests {
    let osRelease = "ID=debian\nVERSION_ID=\"12\"\n"

    /// A 10 GB file that exists only as a stream: a tar header claiming 10 GB, then zero chunks
    /// generated on demand, then a real file after it. Nothing of that size is written or held.
    static func tenGigabyteLayer(fileSize: UInt64 = 10 << 30, after: [UInt8]) -> ByteStream {
        var head = TarBuilder()
        head.header(name: "var/big.img", size: fileSize, type: "0", mode: 0o644)
        let header = head.bytes
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        return ByteStream(generator: {
            var sentHeader = false
            var remaining = fileSize
            var sentTail = false
            return {
                if !sentHeader { sentHeader = true; return header }
                if remaining > 0 {
                    let n = min(remaining, UInt64(zeros.count))
                    remaining -= n
                    return n == UInt64(zeros.count) ? zeros : Array(zeros[0..<Int(n)])
                }
                if !sentTail { sentTail = true; return after }
                return nil
            }
        })
    }

    @Test func tenGigabyteFileIsStreamedPastWithinTheLayerLimit() async throws {
        var tail = TarBuilder()
        tail.file("etc/os-release", osRelease)
        var limits = ScanLimits()
        limits.maxLayerBytes = 1 << 30
        let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: Self.tenGigabyteLayer(after: tail.finish()))
        let started = ContinuousClock.now
        let inventory = try await ScanEngine(limits: limits).inventory(of: AsyncLayerSequence([layer]))
        #expect(inventory.warnings.contains { $0.contains("stopped after") })
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func tenGigabyteFileWithDefaultLimitsIsReadThrough() async throws {
        var tail = TarBuilder()
        tail.file("etc/os-release", osRelease)
        let layer = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: Self.tenGigabyteLayer(after: tail.finish()))
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([layer]))
        #expect(inventory.os?.id == "debian", "the entry after the 10 GB one is reached")
        #expect(inventory.bytesRead > 10 << 30)
    }

    @Test func largeFileSmallerThanTheLimitIsSkippedNotBuffered() async throws {
        // 3 GB named like a package database: far over the buffering limit, so it is skipped.
        var tail = TarBuilder()
        tail.file("etc/os-release", osRelease)
        var head = TarBuilder()
        head.header(name: "var/lib/dpkg/status", size: 3 << 30, type: "0", mode: 0o644)
        let stream = Self.tenGigabyteLayer(fileSize: 3 << 30, after: tail.finish())
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([ImageLayer(digest: nil, diffID: nil, mediaType: "", content: stream)]))
        #expect(inventory.os?.id == "debian", "the file after the big one is still read")
    }

    @Test func gzipBombStopsAtTheRatioLimit() async throws {
        // One gzip member of 64 MiB of zeros repeated: ~64 KiB expands to gigabytes. gzip allows
        // concatenated members, so this is a valid stream.
        let dir = try TestData.scratch("bomb")
        defer { try? FileManager.default.removeItem(at: dir) }
        var head = TarBuilder()
        head.header(name: "bomb", size: 100 << 30, type: "0", mode: 0o644)
        try Data(head.bytes).write(to: dir.appendingPathComponent("head"))
        try await TestData.run("sh", ["-c", "gzip -c head > bomb.gz && head -c 67108864 /dev/zero | gzip -9 > z.gz"], cwd: dir)
        let member = [UInt8](try Data(contentsOf: dir.appendingPathComponent("z.gz")))
        let first = [UInt8](try Data(contentsOf: dir.appendingPathComponent("bomb.gz")))
        let stream = ByteStream(generator: {
            var sent = 0
            return {
                defer { sent += 1 }
                if sent == 0 { return first }
                return sent < 2000 ? member : nil
            }
        })
        var limits = ScanLimits()
        limits.ratioCheckAfterBytes = 256 << 20
        let inventory = try await ScanEngine(limits: limits).inventory(of: AsyncLayerSequence([ImageLayer(digest: nil, diffID: nil, mediaType: "", content: stream)]))
        #expect(inventory.warnings.contains { $0.contains("decompression bomb") })
    }

    @Test func tarBombOfEntriesStopsAtTheEntryLimit() async throws {
        var tar = TarBuilder()
        for i in 0..<5000 { tar.file("many/\(i)", "") }
        tar.file("etc/os-release", osRelease)
        var limits = ScanLimits()
        limits.maxEntriesPerLayer = 1000
        let inventory = try await ScanEngine(limits: limits).inventory(ofLayer: tar.finish())
        #expect(inventory.warnings.contains { $0.contains("more than 1000 entries") })
        #expect(inventory.os == nil)
    }

    @Test func dotDotPathsAreRefused() async throws {
        var tar = TarBuilder()
        tar.file("../../etc/os-release", osRelease)
        tar.file("usr/../../var/lib/dpkg/status", "Package: evil\nVersion: 1\nStatus: install ok installed\n")
        tar.file("./usr/lib/../../etc/os-release", "ID=alpine\nVERSION_ID=3.18.0\n")
        let inventory = try await ScanEngine().inventory(ofLayer: tar.finish())
        #expect(inventory.warnings.filter { $0.contains("climbs out") }.count == 2)
        #expect(inventory.packages.isEmpty)
        #expect(inventory.os?.id == "alpine", "a .. that stays inside the root is resolved")
    }

    @Test func symlinkLoopsAreNeverFollowed() async throws {
        var tar = TarBuilder()
        tar.symlink("etc/os-release", to: "os-release")
        tar.symlink("a", to: "b")
        tar.symlink("b", to: "a")
        tar.symlink("var/lib/dpkg/status", to: "../../../../../../etc/shadow")
        tar.file("usr/lib/os-release", osRelease)
        let inventory = try await ScanEngine().inventory(ofLayer: tar.finish())
        #expect(inventory.os?.id == "debian")
        #expect(inventory.packages.isEmpty)
    }

    @Test func corruptAndTruncatedLayersWarnAndKeepGoing() async throws {
        var good = TarBuilder()
        good.file("etc/os-release", osRelease)
        let goodBytes = good.finish()
        let garbage = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes([UInt8](repeating: 0x41, count: 4096)))
        let dir = try TestData.scratch("truncated")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await TestData.run("tar", ["-czf", dir.appendingPathComponent("l.tgz").path, "-C", "/usr/share/doc", "dpkg", "bash"])
        var gz = [UInt8](try Data(contentsOf: dir.appendingPathComponent("l.tgz")))
        gz = Array(gz.prefix(gz.count / 2))
        let truncated = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(gz))
        let fine = ImageLayer(digest: nil, diffID: nil, mediaType: "", content: .bytes(goodBytes))
        let inventory = try await ScanEngine().inventory(of: AsyncLayerSequence([garbage, truncated, fine]))
        #expect(inventory.warnings.contains { $0.contains("checksum") })
        #expect(inventory.warnings.contains { $0.contains("truncated") })
        #expect(inventory.os?.id == "debian")
    }

    @Test func hostileBinaryAndArchivesDoNotCrash() async throws {
        let context = AnalysisContext(limits: ScanLimits())
        // ELF header pointing its section table past the end, and a fake build-info magic
        var elf = [UInt8](repeating: 0, count: 4096)
        elf.replaceSubrange(0..<6, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1])
        elf.replaceSubrange(0x28..<0x30, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
        elf.replaceSubrange(0x3a..<0x40, with: [64, 0, 0xff, 0xff, 1, 0])
        elf.replaceSubrange(1024..<1038, with: [0xff] + Array(" Go buildinf:".utf8))
        elf[1024 + 15] = 2
        elf.replaceSubrange(1056..<1061, with: [0xff, 0xff, 0xff, 0xff, 0x0f])
        #expect(try await GoBinaryAnalyzer().analyze(path: "x", content: elf, context: context) == nil)
        #expect(try await RustAnalyzer().analyze(path: "x", content: elf, context: context) == nil)
        let notAJar = try await JavaAnalyzer().analyze(path: "x.jar", content: Array("PK\u{3}\u{4} not really".utf8) + [UInt8](repeating: 0, count: 64), context: context)
        #expect(notAJar?.packages.isEmpty == true)
        #expect(throws: (any Error).self) { try RpmHeader([0, 0, 0, 200, 0, 0, 0, 1]) }
    }
}
