import BerthTestSupport
import Foundation
import NIOConcurrencyHelpers
import OCI
import Services
import Testing

/// The reference protocol under concurrency: garbage collections run back to back while clients
/// push, round after round, images whose layer is garbage at that moment (its previous manifest
/// was just deleted). Every push must succeed, and afterwards every blob its manifest names must be
/// served. Eight clients push in parallel, each into its own repository; run on SQLite and, with
/// BERTH_TEST_DATABASE_URL, on PostgreSQL. `BERTH_GC_RACE_ROUNDS` sets the rounds (1,000 by default).
@Suite struct GarbageCollectionRaceTests {
    static let rounds = ProcessInfo.processInfo.environment["BERTH_GC_RACE_ROUNDS"].flatMap(Int.init) ?? 1000
    static let clients = 8

    struct Tally: Sendable { var reuploads = 0, skipped = 0, collections = 0, collectedBlobs = 0 }

    @Test func pushesRacingGarbageCollectionNeverLoseABlob() async throws {
        try await Harness.run { h in
            let collector = GarbageCollectionTests.collector(h, batchSize: 50)
            let tally = NIOLockedValueBox(Tally())
            let pushing = NIOLockedValueBox(Self.clients)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while pushing.withLockedValue({ $0 }) > 0 {
                        let result = try await collector.run(GarbageCollectionParameters(deleteUntagged: true)) { _ in }
                        tally.withLockedValue { $0.collections += 1; $0.collectedBlobs += result.blobs }
                    }
                }
                for client in 0..<Self.clients {
                    group.addTask {
                        defer { pushing.withLockedValue { $0 -= 1 } }
                        for round in stride(from: client, to: Self.rounds, by: Self.clients) {
                            try await Self.round(round, h: h, repository: "library/race\(client)", tally: tally)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let final = tally.withLockedValue { $0 }
            #expect(final.reuploads + final.skipped == Self.rounds)
            #expect(final.collections > 1 && final.collectedBlobs > 0, "the collector ran and found garbage")
            print("GC race: \(Self.rounds) rounds by \(Self.clients) clients against \(final.collections) collections "
                  + "(\(final.collectedBlobs) blobs collected): \(final.reuploads) pushes re-uploaded a collected layer, "
                  + "\(final.skipped) found it still there")
        }
    }

    static func round(_ round: Int, h: Harness, repository: String, tally: NIOLockedValueBox<Tally>) async throws {
        let config = Array(#"{"architecture":"amd64","os":"linux","round":\#(round)}"#.utf8)
        let layer = Array("race layer \(round)".utf8)
        // The image's blobs become garbage: pushed, referenced, then the manifest deleted. In odd
        // rounds the client's HEADs come before the delete, so the links lose their last manifest
        // between the client's check and its manifest push.
        let image = try await h.pushImage(repository, tag: "setup\(round)", layer: "race layer \(round)", extra: #","round":\#(round)"#)
        let headFirst = round % 2 == 1
        if !headFirst { #expect(try await h.request(.delete, "/v2/\(repository)/manifests/\(image.digest)").status == .accepted) }
        // The client pushes it again as a client does: HEAD each blob, upload what is missing.
        var uploaded = false
        for (blob, bytes) in zip(try GarbageCollectionTests.blobs(of: image.bytes), [config, layer]) {
            if try await h.request(.head, "/v2/\(repository)/blobs/\(blob)").status == .ok { continue }
            #expect(try await h.pushBlob(bytes, to: repository) == blob)
            uploaded = true
        }
        if headFirst { #expect(try await h.request(.delete, "/v2/\(repository)/manifests/\(image.digest)").status == .accepted) }
        tally.withLockedValue { uploaded ? ($0.reuploads += 1) : ($0.skipped += 1) }
        let put = try await h.putManifest(image.bytes, repository: repository, reference: "r\(round)")
        #expect(put.status == .created, "round \(round): \(put.text)")
        for (blob, bytes) in zip(try GarbageCollectionTests.blobs(of: image.bytes), [config, layer]) {
            let served = try await h.request(.get, "/v2/\(repository)/blobs/\(blob)")
            #expect(served.status == .ok && served.bytes == bytes, "round \(round): a blob of a pushed manifest is gone")
        }
    }
}
