import Testing
@testable import OCI

@Suite struct DigestTests {
    @Test func parsesSHA256AndSHA512() throws {
        let d = try Digest(parsing: "sha256:" + String(repeating: "a", count: 64))
        #expect(d.algorithm == .sha256)
        #expect(d.description == "sha256:" + String(repeating: "a", count: 64))
        let e = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
        #expect(e.algorithm == .sha512)
    }

    @Test(arguments: [
        "sha256:totallywrong", "sha256:" + String(repeating: "A", count: 64), "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha256", "", "sha256:" + String(repeating: "a", count: 63), "sha512:" + String(repeating: "a", count: 64),
        "sha256:../../../../etc/passwd",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: OCIFormatError.self) { try Digest(parsing: text) }
    }

    @Test func hashesKnownVectors() {
        #expect(Digest.of(Array("hello\n".utf8)).description == "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(Digest.of([], algorithm: .sha512).hex.hasPrefix("cf83e1357eefb8bdf1542850d66d8007"))
        #expect(Digest.of(Array("{}".utf8)).description == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }

    @Test func incrementalHashEqualsOneShot() {
        let bytes = (0..<10_000).map { UInt8($0 % 251) }
        var hasher = DigestHasher(algorithm: .sha256)
        hasher.update(Array(bytes[..<1234]))
        hasher.update(Array(bytes[1234...]))
        #expect(hasher.finalize() == Digest.of(bytes))
    }
}
