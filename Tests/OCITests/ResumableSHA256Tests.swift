import Crypto
import Testing
@testable import OCI

/// `ResumableSHA256` calls BoringSSL through a copied struct layout; these tests are what notices
/// if a newer swift-crypto changes it.
@Suite struct ResumableSHA256Tests {
    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 1000, 1 << 20])
    func equalsCryptoSHA256(size: Int) {
        let bytes = Self.random(size)
        var hash = ResumableSHA256()
        bytes.withUnsafeBytes { hash.update($0) }
        #expect(hash.finalize() == Array(SHA256.hash(data: bytes)))
    }

    @Test func savedStateContinuesAtEverySplitOfABlock() throws {
        let bytes = Self.random(300)
        let expected = Array(SHA256.hash(data: bytes))
        for split in 0...bytes.count {
            var first = ResumableSHA256()
            bytes[..<split].withUnsafeBytes { first.update($0) }
            let saved = first.savedState
            var resumed = try #require(ResumableSHA256(savedState: saved))
            bytes[split...].withUnsafeBytes { resumed.update($0) }
            #expect(resumed.finalize() == expected, "split at \(split)")
        }
    }

    @Test func digestHasherSavesOnlySHA256() throws {
        var hasher = DigestHasher(algorithm: .sha256)
        hasher.update(Array("hello ".utf8))
        let saved = try #require(hasher.savedState)
        var resumed = try #require(DigestHasher(savedState: saved))
        resumed.update(Array("world".utf8))
        #expect(resumed.finalize() == Digest.of(Array("hello world".utf8)))
        #expect(DigestHasher(algorithm: .sha512).savedState == nil)
    }

    @Test func malformedStatesAreRefused() {
        var good = ResumableSHA256().savedState
        #expect(ResumableSHA256(savedState: Array(good.dropLast())) == nil)
        good[0] = 9
        #expect(ResumableSHA256(savedState: good) == nil)
        var badPartial = ResumableSHA256().savedState
        badPartial[badPartial.count - 4] = 64
        #expect(ResumableSHA256(savedState: badPartial) == nil)
    }
}
