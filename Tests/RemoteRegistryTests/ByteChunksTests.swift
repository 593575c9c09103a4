import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import RemoteRegistry

@Suite struct ByteChunksTests {
    static func chunks(_ parts: [String]) -> ByteChunks {
        ByteChunks(AsyncStream { continuation in
            for part in parts { continuation.yield(ByteBuffer(string: part)) }
            continuation.finish()
        })
    }

    static func text(_ chunks: ByteChunks) async throws -> String {
        var text = ""
        for try await buffer in chunks { text += String(buffer: buffer) }
        return text
    }

    @Test func prefixStopsInsideABuffer() async throws {
        #expect(try await Self.text(Self.chunks(["abc", "def", "ghi"]).prefix(bytes: 5)) == "abcde")
        #expect(try await Self.text(Self.chunks(["abc"]).prefix(bytes: 10)) == "abc")
        #expect(try await Self.text(Self.chunks(["abc"]).prefix(bytes: 0)) == "")
    }

    @Test func limitedCountsEveryByteAndKeepsThemInOrder() async throws {
        let counted = NIOLockedValueBox<Int64>(0)
        let limited = Self.chunks(["one", "two", "three"]).limited(bytesPerSecond: 0) { n in counted.withLockedValue { $0 += n } }
        #expect(try await Self.text(limited) == "onetwothree")
        #expect(counted.withLockedValue { $0 } == 11)
    }
}
