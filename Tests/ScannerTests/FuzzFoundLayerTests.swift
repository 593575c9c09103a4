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
}
