import BerthTestSupport
import Foundation
import Metadata
import NIOConcurrencyHelpers
import NIOCore
import OCI
import RemoteRegistry
import Services
import Testing

/// A blob copy broken mid-way resumes from what the target holds instead of starting over: into
/// this Berth (pull mode) from the upload session's size, and into a remote registry with
/// `copy_by_chunk` from the session offset the remote reports.
@Suite struct ReplicationResumeTests {
    /// A source whose `breakingOpen`-th opening breaks after `breakAfter` bytes; records each
    /// offset it is opened at.
    final class FlakySource: Sendable {
        let bytes: [UInt8]
        let breakingOpen: Int
        let breakAfter: Int
        let offsets = NIOLockedValueBox<[Int64]>([])

        init(bytes: [UInt8], breakingOpen: Int, breakAfter: Int) {
            self.bytes = bytes
            self.breakingOpen = breakingOpen
            self.breakAfter = breakAfter
        }

        struct Broken: Error {}

        func open(_ offset: Int64) -> (body: ByteChunks, resumed: Bool) {
            let opening = offsets.withLockedValue { $0.append(offset); return $0.count }
            let slice = 256 << 10
            let remaining = Array(bytes[Int(offset)...])
            var parts = stride(from: 0, to: remaining.count, by: slice).map { ByteBuffer(bytes: remaining[$0..<min($0 + slice, remaining.count)]) }
            let breaks = opening == breakingOpen
            if breaks { parts = Array(parts.prefix(breakAfter / slice)) }
            let stream = ByteChunks(buffers: parts)
            return (ByteChunks(next: {
                if let buffer = try await stream.read() { return buffer }
                if breaks { throw Broken() }
                return nil
            }), true)
        }
    }

    /// Bytes no two blobs share, quickly (a debug build generates random bytes one at a time).
    static func randomBytes(_ count: Int) -> [UInt8] {
        let seed = UInt64.random(in: 1...UInt64.max)
        return (0..<count).map { UInt8(truncatingIfNeeded: (UInt64($0) &* 0x9E37_79B9_7F4A_7C15 ^ seed) >> 29) }
    }

    @Test func aPullIntoThisRegistryResumesFromTheSessionSize() async throws {
        try await Harness.run { h in
            _ = try await h.createProject("mirror")
            let bytes = Self.randomBytes(3 << 20)
            let digest = Digest.of(bytes)
            let source = FlakySource(bytes: bytes, breakingOpen: 1, breakAfter: 1 << 20)
            let local = LocalReplicationEndpoint(database: h.server.database, blobs: h.server.backend.blobs)
            try await local.putBlob(digest, size: Int64(bytes.count), in: "mirror/app", chunked: false) { offset in source.open(offset) }
            #expect(source.offsets.withLockedValue { $0 } == [0, 1 << 20])
            let stored = try await h.request(.get, "/v2/mirror/app/blobs/\(digest)")
            #expect(stored.status == .ok && Digest.of(stored.bytes) == digest)
        }
    }

    @Test func aChunkedPushResumesFromTheRemoteSessionOffset() async throws {
        try await Harness.run(live: true) { b in
            _ = try await b.createProject("dr")
            let bytes = Self.randomBytes(12 << 20)
            let digest = Digest.of(bytes)
            let record = RegistryEndpointRecord(name: "b", url: "http://127.0.0.1:\(try #require(b.port))", type: "harbor", credentialType: "basic",
                                                accessKey: "admin", accessSecret: Harness.password, creationTime: 0, updateTime: 0)
            let remote = try RemoteReplicationEndpoint(endpoint: record)
            // The first chunk (10 MiB) arrives whole; the second (2 MiB) breaks after 1 MiB.
            let source = FlakySource(bytes: bytes, breakingOpen: 2, breakAfter: 1 << 20)
            try await remote.putBlob(digest, size: Int64(bytes.count), in: "dr/app", chunked: true) { offset in source.open(offset) }
            let offsets = source.offsets.withLockedValue { $0 }
            // Resumed, never restarted: every later opening is at or past the first chunk's end (the
            // remote may still be taking the broken chunk when asked, so one extra try can happen).
            #expect(offsets.count >= 3 && offsets[0] == 0 && offsets.dropFirst().allSatisfy { $0 >= 10 << 20 }, "\(offsets)")
            let stored = try await b.request(.get, "/v2/dr/app/blobs/\(digest)")
            #expect(stored.status == .ok && Digest.of(stored.bytes) == digest)
        }
    }
}
